"""The root URL map: the one module that knows every app."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from coalition import views, views_network

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("privacy/", views.privacy, name="privacy"),
    *views_network.urlpatterns,
    path("statement/versions/", views.statement_versions, name="statement_versions"),
    path(
        "statement/versions/<int:number>/publish/",
        views.statement_version_publish,
        name="statement_version_publish",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("", include("members.urls")),
    path("", include("actions.urls")),
    path("", include("convergence.urls")),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
