"""Assessment tests: a campus with a course, two batches and students, admins of each kind with
tokens, a worker on every queue (beat in-process, outbox files for messages), and helpers to
make items and tests through the API and to speak answers with espeak-ng."""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest

from tests.conftest import WorkerProcess
from tests.support.org import Org

if TYPE_CHECKING:
    from pathlib import Path


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
    """Two campuses; the first with courses BSc and BCom and a batch of each, the other with one of
    its own; admins of every kind; students 1 and 2 in the first batch, 3 in the second, and one
    of the other campus. Mobile numbers are unique to the module (modules share the database).
    """
    o = Org(db)
    o.campus("campus", "Assessment campus")
    o.campus("other_campus", "Other campus")
    o.course("course", "campus", "BSc")
    o.course("course_2", "campus", "BCom")
    o.course("other_course", "other_campus", "BA")
    o.batch("batch", "campus", ["course"], "2026 A")
    o.batch("batch_2", "campus", ["course_2"], "2026 B")
    o.batch("other_batch", "other_campus", ["other_course"], "2026 X")
    o.account("superadmin", "superadmin")
    o.account("campus_admin", "campus_admin", campus_id=o.ids["campus"])
    o.account("other_campus_admin", "campus_admin", campus_id=o.ids["other_campus"])
    o.account("course_admin", "course_admin", campus_id=o.ids["campus"], course_ids=[o.ids["course"]])
    o.account("course_admin_2", "course_admin", campus_id=o.ids["campus"], course_ids=[o.ids["course_2"]])
    mobiles = int(o.suffix[:4], 16) * 10  # 0-655350: the module's own block of numbers
    for index, (batch, course) in enumerate([("batch", "course"), ("batch", "course"), ("batch_2", "course_2")], 1):
        roll = f"AS{o.suffix[:5]}{index}".upper()
        o.student(f"student_{index}", "campus", batch, course, roll_number=roll, mobile=f"+91987{mobiles + index:07d}")
    o.student("other_student", "other_campus", "other_batch", "other_course", roll_number=f"OS{o.suffix[:5]}".upper())
    o.issue_headers(app)
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
