"""allauth's sign-up form, doing the same work whether the address already has an account."""

from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django.contrib.auth.hashers import make_password
from django.utils.crypto import get_random_string


class SignupForm(AllauthSignupForm):
    def try_save(self, request):
        """A known address gets no new account, so no password is hashed for it: hash one
        anyway, then let allauth send (or, within its rate limit, skip) the "you already
        have an account" email.

        Without the hash a known address answered in ~20 ms and a new one in ~220 ms
        (the hasher's cost): the same page, but the time told which addresses have an
        account (issue #17). The hash is done here, on every such sign-up, and not where
        the email is sent: allauth sends at most one a few minutes per address, so a
        second try answered fast again.
        """
        if self.account_already_exists:
            make_password(get_random_string(32))
        return super().try_save(request)
