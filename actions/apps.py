from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Local actions")

    def ready(self) -> None:
        from actions import hooks_moderation

        hooks_moderation.register()
        from actions import hooks_amplification

        hooks_amplification.register()
