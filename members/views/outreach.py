"""outreach pages."""

urlpatterns: list = []
