"""coordinate pages."""

urlpatterns: list = []
