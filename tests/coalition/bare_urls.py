"""A URL map with only the home page and accounts: no page the navigation links to."""

from django.urls import include, path

from coalition import views

urlpatterns = [
    path("", views.home, name="home"),
    path("privacy/", views.privacy, name="privacy"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("", include(([path("me/profile/", views.home, name="profile")], "members"))),
]
