"""Assessment tests: a campus with a course, two batches and students, admins of each kind with
tokens, a worker on every queue (beat in-process, outbox files for messages), and helpers to
make items and tests through the API and to speak answers with espeak-ng."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import TEST_PASSWORD, WorkerProcess

if TYPE_CHECKING:
    from pathlib import Path


@dataclass
class Org:
    ids: dict[str, str] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)
    headers: dict[str, dict] = field(default_factory=dict)
    suffix: str = ""


@pytest.fixture(scope="module")
def outbox_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="module")
def worker(db, tmp_path_factory, outbox_dir):
    """Every queue, beat in-process (deadlines, scheduled releases), messages as outbox files."""
    log_dir = tmp_path_factory.mktemp("assessment-worker")
    process = WorkerProcess(
        log_dir,
        ["-B", "--schedule", str(log_dir / "beat-schedule")],
        env={"NOTIFY_BACKEND": "outbox", "OUTBOX_DIR": str(outbox_dir), "SCORING_CPU_THREADS": "2"},
    ).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def org(app, db) -> Org:
    from api.identity.tokens import issue_tokens
    from security.passwords import hash_password
    from store import batches, campuses, courses, users

    suffix = uuid.uuid4().hex[:8]
    o = Org(suffix=suffix)
    campus = campuses.create(db, {"name": f"Assessment campus {suffix}"})
    other_campus = campuses.create(db, {"name": f"Other campus {suffix}"})
    course = courses.create(db, {"name": "BSc", "campus_id": str(campus["_id"])})
    course_2 = courses.create(db, {"name": "BCom", "campus_id": str(campus["_id"])})
    other_course = courses.create(db, {"name": "BA", "campus_id": str(other_campus["_id"])})
    batch = batches.create(db, {"name": "2026 A", "campus_id": str(campus["_id"]), "course_ids": [str(course["_id"])]})
    batch_2 = batches.create(
        db, {"name": "2026 B", "campus_id": str(campus["_id"]), "course_ids": [str(course_2["_id"])]}
    )
    other_batch = batches.create(
        db, {"name": "2026 X", "campus_id": str(other_campus["_id"]), "course_ids": [str(other_course["_id"])]}
    )
    o.ids.update(
        campus=str(campus["_id"]),
        other_campus=str(other_campus["_id"]),
        course=str(course["_id"]),
        course_2=str(course_2["_id"]),
        batch=str(batch["_id"]),
        batch_2=str(batch_2["_id"]),
        other_batch=str(other_batch["_id"]),
    )
    password_hash = hash_password(TEST_PASSWORD)

    def account(key: str, role: str, **extra: Any) -> None:
        doc = {
            "name": f"{key.replace('_', ' ').title()}",
            "email": f"{key}.{suffix}@example.edu",
            "role": role,
            "password_hash": password_hash,
            **extra,
        }
        o.users[key] = users.create(db, doc)
        o.ids[key] = str(o.users[key]["_id"])

    account("superadmin", "superadmin")
    account("campus_admin", "campus_admin", campus_id=o.ids["campus"])
    account("other_campus_admin", "campus_admin", campus_id=o.ids["other_campus"])
    account("course_admin", "course_admin", campus_id=o.ids["campus"], course_ids=[o.ids["course"]])
    account("course_admin_2", "course_admin", campus_id=o.ids["campus"], course_ids=[o.ids["course_2"]])
    for index, (batch_key, course_key) in enumerate(
        [("batch", "course"), ("batch", "course"), ("batch_2", "course_2")], start=1
    ):
        account(
            f"student_{index}",
            "student",
            roll_number=f"AS{suffix[:5]}{index}".upper(),
            campus_id=o.ids["campus"],
            batch_id=o.ids[batch_key],
            course_id=o.ids[course_key],
            mobile=f"+9198765{index:05d}",
        )
    account(
        "other_student",
        "student",
        roll_number=f"OS{suffix[:5]}".upper(),
        campus_id=o.ids["other_campus"],
        batch_id=o.ids["other_batch"],
        course_id=str(other_course["_id"]),
    )
    with app.app_context():
        o.headers = {
            key: {"Authorization": f"Bearer {issue_tokens(user)['access_token']}"} for key, user in o.users.items()
        }
    return o


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


ITEMS: dict[str, dict[str, Any]] = {
    "read_aloud": {
        "type": "read_aloud",
        "level": "beginner",
        "content": {"text": "The library closes at nine on Friday evening."},
    },
    "repeat": {"type": "repeat", "level": "beginner", "content": {"text": "Please close the door quietly."}},
    "mcq": {
        "type": "mcq",
        "level": "beginner",
        "module": "reading",
        "content": {"question": "Which word means large?", "options": ["tiny", "huge", "thin"], "answer": 1},
    },
    "sentence_completion": {
        "type": "sentence_completion",
        "level": "beginner",
        "content": {"sentence": "The meeting was ___ until Monday.", "acceptable_answers": ["postponed", "moved"]},
    },
    "dictation": {
        "type": "dictation",
        "level": "beginner",
        "content": {"text": "Students must return their books before the holidays."},
    },
}


@pytest.fixture
def make_item(client, org):
    def make(key: str, headers: dict | None = None, **overrides: Any) -> dict:
        body = {**json.loads(json.dumps(ITEMS[key])), **overrides}
        resp = client.post("/api/v1/items", json=body, headers=headers or org.headers["campus_admin"])
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    return make


@pytest.fixture
def make_test(client, org):
    def make(sections: list[dict], headers: dict | None = None, **overrides: Any) -> dict:
        body = {
            "title": f"Unit test {uuid.uuid4().hex[:6]}",
            "campus_id": org.ids["campus"],
            "sections": sections,
            "duration_minutes": 30,
            "window_start": iso(now_utc() - timedelta(hours=1)),
            "window_end": iso(now_utc() + timedelta(hours=2)),
            "release": "manual",
            **overrides,
        }
        resp = client.post("/api/v1/tests", json=body, headers=headers or org.headers["campus_admin"])
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()

    return make


def speak(directory: Path, text: str, name: str | None = None) -> bytes:
    """A spoken answer as WAV bytes (espeak-ng, 16 kHz mono)."""
    raw, out = directory / f"raw-{name or uuid.uuid4().hex}.wav", directory / f"{name or uuid.uuid4().hex}.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True, timeout=60)
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(out)], check=True, timeout=60)
    return out.read_bytes()


def wait_until(check, timeout: float = 90, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"not true after {timeout}s")
