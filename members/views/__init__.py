"""Pages of the members app, one module per area; each exports its ``urlpatterns``."""
