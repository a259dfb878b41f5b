"""listing pages."""

urlpatterns: list = []
