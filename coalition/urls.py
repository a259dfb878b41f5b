"""The root URL map: the one module that knows every app."""

import functools

from django.contrib import admin
from django.urls import include, path

from coalition import views, views_geo, views_network, views_setup
from coalition.admin_access import admin_has_permission, admin_login

# The admin logs people in through allauth (rate limits, MFA) and lets in only
# staff with a TOTP authenticator: see coalition/admin_access.py.
admin.site.login = admin_login
admin.site.has_permission = functools.partial(admin_has_permission, admin.site)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.privacy, name="privacy"),
    *views_network.urlpatterns,
    *views_geo.urlpatterns,
    *views_setup.urlpatterns,
    path("statement/versions/", views.statement_versions, name="statement_versions"),
    path("statement/versions/<int:number>/", views.statement_version, name="statement_version"),
    path(
        "statement/versions/<int:number>/preview/",
        views.statement_version_preview,
        name="statement_version_preview",
    ),
    path(
        "statement/versions/<int:number>/publish/",
        views.statement_version_publish,
        name="statement_version_publish",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("", include("notifications.urls")),
    path("", include("actions.urls")),
    path("", include("convergence.urls")),
    path("", include("reporting.urls")),
    path("", include("privacy.urls")),
    path("", include("api.urls")),
    path("", include("exchange.urls")),
]

# Uploaded files are never served straight from MEDIA_ROOT, not even in
# development: each goes through a view that checks who may see it and sends
# it as an attachment (convergence:toolkit_file).

# A form body over DATA_UPLOAD_MAX_MEMORY_SIZE is a 413 that says the limit (the API's
# exception handler does the same in JSON); other bad requests stay Django's 400.
handler400 = "coalition.views.bad_request"
