"""Outreach pages: the weaver composes, previews and sends email to groups; anyone unsubscribes."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from coalition.errors import RuleBroken
from coalition.permissions import permission_required
from members.forms_outreach import OutreachComposeForm, OutreachSendForm
from members.models import OutreachMessage, OutreachStatus
from members.selectors_outreach import (
    Recipient,
    audience_description,
    audience_recipients,
    outreach_deliveries,
    outreach_delivery,
    outreach_drafts,
    outreach_message,
    outreach_messages,
    outreach_progress,
    suppressed_among,
)
from members.services.outreach import (
    NOT_A_DRAFT,
    merge_field_help,
    outreach_create,
    outreach_preview,
    outreach_send,
    outreach_send_test,
    outreach_unsubscribe,
    outreach_update,
    unsubscribe_email_for,
)

PER_PAGE = 25
# Drafts to go back to, newest first; older ones are in the full list below them.
DRAFTS_SHOWN = 20
# A select box of recipients to preview stays usable; any other one can be
# asked for by id in the address.
PREVIEW_CHOICES = 100


def _audience_summary(audience: dict) -> tuple[list[Recipient], int]:
    recipients = audience_recipients(audience)
    suppressed = suppressed_among([recipient.email for recipient in recipients])
    return recipients, len(suppressed)


@require_safe
@permission_required("send_outreach")
def outreach_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(outreach_messages(), PER_PAGE).get_page(request.GET.get("page"))
    drafts = outreach_drafts(DRAFTS_SHOWN + 1)
    return render(
        request,
        "members/outreach/list.html",
        {"page": page, "drafts": drafts[:DRAFTS_SHOWN], "more_drafts": len(drafts) > DRAFTS_SHOWN},
    )


@require_http_methods(["GET", "POST"])
@permission_required("send_outreach")
def outreach_new(request: HttpRequest) -> HttpResponse:
    """Compose: "Count recipients" shows the audience's size, "Save" makes a draft to preview."""
    return _compose(request, None)


@require_http_methods(["GET", "POST"])
@permission_required("send_outreach")
def outreach_edit(request: HttpRequest, message_id: int) -> HttpResponse:
    """Open a draft again and change it; a message sent (or on its way) is read-only."""
    message = _message_or_404(message_id)
    if message.status != OutreachStatus.DRAFT:
        messages.error(request, str(NOT_A_DRAFT))
        return redirect("members:outreach_detail", message_id=message.pk)
    return _compose(request, message)


def _initial(message: OutreachMessage) -> dict:
    audience = message.audience
    return {
        "subject": message.subject,
        "body": message.body,
        "sender_name": message.sender_name,
        "stages": audience.get("stages") or [],
        "place": audience.get("place"),
        "working_group": audience.get("working_group"),
        "caucus": audience.get("caucus"),
        "resign": bool(audience.get("resign")),
    }


def _compose(request: HttpRequest, message: OutreachMessage | None) -> HttpResponse:
    """The compose form, for a new message or a draft opened again (``message``)."""
    form = OutreachComposeForm(initial=_initial(message) if message else None)
    count = None
    status = 200
    if request.method == "POST":
        form = OutreachComposeForm(request.POST)
        valid = form.is_valid()
        if request.POST.get("action") == "count":
            # Counting needs only the audience: the message may still be unwritten.
            for name in ("subject", "body", "sender_name"):
                form.errors.pop(name, None)
            audience_fields = ("stages", "place", "working_group", "caucus", "resign")
            if not any(name in form.errors for name in audience_fields):
                recipients, suppressed = _audience_summary(form.audience())
                count = {"recipients": len(recipients), "suppressed": suppressed}
            else:
                status = 400
        elif valid:
            data = form.cleaned_data
            try:
                if message is None:
                    message = outreach_create(
                        subject=data["subject"], body=data["body"],
                        sender_name=data["sender_name"], audience=form.audience(),
                        by=request.user,
                    )  # fmt: skip
                    done = _("Draft saved. Check the preview, then send it.")
                else:
                    audience = form.audience()
                    # Places chosen outside this form (a day of action's announcement) stay.
                    if message.audience.get("places"):
                        audience["places"] = message.audience["places"]
                    message = outreach_update(
                        message=message, by=request.user, subject=data["subject"],
                        body=data["body"], sender_name=data["sender_name"], audience=audience,
                    )  # fmt: skip
                    done = _("Draft changed. Check the preview, then send it.")
            except RuleBroken as problem:
                form.add_error(problem.field if problem.field in form.fields else None, problem)
                status = 400
            else:
                messages.success(request, done)
                return redirect("members:outreach_detail", message_id=message.pk)
        else:
            status = 400
    return render(
        request,
        "members/outreach/new.html",
        {"form": form, "count": count, "merge_fields": merge_field_help(), "message": message},
        status=status,
    )


def _message_or_404(message_id: int) -> OutreachMessage:
    message = outreach_message(message_id)
    if message is None:
        raise Http404
    return message


def _recipient_choice(request: HttpRequest) -> tuple[int | None, bool]:
    """The ``recipient`` asked for in the address, and whether it was readable."""
    raw = request.GET.get("recipient", "").strip()
    if not raw:
        return None, True
    if not raw.isdecimal() or len(raw) > 18:  # isdigit() takes "²", which int() refuses
        return None, False
    return int(raw), True


