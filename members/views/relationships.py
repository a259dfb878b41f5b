"""Relationship and leadership pages: 1-1 meetings, a person's ladder and skills, the ladder."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from coalition.errors import RuleBroken
from coalition.forms import id_from
from coalition.permissions import can_weave, is_in_network, permission_required
from coalition.responses import form_status
from members.forms_relationships import (
    LadderLevelEditForm,
    LadderLevelForm,
    LadderLevelMoveForm,
    LadderStepForm,
    MeetingFilterForm,
    MeetingForm,
    MeetingPeriodForm,
    PersonSkillsForm,
    SkillForm,
    TrainingAttendForm,
    TrainingForm,
    WeaverMeetingForm,
    WeaverSearchForm,
)
from members.selectors_relationships import (
    groups_for_choice,
    groups_of,
    ladder_overview,
    levels_all,
    meeting_for,
    meetings_page,
    people_for_choice,
    person_by_email,
    person_overview,
    skills_all,
    trainings_recent,
)
from members.services import relationships as services

TEMPLATES = "members/relationships/"


def _add_rule_error(form: forms.Form, error: RuleBroken, fields: dict[str, str] | None = None):
    """Show a broken rule on the field it concerns, or on the form as a whole."""
    field = (fields or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, error.message)


# --- Meetings ---------------------------------------------------------------


@login_required
@require_safe
def meetings(request: HttpRequest) -> HttpResponse:
    """The meetings a person took part in; weavers see every meeting and narrow by place."""
    weaver = can_weave(request.user)
    form_class = MeetingFilterForm if weaver else MeetingPeriodForm
    form = form_class(request.GET or None)
    filters = {}
    if form.is_bound and form.is_valid():
        filters = {key: value for key, value in form.cleaned_data.items() if value}
    page = meetings_page(user=request.user, page_number=request.GET.get("page", 1), **filters)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        TEMPLATES + "meetings.html",
        {
            "page": page,
            "filter_form": form,
            "weaver": weaver,
            "filtered": bool(filters),
            "querystring": query.urlencode(),
        },
    )


def _posted_ids(request: HttpRequest, *names: str) -> tuple[int, ...]:
    """The ids posted under ``names`` that can be ids at all ("²" or 10**30 cannot)."""
    return tuple(
        number for name in names if (number := id_from(request.POST.get(name, ""))) is not None
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def meeting_new(request: HttpRequest) -> HttpResponse:
    """Log a 1-1 meeting.

    Ordinary members name the other person by typing their exact email address,
    looked up on the server: a select box or a search would hand every member a
    directory of the network's people (and their groups), which least privilege
    and the harassment coalitions face rule out. An address that has no account,
    an inactive one or one outside the network gets one neutral answer, only
    people of the network may ask, and each may try MEETINGS_PER_HOUR times an
    hour, so the form is no quick way to check addresses. Weavers, who may see
    everyone already, pick both people (and their groups) from select boxes they
    can narrow with a search.
    """
    if can_weave(request.user):
        return _meeting_new_by_weaver(request)
    if not is_in_network(request.user):
        # Meetings are between the network's people; an account alone would make
        # this form a way to probe addresses.
        return render(request, TEMPLATES + "meeting_new.html", {"not_in_network": True}, status=403)
    form = MeetingForm(
        request.POST if request.method == "POST" else None, groups=groups_of(request.user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.meeting_rate_check(person=request.user)
            other = person_by_email(data["other_email"])
            if other is None or not is_in_network(other):
                # One answer whatever the reason, or the form tells who is in the network.
                raise RuleBroken(
                    _(
                        "We could not log a meeting with that address. "
                        "Check it, or ask a weaver to log it."
                    ),
                    field="other_email",
                )
            meeting = services.meeting_log(
                person_a=request.user,
                person_b=other,
                group_a=data.get("group"),
                met_on=data["met_on"],
                notes=data["notes"],
                follow_up=data["follow_up"],
                follow_up_on=data.get("follow_up_on"),
                by=request.user,
            )
        except RuleBroken as error:
            _add_rule_error(form, error, {"person_b": "other_email", "group_a": "group"})
        else:
            messages.success(request, _("The meeting is logged."))
            return redirect("members:meeting_detail", pk=meeting.pk)
    return render(
        request,
        TEMPLATES + "meeting_new.html",
        {"form": form, "weaver": False},
        status=form_status(request, form),
    )


def _meeting_new_by_weaver(request: HttpRequest) -> HttpResponse:
    search = WeaverSearchForm(request.GET or None)
    terms = search.cleaned_data if search.is_bound and search.is_valid() else {}
    chosen_people = _posted_ids(request, "person_a", "person_b") or (request.user.pk,)
    people = people_for_choice(search=terms.get("people", ""), include=chosen_people)
    groups = groups_for_choice(
        search=terms.get("groups", ""), include=_posted_ids(request, "group_a", "group_b")
    )
    form = WeaverMeetingForm(
        request.POST if request.method == "POST" else None,
        people=people,
        groups=groups,
        initial={"person_a": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.meeting_log(
                person_a=data["person_a"],
                person_b=data["person_b"],
                group_a=data["group_a"],
                group_b=data["group_b"],
                met_on=data["met_on"],
                notes=data["notes"],
                follow_up=data["follow_up"],
                follow_up_on=data.get("follow_up_on"),
                by=request.user,
            )
        except RuleBroken as error:
            _add_rule_error(form, error)
        else:
            messages.success(request, _("The meeting is logged."))
            return redirect("members:meeting_detail", pk=meeting.pk)
    return render(
        request,
        TEMPLATES + "meeting_new.html",
        {"form": form, "search_form": search, "weaver": True},
        status=form_status(request, form),
    )


@login_required
@require_safe
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A meeting's notes: for the two people who met and weavers; others get a 404."""
    meeting = meeting_for(user=request.user, pk=pk)
    if meeting is None:
        raise Http404
    return render(
        request,
        TEMPLATES + "meeting_detail.html",
        {"meeting": meeting, "weaver": can_weave(request.user)},
    )


