from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = _("Privacy")

    def ready(self) -> None:
        # Receivers, data providers, and how first-run setup publishes the policy.
        from privacy import handlers, providers, setup_hooks  # noqa: F401

        setup_hooks.register()
