"""URLs of the actions app, gathered from its view modules (mounted at the site root)."""

from actions.views import (
    amplify,
    detail,
    feeds,
    geo,
    listing,
    moderation,
    participation,
    playbook,
    posting,
    speaking,
    support,
)

app_name = "actions"

urlpatterns = [
    *listing.urlpatterns,
    *posting.urlpatterns,
    *geo.urlpatterns,
    *feeds.urlpatterns,
    *playbook.urlpatterns,
    *moderation.urlpatterns,
    *participation.urlpatterns,
    *amplify.urlpatterns,
    *support.urlpatterns,
    *speaking.urlpatterns,
    # Last: /actions/<id>/ would otherwise shadow the fixed addresses above.
    *detail.urlpatterns,
]
