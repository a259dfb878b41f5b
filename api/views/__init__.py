"""Pages of the api app; each module exports ``urlpatterns``."""
