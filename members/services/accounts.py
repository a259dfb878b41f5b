"""Accounts made outside allauth's sign-up, where the address is already proven."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from members.models import User


@transaction.atomic
def account_create_verified(*, email: str, name: str, password: str, language: str = "") -> User:
    """Make an account for someone who followed a link sent to ``email``.

    Following the link proves the address, so it is stored verified and
    primary and the person can log in at once. The password goes through
    Django's validators (AUTH_PASSWORD_VALIDATORS). Refused when the address
    already has an account: its owner logs in instead.
    """
    email = User.objects.normalize_email(email.strip()).lower()
    name = " ".join(name.split())
    if not email:
        raise RuleBroken(_("An account needs an email address."), field="email")
    if not name:
        raise RuleBroken(_("Say what name the network should know you by."), field="name")
    try:
        validate_email(email)
    except ValidationError:
        raise RuleBroken(_("Enter a valid email address."), field="email") from None
    if User.objects.filter(email__iexact=email).exists():
        raise RuleBroken(
            _("An account with this address already exists: log in to continue."), field="email"
        )
    try:
        validate_password(password, User(email=email, name=name))
    except ValidationError as error:
        raise RuleBroken(" ".join(error.messages), field="password") from None
    person = User.objects.create_user(email=email, password=password, name=name, language=language)
    EmailAddress.objects.create(user=person, email=email, verified=True, primary=True)
    return person
