"""records pages."""

urlpatterns: list = []
