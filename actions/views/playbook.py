"""playbook pages."""

urlpatterns: list = []
