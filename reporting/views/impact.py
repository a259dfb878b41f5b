"""impact pages."""

urlpatterns: list = []
