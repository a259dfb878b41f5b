"""amplify pages."""

urlpatterns: list = []
