"""statement pages."""

urlpatterns: list = []
