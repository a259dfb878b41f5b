"""A person's own profile: name, phone, the working groups and caucuses they belong to."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from coalition.forms import IdMultipleChoiceField
from members.models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "phone", "working_groups", "caucuses"]
        widgets = {
            "working_groups": forms.CheckboxSelectMultiple,
            "caucuses": forms.CheckboxSelectMultiple,
        }
        # Ids too large for the database are an invalid choice, not a 500.
        field_classes = {"working_groups": IdMultipleChoiceField, "caucuses": IdMultipleChoiceField}
        help_texts = {
            "phone": _("Only your groups' admins and the network's weavers can see it."),
        }


@require_http_methods(["GET", "POST"])
@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, _("Saved."))
            return redirect("members:profile")
        return render(request, "members/profile.html", {"form": form}, status=400)
    return render(request, "members/profile.html", {"form": form})


urlpatterns = [path("me/profile/", profile, name="profile")]
