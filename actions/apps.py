from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ActionsConfig(AppConfig):
    name = "actions"
    verbose_name = _("Local actions")

    def ready(self) -> None:
        # Each area adds itself to lower apps' pages (group page, timeline,
        # ties, home page) and to the action page.
        from actions import (
            hooks_amplification,
            hooks_home,
            hooks_moderation,
            notification_kinds,  # noqa: F401 - registers the kinds of news
        )

        hooks_moderation.register()
        hooks_amplification.register()
        hooks_home.register()
