"""join pages."""

urlpatterns: list = []
