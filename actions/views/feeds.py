"""feeds pages."""

urlpatterns: list = []
