"""Pages of the actions app, one module per area; each exports its ``urlpatterns``."""
