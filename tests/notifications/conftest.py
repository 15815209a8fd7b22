"""Fixtures for the notification tests: the outbox on the suite's real MongoDB server
(`mongo_db` from tests/conftest.py, a fresh database per test), the fake Brevo server,
a small organisation, and a real Celery worker (with embedded beat) whose notification
settings are overridden through its environment."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

import pytest

from devstack.fake_brevo import FakeBrevo
from store import notifications as outbox
from store import preferences
from tests.conftest import WorkerProcess
from tests.support.org import Org
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


@pytest.fixture
def notify_org(db) -> Org:
    """Two campuses with a course and a batch each, and admins of every kind."""
    org = Org(db)
    for key in ("A", "B"):
        org.campus(f"campus{key}", f"Campus {key}")
        org.course(f"course{key}", f"campus{key}", f"C{key}")
        org.batch(f"batch{key}", f"campus{key}", [f"course{key}"], f"Batch {key}")
    org.account("superadmin", "superadmin")
    org.account("campus_admin", "campus_admin", campus_id=org.ids["campusA"])
    org.account("course_admin", "course_admin", campus_id=org.ids["campusA"], course_ids=[org.ids["courseA"]])
    return org
