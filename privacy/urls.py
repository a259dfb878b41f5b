"""URLs of the privacy app, gathered from its view modules."""

app_name = "privacy"

urlpatterns: list = []
