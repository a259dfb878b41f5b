"""Two coalitions in one test run: B follows A over OSDI.

Instance A is this app under pytest-django's live server (the test database),
its events made through A's own services. Instance B is a second Django
process on its own SQLite file, migrated here; B's ``osdi_sources`` commands
run in B's processes, and B's own web server (runserver on another 127.0.0.1
port) shows A's event marked with A's name. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from actions.services.posting import action_create, action_update
from tests.factories import publish_privacy_policy, publish_statement

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db(transaction=True)


class InstanceB:
    def __init__(self, folder: Path):
        self.env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "TASK_QUEUE_DIR", "CACHE_URL"}
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="coalition.settings",
            SQLITE_PATH=str(folder / "b.sqlite3"),
            SECRET_KEY="instance-b-" + "k" * 50,
            COALITION_NAME="Coalition B",
            SOURCES_ALLOW_PRIVATE_NETWORKS="true",
            MEDIA_ROOT=str(folder / "media"),
        )

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=240, check=check,
        )  # fmt: skip

    def query(self, code: str) -> str:
        return self.manage("shell", "--no-imports", "-c", code).stdout.strip()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def instance_b(tmp_path):
    b = InstanceB(tmp_path)
    b.manage("migrate", "--no-input", "-v", "0")
    b.query("from coalition.models import Place; Place.objects.create(name='Lakeside', kind=3)")
    return b


@pytest.fixture
def a_group(group, group_admin):
    from members.models import Signature

    version = publish_statement()
    policy = publish_privacy_policy()
    Signature.objects.create(
        group=group, version=version, signed_by=group_admin, confirmed_at=timezone.now(),
        listing_consent=True, privacy_policy=policy,
    )  # fmt: skip
    group.signed_version = version
    group.save(update_fields=["signed_version"])
    return group


def test_b_follows_a_and_sees_its_events_appear_change_and_get_cancelled(
    live_server, instance_b, a_group, group_admin, place, settings
):
    settings.SITE_URL = live_server.url
    start = timezone.now() + timezone.timedelta(days=10)
    event = action_create(
        group=a_group, by=group_admin, title="Riverside clean air picnic", kind="event",
        place=place, starts_at=start, ends_at=start + timezone.timedelta(hours=2),
        description="Bring <b>food</b>.",
    )  # fmt: skip
    added = instance_b.manage(
        "osdi_sources", "add", f"{live_server.url}/api/osdi/v1/", "--name", "Coalition A",
        "--federation", "--network-name", "Coalition A",
    )  # fmt: skip
    source_id = added.stdout.strip()

    first = instance_b.manage("osdi_sources", "sync", source_id).stdout.strip()
    assert first == "Coalition A: created 1, updated 0, cancelled 0, unchanged 0"
    assert instance_b.query(
        "from actions.models import Action; a = Action.objects.get(); "
        "print(a.title, '|', a.origin_name, '|', a.visibility, '|', a.origin_url)"
    ) == (
        f"Riverside clean air picnic | Coalition A | public | {live_server.url}/actions/{event.pk}/"
    )

    # B's own web server shows A's event, marked with A's name.
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT, env=instance_b.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        page = ""
        for _attempt in range(60):
            try:
                pk = instance_b.query(
                    "from actions.models import Action; print(Action.objects.get().pk)"
                )
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/actions/{pk}/", timeout=5
                ) as answer:
                    page = answer.read().decode()
                break
            except OSError:
                time.sleep(0.5)
        assert "Riverside clean air picnic" in page
        assert "From Coalition A" in page
    finally:
        server.terminate()
        server.wait(timeout=30)

    again = instance_b.manage("osdi_sources", "sync", source_id).stdout.strip()
    assert again.startswith("Coalition A: created 0, updated 0, cancelled 0")

    time.sleep(1.1)  # modified_date is to the second
    action_update(action=event, by=group_admin, title="Riverside clean air picnic (moved)")
    changed = instance_b.manage("osdi_sources", "sync", source_id).stdout.strip()
    assert changed.startswith("Coalition A: created 0, updated 1, cancelled 0")
    assert (
        instance_b.query("from actions.models import Action; print(Action.objects.get().title)")
        == "Riverside clean air picnic (moved)"
    )

    time.sleep(1.1)
    action_update(action=event, by=group_admin, status="cancelled")
    cancelled = instance_b.manage("osdi_sources", "sync", source_id).stdout.strip()
    assert cancelled.startswith("Coalition A: created 0, updated 0, cancelled 1")
    assert (
        instance_b.query(
            "from actions.models import Action; "
            "print(Action.objects.count(), Action.objects.get().status)"
        )
        == "1 cancelled"
    )

    last = instance_b.manage("osdi_sources", "sync", source_id).stdout.strip()
    assert last.startswith("Coalition A: created 0, updated 0, cancelled 0")
