from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Groups and people")

    def ready(self) -> None:
        from coalition.accounts import account_maker_register
        from members import handlers  # noqa: F401 - connects the receivers
        from members.services.accounts import account_create_verified

        # Role invitations (coalition/) make accounts through members' service.
        account_maker_register(account_create_verified)
