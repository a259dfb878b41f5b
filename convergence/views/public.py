"""public pages."""

urlpatterns: list = []
