"""URLs of the privacy app, gathered from its view modules."""

from privacy.views import audit, consent, data, policies

app_name = "privacy"

urlpatterns = [
    *policies.urlpatterns,
    *consent.urlpatterns,
    *data.urlpatterns,
    *audit.urlpatterns,
]
