"""URLs of the members app, gathered from its view modules (mounted at the site root)."""

from members.views import groups, join, me, outreach, relationships, statement, weave

app_name = "members"

urlpatterns = [
    *statement.urlpatterns,
    *join.urlpatterns,
    *groups.urlpatterns,
    *me.urlpatterns,
    *weave.urlpatterns,
    *outreach.urlpatterns,
    *relationships.urlpatterns,
]