# --- A person's ladder, skills and trainings (weavers) -------------------------


@permission_required("weave")
@require_http_methods(["GET", "HEAD", "POST"])
def weave_person(request: HttpRequest, pk: int) -> HttpResponse:
    services.ladder_defaults_ensure()
    overview = person_overview(pk=pk)
    if overview is None:
        raise Http404
    person = overview.person
    levels, skills, trainings = levels_all(), skills_all(), trainings_recent()
    forms_ = {
        "step": LadderStepForm(levels=levels, prefix="step"),
        "skills": PersonSkillsForm(
            skills=skills,
            prefix="skills",
            initial={"skills": [skill.pk for skill in overview.skills]},
        ),
        "training": TrainingAttendForm(trainings=trainings, prefix="training"),
    }
    if request.method == "POST":
        kind = request.POST.get("form")
        if kind == "step":
            form = forms_[kind] = LadderStepForm(request.POST, levels=levels, prefix="step")
        elif kind == "skills":
            form = forms_[kind] = PersonSkillsForm(request.POST, skills=skills, prefix="skills")
        elif kind == "training":
            form = forms_[kind] = TrainingAttendForm(
                request.POST, trainings=trainings, prefix="training"
            )
        else:
            return HttpResponseBadRequest(_("Unknown form."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                if kind == "step":
                    services.ladder_step_record(
                        person=person, level=data["level"], at=data["at"], note=data["note"],
                        by=request.user,
                    )  # fmt: skip
                    done = _("The step on the ladder is recorded.")
                elif kind == "skills":
                    services.person_skills_set(person=person, skills=data["skills"])
                    done = _("Skills saved.")
                else:
                    services.training_attend(training=data["training"], person=person)
                    done = _("Attendance recorded.")
            except RuleBroken as error:
                _add_rule_error(form, error)
            else:
                messages.success(request, done)
                return redirect("members:weave_person", pk=person.pk)
    return render(
        request,
        TEMPLATES + "weave_person.html",
        {"overview": overview, "person": person, "forms": forms_},
        status=form_status(request, *forms_.values()),
    )


# --- The ladder, skills coverage, trainings (weavers and stewards) ------------------


def _ladder_forms(skills, data=None, kind: str | None = None) -> dict[str, forms.Form]:
    def bound(name):
        return data if kind == name else None

    return {
        "level_new": LadderLevelForm(bound("level_new"), prefix="level_new"),
        "skill_new": SkillForm(bound("skill_new"), prefix="skill_new"),
        "training_new": TrainingForm(bound("training_new"), skills=skills, prefix="training_new"),
    }


def _ladder_post(request: HttpRequest, kind: str, form: forms.Form) -> str:
    """Apply one of the ladder page's forms; returns the message to show."""
    data = form.cleaned_data
    if kind == "level_new":
        level = services.ladder_level_create(
            name=data["name"], counts_as_leader=data["counts_as_leader"]
        )
        return _("Level %(name)s added at the top of the ladder.") % {"name": level.name}
    if kind == "level_edit":
        level = services.ladder_level_update(
            level=data["level"], name=data["name"], counts_as_leader=data["counts_as_leader"]
        )
        return _("Level %(name)s saved.") % {"name": level.name}
    if kind == "level_move":
        level = services.ladder_level_move(level=data["level"], up=data["direction"] == "up")
        return _("Level %(name)s moved.") % {"name": level.name}
    if kind == "skill_new":
        skill = services.skill_create(name=data["name"])
        return _("Skill %(name)s added.") % {"name": skill.name}
    training = services.training_create(
        name=data["name"], held_on=data["held_on"], skills=data["skills"]
    )
    return _("Training %(name)s added.") % {"name": training.name}


@permission_required("weave")
@require_http_methods(["GET", "HEAD", "POST"])
def weave_ladder(request: HttpRequest) -> HttpResponse:
    services.ladder_defaults_ensure()
    skills = skills_all()
    page_forms = _ladder_forms(skills)
    if request.method == "POST":
        kind = request.POST.get("form", "")
        if kind in page_forms:
            page_forms = _ladder_forms(skills, request.POST, kind)
            form = page_forms[kind]
        elif kind == "level_edit":
            # One small form per level, written out in the template; errors go to messages.
            form = LadderLevelEditForm(request.POST)
        elif kind == "level_move":
            form = LadderLevelMoveForm(request.POST)
        else:
            return HttpResponseBadRequest(_("Unknown form."))
        if form.is_valid():
            try:
                done = _ladder_post(request, kind, form)
            except RuleBroken as error:
                _add_rule_error(form, error)
            else:
                messages.success(request, done)
                return redirect("members:weave_ladder")
        if kind not in page_forms:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
    return render(
        request,
        TEMPLATES + "weave_ladder.html",
        {
            "overview": ladder_overview(),
            "forms": page_forms,
        },
        # Every accepted POST redirects: one that ends here was refused (errors shown).
        status=400 if request.method == "POST" else 200,
    )


urlpatterns = [
    path("meetings/", meetings, name="meetings"),
    path("meetings/new/", meeting_new, name="meeting_new"),
    path("meetings/<int:pk>/", meeting_detail, name="meeting_detail"),
    path("weave/people/<int:pk>/", weave_person, name="weave_person"),
    path("weave/ladder/", weave_ladder, name="weave_ladder"),
]
