"""Pages of the reporting app, one module per area; each exports its ``urlpatterns``."""
