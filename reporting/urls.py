"""URLs of the reporting app (mounted at the site root)."""

from reporting.views import dashboard, impact, records, reports

app_name = "reporting"

urlpatterns = [
    *records.urlpatterns,
    *dashboard.urlpatterns,
    *reports.urlpatterns,
    *impact.urlpatterns,
]
