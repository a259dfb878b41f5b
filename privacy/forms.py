"""Forms of the privacy app: sign-up consent, policy drafts, erasure, data requests, audit."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from coalition.dates import validate_day_in_range
from coalition.forms import id_from
from coalition.models import AuditVerb
from coalition.selectors import privacy_policy_current
from privacy.models import ConsentHow


class SignupConsentForm(forms.Form):
    """allauth's sign-up form is built on this (ACCOUNT_SIGNUP_FORM_CLASS): once a
    policy is published, signing up means agreeing to it, and the consent is recorded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = privacy_policy_current()
        if self.policy is not None:
            self.fields["agree_privacy"] = forms.BooleanField(
                label=_("I have read the privacy policy and agree to it"),
                help_text=format_html(
                    '<a href="{}">{}</a>', reverse("privacy"), _("Read the privacy policy")
                ),
                error_messages={"required": _("To sign up, agree to the privacy policy.")},
            )

    def signup(self, request, user) -> None:
        if self.policy is not None:
            from privacy.services.consent import consent_record

            consent_record(policy=self.policy, how=ConsentHow.SIGNUP, person=user)


class PolicyDraftForm(forms.Form):
    text = forms.CharField(
        label=_("Policy"),
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=50_000,
        help_text=_("What is gathered, why, and with whom it is shared."),
    )
    changes = forms.CharField(
        label=_("What changed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
        help_text=_("Shown to people when they are asked to agree to this version."),
    )


class EraseForm(forms.Form):
    confirm = forms.CharField(
        label=_("Your password, or the words “erase my account”"),
        max_length=200,
        widget=forms.PasswordInput(render_value=False),
    )


class DataRequestForm(forms.Form):
    email = forms.EmailField(label=_("Email address"), max_length=254)


class AuditFilterForm(forms.Form):
    verb = forms.ChoiceField(
        label=_("What"), choices=[("", _("Everything")), *AuditVerb.choices], required=False
    )
    actor = forms.CharField(label=_("Who (name or account number)"), max_length=150, required=False)
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_day_in_range],
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_day_in_range],
    )

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("The start date is after the end date."))
        return data

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        actor = (data.get("actor") or "").strip()
        return {
            "verb": data.get("verb") or None,
            "actor": actor or None,
            "actor_id": id_from(actor.lstrip("#")) if actor.startswith("#") else None,
            "since": data.get("since"),
            "until": data.get("until"),
        }
