"""participation pages."""

urlpatterns: list = []
