"""geo pages."""

urlpatterns: list = []
