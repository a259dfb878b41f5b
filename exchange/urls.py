"""URLs of the exchange app, gathered from its view modules."""

app_name = "exchange"

urlpatterns: list = []
