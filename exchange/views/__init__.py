"""Pages of the exchange app; each module exports ``urlpatterns``."""
