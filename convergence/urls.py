"""URLs of the convergence app (mounted at the site root)."""

from convergence.views import coordinate, events, outcomes, public

app_name = "convergence"

urlpatterns = [
    *coordinate.urlpatterns,
    *events.urlpatterns,
    *outcomes.urlpatterns,
    # Last: /days/<slug>/ would otherwise shadow fixed addresses under /days/.
    *public.urlpatterns,
]
