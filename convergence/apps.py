from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConvergenceConfig(AppConfig):
    name = "convergence"
    verbose_name = _("Days of action")

    def ready(self) -> None:
        from convergence import notification_kinds, setup_hooks  # noqa: F401 - registers kinds

        setup_hooks.register()
