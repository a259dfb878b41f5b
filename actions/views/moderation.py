"""moderation pages."""

urlpatterns: list = []
