"""Signing the unity statement, confirming signatures, asking signatories to re-sign."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from coalition.errors import RuleBroken
from coalition.models import PrivacyPolicy, StatementVersion
from members import signals
from members.models import Group, Signature, User
from members.services.groups import group_mark_aligned


def _email_verified(person: User) -> bool:
    return EmailAddress.objects.filter(
        user=person, email__iexact=person.email, verified=True
    ).exists()


@transaction.atomic
def signature_create(
    *,
    group: Group,
    person: User,
    version: StatementVersion,
    listing_consent: bool,
    privacy_policy: PrivacyPolicy | None = None,
) -> Signature:
    """``person`` signs ``version`` for ``group``.

    The signature counts at once if the person's email is verified, otherwise
    when they follow the verification link (``signatures_confirm_for``).
    """
    if not version.is_published:
        raise RuleBroken(_("Only a published statement can be signed."))
    if Signature.objects.filter(group=group, version=version).exists():
        raise RuleBroken(_("%(group)s has already signed this version.") % {"group": group.name})
    try:
        with transaction.atomic():
            signature = Signature.objects.create(
                group=group,
                version=version,
                signed_by=person,
                listing_consent=listing_consent,
                privacy_policy=privacy_policy,
            )
    except IntegrityError:
        # Two clicks at once: the other one won.
        raise RuleBroken(
            _("%(group)s has already signed this version.") % {"group": group.name}
        ) from None
    if listing_consent != group.listing_consent:
        Group.objects.filter(pk=group.pk).update(listing_consent=listing_consent)
        group.listing_consent = listing_consent
    if _email_verified(person):
        _confirm(signature)
    return signature


def _confirm(signature: Signature) -> None:
    now = timezone.now()
    Signature.objects.filter(pk=signature.pk).update(confirmed_at=now)
    signature.confirmed_at = now
    group = Group.objects.select_for_update().get(pk=signature.group_id)
    newest = group.signed_version_id is None or signature.version.number >= (
        StatementVersion.objects.filter(pk=group.signed_version_id)
        .values_list("number", flat=True)
        .first()
        or 0
    )
    if newest:
        current = (
            StatementVersion.objects.filter(published_at__isnull=False)
            .order_by("-number")
            .values_list("pk", flat=True)
            .first()
        )
        group.signed_version_id = signature.version_id
        group.needs_resign = signature.version_id != current
        group.save(update_fields=["signed_version", "needs_resign"])
        if not group.needs_resign:
            group_mark_aligned(
                group=group,
                by=signature.signed_by,
                reason=_("Signed the statement (version %(number)s)")
                % {"number": signature.version.number},
            )
    transaction.on_commit(
        lambda: signals.group_signed.send(sender=Group, group=group, signature=signature)
    )


@transaction.atomic
def signatures_confirm_for(*, person: User) -> int:
    """Confirm the pending signatures made by ``person`` once their email is verified."""
    pending = list(
        Signature.objects.select_related("version")
        .select_for_update()
        .filter(signed_by=person, confirmed_at__isnull=True)
    )
    for signature in pending:
        _confirm(signature)
    return len(pending)


@transaction.atomic
def signatories_mark_resign(*, version: StatementVersion) -> list[int]:
    """Flag every group whose newest signature is older than ``version``; return their ids."""
    stale = Group.objects.filter(
        signed_version__isnull=False, signed_version__number__lt=version.number
    )
    ids = list(stale.values_list("pk", flat=True))
    Group.objects.filter(pk__in=ids).update(needs_resign=True)
    return ids
