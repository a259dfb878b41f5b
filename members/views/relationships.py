"""relationships pages."""

urlpatterns: list = []
