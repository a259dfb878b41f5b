"""Who reaches Django's admin, and how: through allauth's login, staff with TOTP only.

The admin's own login form has no rate limit and no second factor, so its
login page sends people to allauth's (rate-limited, with MFA); and staff who
have not set up a TOTP authenticator are kept out, so a stolen password alone
never opens the admin.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

_TOTP_CACHE = "_coalition_admin_totp"


def has_totp(user) -> bool:
    """Whether the person has an active TOTP authenticator (read once per request)."""
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, _TOTP_CACHE, None)
    if cached is None:
        from allauth.mfa.models import Authenticator

        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        setattr(user, _TOTP_CACHE, cached)
    return cached


def admin_has_permission(site: AdminSite, request: HttpRequest) -> bool:
    """Django's rule (active staff) and an active TOTP authenticator."""
    return AdminSite.has_permission(site, request) and has_totp(request.user)


def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin's login page: allauth's login for visitors, the admin for those allowed in,
    and a page saying what is missing for everyone else (never a redirect loop)."""
    from django.contrib import admin

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), login_url=reverse("account_login"))
    if admin.site.has_permission(request):
        wanted = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(
            wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            wanted = reverse("admin:index")
        return HttpResponseRedirect(wanted)
    return render(
        request,
        "coalition/admin_denied.html",
        {"needs_totp": request.user.is_active and request.user.is_staff},
        status=403,
    )
