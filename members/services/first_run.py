"""The first steward's account, made during first-run setup (through coalition/setup_hooks.py)."""

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
def account_create_verified(*, name: str, email: str, password: str) -> User:
    """An account whose address counts as verified, so it logs in at once.

    Only for someone who proved they run the installation (a setup link or the
    server's shell): nobody else may skip the verification email.
    """
    name, email = name.strip(), email.strip().lower()
    if not name:
        raise RuleBroken(_("Say your name, as the network will see it."), field="name")
    try:
        validate_email(email)
    except ValidationError:
        raise RuleBroken(_("Enter a valid email address."), field="email") from None
    if User.objects.filter(email__iexact=email).exists():
        raise RuleBroken(_("An account with this email address already exists."), field="email")
    try:
        validate_password(password, User(email=email, name=name))
    except ValidationError as error:
        raise RuleBroken(" ".join(error.messages), field="password") from None
    person = User.objects.create_user(email=email, password=password, name=name)
    EmailAddress.objects.create(user=person, email=email, primary=True, verified=True)
    return person
