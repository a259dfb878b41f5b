"""detail pages."""

urlpatterns: list = []
