from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "exchange"
    verbose_name = _("Data exchange")

    def ready(self) -> None:
        from exchange import hooks_origin, personal_data  # noqa: F401 - registers with privacy.registry

        hooks_origin.register()