@require_http_methods(["GET", "POST"])
@permission_required("send_outreach")
def outreach_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    """Preview per recipient; send a draft; follow a message while it is sent."""
    message = _message_or_404(message_id)
    send_form = None
    status = 200
    if message.status == OutreachStatus.DRAFT:
        recipients, suppressed = _audience_summary(message.audience)
        send_form = OutreachSendForm(initial={"count": len(recipients)})
        if request.method == "POST":
            send_form = OutreachSendForm(request.POST)
            if send_form.is_valid():
                if send_form.cleaned_data["count"] == len(recipients):
                    return _send(request, message)
                messages.warning(
                    request,
                    _(
                        "The audience has changed: it now has %(count)s recipients. "
                        "Check the preview and confirm again."
                    )
                    % {"count": len(recipients)},
                )
                return redirect("members:outreach_detail", message_id=message.pk)
            status = 400
        pool: dict[int, Recipient] = {}
        for recipient in recipients:
            # One recipient per group to preview: the first, as the one mailed first.
            pool.setdefault(recipient.group.pk, recipient)
        choices = [
            (pk, f"{recipient.email} — {recipient.group.name}")
            for pk, recipient in list(pool.items())[:PREVIEW_CHOICES]
        ]
    else:
        if request.method == "POST":
            # A second click or a second tab: the message is already on its way.
            messages.info(
                request,
                _("This message is already being sent, or was sent: nothing was sent twice."),
            )
            return redirect("members:outreach_detail", message_id=message.pk)
        recipients, suppressed = [], 0
        deliveries = outreach_deliveries(message, PREVIEW_CHOICES)
        choices = [
            (delivery.pk, f"{delivery.email} — {delivery.group.name if delivery.group else ''}")
            for delivery in deliveries
        ]
        pool = {delivery.pk: delivery for delivery in deliveries}

    wanted, readable = _recipient_choice(request)
    if not readable:
        return render(
            request,
            "members/outreach/bad_request.html",
            {"problem": _("The recipient to preview must be given by its number.")},
            status=400,
        )
    target = None
    if wanted is not None:
        target = pool.get(wanted)
        if target is None and message.status != OutreachStatus.DRAFT:
            target = outreach_delivery(message, wanted)
        if target is None:
            messages.warning(
                request, _("That recipient is not among this message's; showing the first one.")
            )
            wanted = None
    if target is None and pool:
        wanted, target = next(iter(pool.items()))
    preview = outreach_preview(message=message, delivery_or_recipient=target) if target else None

    return render(
        request,
        "members/outreach/detail.html",
        {
            "message": message,
            "audience": audience_description(message.audience),
            "progress": outreach_progress(message.pk),
            "recipients_count": len(recipients),
            "suppressed_count": suppressed,
            "send_form": send_form,
            "choices": choices,
            "chosen": wanted,
            "preview": preview,
            "is_draft": message.status == OutreachStatus.DRAFT,
        },
        status=status,
    )


def _send(request: HttpRequest, message: OutreachMessage) -> HttpResponse:
    try:
        to_send = outreach_send(message=message, by=request.user)
    except RuleBroken as problem:
        messages.info(request, problem.message)
    else:
        messages.success(
            request,
            _("Sending to %(count)s recipients. This page shows the progress.")
            % {"count": to_send},
        )
    return redirect("members:outreach_detail", message_id=message.pk)


@require_POST
@permission_required("send_outreach")
def outreach_test(request: HttpRequest, message_id: int) -> HttpResponse:
    """ "Send me a test": the message as its first recipient will read it, to the person alone."""
    message = _message_or_404(message_id)
    try:
        sent = outreach_send_test(message=message, by=request.user)
    except RuleBroken as problem:
        messages.error(request, problem.message)
    else:
        messages.success(
            request,
            _("A test was sent to %(to)s, with the merge fields of %(recipient)s.")
            % {"to": sent.to, "recipient": sent.merged_from},
        )
    return redirect("members:outreach_detail", message_id=message.pk)


@require_safe
@never_cache
@permission_required("send_outreach")
def outreach_progress_json(request: HttpRequest, message_id: int) -> JsonResponse:
    progress = outreach_progress(message_id)
    if progress is None:
        raise Http404
    return JsonResponse(progress)


@csrf_exempt  # RFC 8058: mail clients POST here without a form or a session.
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link checkers must not unsubscribe anyone); POST does it.

    POST answers the page itself, never a redirect (RFC 8058).
    """
    try:
        if request.method == "POST":
            email = outreach_unsubscribe(token=token)
            done = True
        else:
            email = unsubscribe_email_for(token)
            done = False
    except RuleBroken as problem:
        return render(
            request, "members/outreach/unsubscribe_invalid.html", {"problem": problem}, status=400
        )
    return render(request, "members/outreach/unsubscribe.html", {"email": email, "done": done})


urlpatterns = [
    path("weave/outreach/", outreach_list, name="outreach_list"),
    path("weave/outreach/new/", outreach_new, name="outreach_new"),
    path("weave/outreach/<int:message_id>/", outreach_detail, name="outreach_detail"),
    path("weave/outreach/<int:message_id>/edit/", outreach_edit, name="outreach_edit"),
    path("weave/outreach/<int:message_id>/test/", outreach_test, name="outreach_test"),
    path(
        "weave/outreach/<int:message_id>/progress.json",
        outreach_progress_json,
        name="outreach_progress",
    ),
    path("unsubscribe/<str:token>/", unsubscribe, name="unsubscribe"),
]
