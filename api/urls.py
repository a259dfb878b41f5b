"""URLs of the api app, gathered from its view modules."""

from api.views import actions, convergence, docs, network, records, tokens

app_name = "api"

urlpatterns = [
    *tokens.urlpatterns,
    *docs.urlpatterns,
    *network.urlpatterns,
    *actions.urlpatterns,
    *convergence.urlpatterns,
    *records.urlpatterns,
    *docs.fallback,
]
