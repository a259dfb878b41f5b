from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Groups and people")

    def ready(self) -> None:
        # handlers connects the receivers; setup_hooks lends the frame's first run its parts.
        from members import handlers, setup_hooks  # noqa: F401

        setup_hooks.register()
