from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        # Changes to counted records queue a refresh of the dashboard's rollups.
        from reporting import hooks_dashboard

        hooks_dashboard.register()
