"""The layout, home page, navigation, permissions and error pages."""

from urllib.parse import unquote

import pytest
from django.template import Context, Template

from coalition.demo import seed

pytestmark = pytest.mark.django_db


def nav_labels(response) -> list[str]:
    return [item["label"] for item in response.context["navigation"]]


def test_home_shows_the_coalition_and_its_cause(client):
    seed()

    response = client.get("/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Clean Air Alliance" in page
    assert "Every neighbourhood deserves air that is safe to breathe." in page


def test_home_works_before_the_coalition_is_set_up(client, settings):
    settings.COALITION_NAME = "Unnamed Network"

    response = client.get("/")

    assert response.status_code == 200
    assert "Unnamed Network" in response.content.decode()


def test_layout_has_landmarks_skip_link_and_a_labelled_language_choice(client):
    page = client.get("/").content.decode()

    assert '<a class="skip-link" href="#main">' in page
    assert '<main id="main"' in page
    assert "<header" in page and "<footer" in page
    assert '<nav aria-label="Main">' in page
    assert '<label class="visually-hidden" for="language-select">Language</label>' in page


def test_pages_carry_a_content_security_policy_without_inline_scripts(client):
    policy = client.get("/")["Content-Security-Policy"]

    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


@pytest.mark.parametrize("people", [1, 30])
def test_home_uses_a_fixed_number_of_queries(
    client, make_person, people, django_assert_num_queries
):
    seed()
    for number in range(people):
        make_person(f"person{number}@example.net", roles=("weaver",))
    viewer = make_person("viewer@example.net", roles=("weaver", "steering"))
    client.force_login(viewer)

    # session, user, coalition, the viewer's roles and memberships, the next actions
    with django_assert_num_queries(6):
        assert client.get("/").status_code == 200


def test_anonymous_home_needs_two_queries(client, django_assert_num_queries):
    # the coalition, the next actions
    with django_assert_num_queries(2):
        client.get("/")


def test_home_lists_the_next_actions_the_viewer_may_see(client, group):
    from tests.factories import make_action

    make_action(group, title="Public air walk")
    make_action(group, title="Members-only planning", visibility="network")

    page = client.get("/").content.decode()

    assert "Public air walk" in page
    assert "Members-only planning" not in page


class TestNavigation:
    # The navigation is read off the privacy page: it has the layout and
    # nothing else that needs the real URL map.
    @pytest.fixture(autouse=True)
    def _every_page_exists(self, settings):
        settings.ROOT_URLCONF = "tests.coalition.nav_urls"

    def test_the_public_sees_the_public_pages_only(self, client):
        assert nav_labels(client.get("/privacy/")) == [
            "Statement",
            "Actions",
            "Days of action",
            "Impact",
        ]

    def test_a_group_member_also_sees_their_groups(self, client, outsider):
        client.force_login(outsider)

        assert "My groups" in nav_labels(client.get("/privacy/"))
        assert "Weave" not in nav_labels(client.get("/privacy/"))

    def test_a_weaver_sees_the_pipeline_and_the_dashboard(self, client, weaver):
        client.force_login(weaver)

        labels = nav_labels(client.get("/privacy/"))

        assert "Weave" in labels and "Dashboard" in labels

    def test_a_steering_member_sees_the_dashboard_not_the_pipeline(self, client, steering_member):
        client.force_login(steering_member)

        labels = nav_labels(client.get("/privacy/"))

        assert "Dashboard" in labels and "Weave" not in labels

    def test_the_current_section_is_marked(self, rf):
        from django.contrib.auth.models import AnonymousUser

        from coalition.context_processors import site

        request = rf.get("/actions/")
        request.user = AnonymousUser()

        current = [item["label"] for item in site(request)["navigation"] if item["current"]]

        assert current == ["Actions"]

    def test_a_page_not_built_yet_is_not_linked(self, client, settings):
        settings.ROOT_URLCONF = "tests.coalition.bare_urls"

        assert nav_labels(client.get("/privacy/")) == []


class TestPermissionRequired:
    @pytest.fixture(autouse=True)
    def _urls(self, settings):
        settings.ROOT_URLCONF = "tests.coalition.nav_urls"

    def test_anonymous_people_are_sent_to_log_in(self, client):
        response = client.get("/weave/")

        assert response.status_code == 302
        assert response["Location"] == "/accounts/login/?next=/weave/"

    def test_people_without_the_role_get_403_and_a_clear_page(self, client, outsider):
        client.force_login(outsider)

        response = client.get("/weave/")

        assert response.status_code == 403
        assert "does not have the role this page needs" in response.content.decode()

    def test_people_with_the_role_get_the_page(self, client, weaver):
        client.force_login(weaver)

        assert client.get("/weave/").content == b"the weaver's pipeline"


def test_templates_ask_the_same_permission(weaver, outsider):
    template = Template('{% load coalition %}{% if user|can:"weave" %}yes{% else %}no{% endif %}')

    assert template.render(Context({"user": weaver})) == "yes"
    assert template.render(Context({"user": outsider})) == "no"


def test_an_unknown_permission_name_is_a_programming_error(weaver):
    from coalition.permissions import check

    with pytest.raises(LookupError):
        check(weaver, "rule_the_world")


TOTP_SECRET = "JBSWY3DPEHPK3PXP"


def totp_code() -> str:
    """The code an authenticator app shows now for TOTP_SECRET (allauth's own arithmetic)."""
    import time

    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < 2:  # allauth allows no drift: never hand out a code about to expire
        time.sleep(left)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // period))


def record_in_session(client, person, **record) -> None:
    """Write an authentication step into the client's session as allauth does."""
    from allauth.account.internal.flows.login import record_authentication
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.session = client.session
    record_authentication(request, person, **record)
    request.session.save()


class TestAdmin:
    """The admin logs in through allauth (rate limits, MFA) and opens only to staff
    whose session passed a TOTP code."""

    @pytest.fixture
    def totp(self, staff):
        from allauth.mfa.models import Authenticator

        return Authenticator.objects.create(
            user=staff, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
        )

    @pytest.fixture
    def staff_with_totp(self, staff, totp):
        return staff

    @pytest.fixture
    def staff_past_totp(self, client, staff, totp):
        """Staff logged in, with the TOTP step allauth records on a two-factor login."""
        client.force_login(staff)
        record_in_session(client, staff, method="password", email=staff.email)
        record_in_session(client, staff, method="mfa", id=totp.pk, type="totp")
        return staff

    def test_anonymous_people_are_sent_to_allauths_login_and_back(self, client):
        response = client.get("/admin/", follow=True)

        first, second = (hop for hop, _status in response.redirect_chain)
        assert first == "/admin/login/?next=/admin/"
        assert second.startswith("/accounts/login/?next=")
        assert "/admin/login/" in unquote(second)
        assert response.status_code == 200

    def test_the_admins_own_login_form_is_gone(self, client, staff):
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": staff.email, "password": "correct horse battery staple"},
        )

        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        assert "_auth_user_id" not in client.session

    def test_people_who_are_not_staff_do_not_get_in(self, client, weaver):
        client.force_login(weaver)

        response = client.get("/admin/members/user/", follow=True)

        assert response.status_code == 403
        assert "for the network's staff" in response.content.decode()

    def test_staff_without_two_factor_authentication_do_not_get_in(self, client, staff):
        client.force_login(staff)

        response = client.get("/admin/members/user/")
        login = client.get(response["Location"])

        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
        assert login.status_code == 403
        assert "/accounts/2fa/totp/activate/" in login.content.decode()

    def test_staff_whose_session_passed_totp_get_in(self, client, staff_past_totp):
        assert client.get("/admin/members/user/").status_code == 200

    def test_staff_with_totp_whose_session_did_not_pass_it_are_asked_for_a_code(
        self, client, staff_with_totp
    ):
        client.force_login(staff_with_totp)

        response = client.get("/admin/members/user/", follow=True)

        page = response.content.decode()
        assert response.status_code == 403
        assert "/accounts/2fa/reauthenticate/?next=" in page
        assert "/accounts/2fa/totp/activate/" not in page

    def test_a_password_step_alone_does_not_open_the_admin(self, client, staff_with_totp):
        client.force_login(staff_with_totp)
        record_in_session(client, staff_with_totp, method="password", email=staff_with_totp.email)

        assert client.get("/admin/members/user/").status_code == 302

    def test_a_recovery_code_step_does_not_open_the_admin(self, client, staff_with_totp, totp):
        client.force_login(staff_with_totp)
        record_in_session(client, staff_with_totp, method="mfa", id=totp.pk, type="recovery_codes")

        assert client.get("/admin/members/user/").status_code == 302

    def test_another_persons_totp_step_does_not_count(self, client, staff_past_totp, make_person):
        from allauth.mfa.models import Authenticator

        other = make_person("other-staff@example.net", is_staff=True, is_superuser=True)
        Authenticator.objects.create(
            user=other, type=Authenticator.Type.TOTP, data={"secret": TOTP_SECRET}
        )
        session = client.session
        session["_auth_user_id"] = str(other.pk)
        session["_auth_user_hash"] = other.get_session_auth_hash()
        session.save()

        assert client.get("/admin/members/user/").status_code == 302

    def test_staff_log_in_through_allauth_with_password_and_totp_code(
        self, client, staff_with_totp
    ):
        from tests.conftest import PASSWORD

        login = client.post(
            "/accounts/login/?next=/admin/members/user/",
            {"login": staff_with_totp.email, "password": PASSWORD},
        )
        assert login.status_code == 302
        assert login["Location"].startswith("/accounts/2fa/authenticate/")

        code = client.post(login["Location"], {"code": totp_code()})

        assert code.status_code == 302
        assert client.get("/admin/members/user/").status_code == 200

    def test_staff_confirm_their_session_with_a_totp_code(self, client, staff_with_totp):
        client.force_login(staff_with_totp)
        denied = client.get("/admin/login/?next=/admin/members/user/")
        confirm = denied.context["confirm_url"]

        response = client.post(confirm, {"code": totp_code()}, follow=True)

        assert response.redirect_chain[-1] == ("/admin/members/user/", 302)
        assert response.status_code == 200

    def test_the_login_page_sends_staff_with_totp_on_to_a_safe_next_page(
        self, client, staff_past_totp
    ):
        inside = client.get("/admin/login/?next=/admin/members/user/")
        outside = client.get("/admin/login/?next=https://evil.example/")

        assert inside["Location"] == "/admin/members/user/"
        assert outside["Location"] == "/admin/"


def test_an_unknown_address_gets_a_helpful_404(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "We can't find that page" in response.content.decode()
