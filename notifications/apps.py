from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from notifications import handlers  # noqa: F401 - connects the receivers
        from notifications import personal_data  # noqa: F401 - registers with privacy.registry
