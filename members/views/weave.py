"""weave pages."""

urlpatterns: list = []
