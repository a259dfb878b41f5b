"""Settings for the benchmark harness only: the app's own, with the floor page added.

``bench.pages`` runs gunicorn, migrate and the query counter with
``DJANGO_SETTINGS_MODULE=bench.settings``, so the app itself never grows a
benchmark-only URL.
"""

from coalition.settings import *  # noqa: F403 - every real setting, unchanged

ROOT_URLCONF = "bench.urls"
