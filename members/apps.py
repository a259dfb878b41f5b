from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Groups and people")

    def ready(self) -> None:
        from coalition.hooks import resign_counter_register
        from members import handlers  # noqa: F401 - connects the receivers
        from members.selectors import groups_to_resign_count

        resign_counter_register(groups_to_resign_count)
