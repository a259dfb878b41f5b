"""URLs of the notification centre, included by the root URL map."""

from notifications.views import app_name, urlpatterns

__all__ = ["app_name", "urlpatterns"]
