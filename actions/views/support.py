"""support pages."""

urlpatterns: list = []
