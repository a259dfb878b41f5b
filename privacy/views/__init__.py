"""Pages of the privacy app; each module exports ``urlpatterns``."""
