"""Fixtures for the notification tests: the outbox on the suite's real MongoDB server
(`mongo_db` from tests/conftest.py, a fresh database per test), the fake Brevo server,
a small organisation, and a real Celery worker (with embedded beat) whose notification
settings are overridden through its environment."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from devstack.fake_brevo import FakeBrevo
from store import notifications as outbox
from store import preferences
from tests.conftest import WorkerProcess
from workers.notifications.senders import BrevoSender

if TYPE_CHECKING:
    from pathlib import Path

# tests/conftest.py points OUTBOX_DIR at the session's temporary folder, so workers started
# by any test module write their outbox files there, never into the checkout's ./var.


@pytest.fixture
def outbox_db(mongo_db):
    outbox.ensure_indexes(mongo_db)
    preferences.ensure_indexes(mongo_db)
    return mongo_db


@pytest.fixture
def fake_brevo():
    server = FakeBrevo(api_key="test-key").start()
    yield server
    server.stop()


@pytest.fixture
def brevo_sender(fake_brevo):
    return BrevoSender(
        "test-key", "noreply@versant.test", "AI-VERSANT", "VERSANT", host=fake_brevo.base_url, timeout=(1.0, 0.5)
    )


class NotifyWorker(WorkerProcess):
    """A real worker consuming every queue, running beat in-process, with its own env."""

    def __init__(self, log_dir: Path, env: dict[str, str]):
        beat_file = log_dir / f"beat-{uuid.uuid4().hex[:6]}"
        super().__init__(log_dir, ["-B", "--schedule", str(beat_file)], env=env)


@pytest.fixture
def start_notify_worker(db, tmp_path):
    """start(backend="outbox"|"brevo", brevo=FakeBrevo|None, **env) -> NotifyWorker."""
    started: list[NotifyWorker] = []

    def start(backend: str = "outbox", brevo: FakeBrevo | None = None, **env: str) -> NotifyWorker:
        overrides = {
            "NOTIFY_BACKEND": backend,
            "OUTBOX_DIR": str(tmp_path / "outbox"),
            "NOTIFY_DISPATCH_INTERVAL_SECONDS": "1",
            "NOTIFY_CLAIM_SECONDS": "3",
            "NOTIFY_RATE_PER_SECOND": "50",
            **env,
        }
        if brevo is not None:
            overrides.update(BREVO_API_KEY=brevo.api_key, BREVO_API_HOST=brevo.base_url)
        worker = NotifyWorker(tmp_path, overrides).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@dataclass
class NotifyOrg:
    ids: dict[str, str] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)
    suffix: str = ""


@pytest.fixture
def notify_org(db, make_user) -> NotifyOrg:
    """Two campuses with a course and a batch each, and admins of every kind."""
    from store import batches, campuses, courses

    org = NotifyOrg(suffix=uuid.uuid4().hex[:8])
    for key in ("A", "B"):
        campus = campuses.create(db, {"name": f"Campus {key} {org.suffix}"})
        course = courses.create(db, {"name": f"C{key}", "campus_id": str(campus["_id"])})
        batch = batches.create(
            db, {"name": f"Batch {key}", "campus_id": str(campus["_id"]), "course_ids": [str(course["_id"])]}
        )
        org.ids.update(
            {f"campus{key}": str(campus["_id"]), f"course{key}": str(course["_id"]), f"batch{key}": str(batch["_id"])}
        )
    org.users["superadmin"] = make_user("superadmin")
    org.users["campus_admin"] = make_user("campus_admin", campus_id=org.ids["campusA"])
    org.users["course_admin"] = make_user("course_admin", campus_id=org.ids["campusA"], course_ids=[org.ids["courseA"]])
    return org
