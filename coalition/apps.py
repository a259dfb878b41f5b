from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoalitionConfig(AppConfig):
    name = "coalition"
    verbose_name = _("Network")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from coalition.page_cache import watch_connection

        # Every database connection reports its writes to the page cache.
        connection_created.connect(watch_connection, dispatch_uid="page-cache-writes")
