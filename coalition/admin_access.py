"""Who reaches Django's admin, and how: through allauth's login, staff with TOTP only.

The admin's own login form has no rate limit and no second factor, so its
login page sends people to allauth's (rate-limited, with MFA); and staff get in
only if this very session passed a TOTP code (at login or by re-authenticating),
so neither a stolen password nor a session opened some other way (a password
reset, a login before the authenticator was set up) opens the admin.
"""

from __future__ import annotations

from django.contrib.admin import AdminSite
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

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


def session_passed_totp(request: HttpRequest) -> bool:
    """Whether this session's person gave a TOTP code in it: allauth records each
    step of a login (and each re-authentication) in the session, tied to the person."""
    from allauth.account.authentication import get_authentication_records
    from allauth.mfa.models import Authenticator

    return any(
        record.get("method") == "mfa" and record.get("type") == Authenticator.Type.TOTP
        for record in get_authentication_records(request, request.user)
    )


def admin_has_permission(site: AdminSite, request: HttpRequest) -> bool:
    """Django's rule (active staff), an active TOTP authenticator, and a session
    that passed it."""
    return (
        AdminSite.has_permission(site, request)
        and has_totp(request.user)
        and session_passed_totp(request)
    )


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
    staff = request.user.is_active and request.user.is_staff
    # A page with a link rather than a redirect: a recovery code also passes
    # allauth's re-authentication but not this check, and must not loop.
    confirm_url = None
    if staff and has_totp(request.user):
        confirm_url = (
            reverse("mfa_reauthenticate") + "?" + urlencode({"next": request.get_full_path()})
        )
    return render(
        request,
        "coalition/admin_denied.html",
        {"needs_totp": staff and confirm_url is None, "confirm_url": confirm_url},
        status=403,
    )
