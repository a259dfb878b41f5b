"""Pages of the convergence app, one module per area; each exports its ``urlpatterns``."""
