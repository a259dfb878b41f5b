from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Groups and people")

    def ready(self) -> None:
        from coalition.accounts import account_maker_register
        from coalition.hooks import resign_counter_register, suppression_check_register

        # handlers connects the receivers; setup_hooks lends the frame's first run its parts.
        from members import handlers, setup_hooks  # noqa: F401
        from members.selectors import groups_to_resign_count
        from members.selectors_outreach import address_is_suppressed
        from members.services.accounts import account_create_verified

        setup_hooks.register()

        # Role invitations (coalition/) make accounts through members' service.
        account_maker_register(account_create_verified)
        # Publishing a statement says how many groups it asks to sign again.
        resign_counter_register(groups_to_resign_count)
        # Role invitations (coalition/) write to nobody who unsubscribed, bounced or complained.
        suppression_check_register(address_is_suppressed)
