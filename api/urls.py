"""URLs of the api app, gathered from its view modules."""

app_name = "api"

urlpatterns: list = []
