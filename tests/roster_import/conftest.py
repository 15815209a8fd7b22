"""Roster import tests: an organisation, admins with tokens, and a worker with small roster limits.

The worker is our own subprocess (the suite's WorkerProcess with extra environment), so the row
limit and chunk size come from configuration exactly as in production: ROSTER_MAX_ROWS=4000 and
ROSTER_CHUNK_ROWS=100 (many progress steps, so a kill -9 lands mid-import).
"""

from __future__ import annotations

import itertools
import time
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pytest

from tests.conftest import WorkerProcess
from tests.roster.builders import csv_bytes

if TYPE_CHECKING:
    from pathlib import Path

MAX_ROWS = 4000
CHUNK_ROWS = 100
HEADER = ["Student Name", "Roll No.", "E-mail", "Mobile Number"]
_blocks = itertools.count(1000)


class RosterWorker(WorkerProcess):
    """A real celery worker on the default, imports and notifications queues with roster settings."""

    def __init__(self, log_dir: Path, outbox_dir: Path, extra_args: list[str] | None = None):
        super().__init__(
            log_dir,
            extra_args,
            queues="default,imports,notifications",
            env={
                "ROSTER_MAX_ROWS": str(MAX_ROWS),
                "ROSTER_CHUNK_ROWS": str(CHUNK_ROWS),
                "NOTIFY_BACKEND": "outbox",
                "OUTBOX_DIR": str(outbox_dir),
            },
        )


@pytest.fixture(scope="module")
def outbox_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="module")
def roster_worker(db, tmp_path_factory, outbox_dir):
    worker = RosterWorker(tmp_path_factory.mktemp("worker"), outbox_dir).start()
    yield worker
    worker.stop()


@pytest.fixture
def start_roster_worker(db, tmp_path, outbox_dir):
    started: list[RosterWorker] = []

    def start(extra_args: list[str] | None = None) -> RosterWorker:
        worker = RosterWorker(tmp_path, outbox_dir, extra_args).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@dataclass
class Org:
    ids: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict] = field(default_factory=dict)
    users: dict[str, dict] = field(default_factory=dict)


@pytest.fixture(scope="module")
def org(app, db) -> Org:
    """Campus A (courses A1, A2; batch A spans both; batch A1 only A1) and campus B (course B1, batch B)."""
    from api.identity.tokens import issue_tokens
    from store import batches, campuses, courses, users

    suffix = uuid.uuid4().hex[:8]
    o = Org()
    campus_a = campuses.create(db, {"name": f"Roster A {suffix}"})
    campus_b = campuses.create(db, {"name": f"Roster B {suffix}"})
    a1 = courses.create(db, {"name": "BTech CSE", "campus_id": str(campus_a["_id"])})
    a2 = courses.create(db, {"name": "BTech ECE", "campus_id": str(campus_a["_id"])})
    b1 = courses.create(db, {"name": "BSc", "campus_id": str(campus_b["_id"])})
    batch_a = batches.create(
        db, {"name": "Batch A", "campus_id": str(campus_a["_id"]), "course_ids": [str(a1["_id"]), str(a2["_id"])]}
    )
    batch_b = batches.create(db, {"name": "Batch B", "campus_id": str(campus_b["_id"]), "course_ids": [str(b1["_id"])]})
    o.ids.update(
        campusA=str(campus_a["_id"]),
        campusB=str(campus_b["_id"]),
        courseA1=str(a1["_id"]),
        courseA2=str(a2["_id"]),
        courseB1=str(b1["_id"]),
        batchA=str(batch_a["_id"]),
        batchB=str(batch_b["_id"]),
    )
    accounts = {
        "superadmin": {"role": "superadmin"},
        "campus_admin": {"role": "campus_admin", "campus_id": o.ids["campusA"]},
        "campus_admin_b": {"role": "campus_admin", "campus_id": o.ids["campusB"]},
        "course_admin": {"role": "course_admin", "campus_id": o.ids["campusA"], "course_ids": [o.ids["courseA1"]]},
        "student": {
            "role": "student",
            "roll_number": f"ST{suffix}".upper(),
            "campus_id": o.ids["campusA"],
            "batch_id": o.ids["batchA"],
            "course_id": o.ids["courseA1"],
        },
    }
    with app.app_context():
        for key, fields in accounts.items():
            user = users.create(db, {"name": f"{key} person", "email": f"{key}.{suffix}@example.edu", **fields})
            o.users[key] = user
            o.headers[key] = {"Authorization": f"Bearer {issue_tokens(user)['access_token']}"}
    return o


def roster(count: int, *, course: str | None = None, start: int = 1) -> tuple[list[list[str]], str]:
    """(header + rows of fresh students, their roll-number prefix); values unique in the session."""
    block = next(_blocks)
    prefix = f"Z{block}"
    header = HEADER + (["Course"] if course else [])
    rows = [
        [f"Student {prefix} {i}", f"{prefix}-{i:05d}", f"s{block}.{i}@example.edu", f"9{block:04d}{i:05d}"]
        + ([course] if course else [])
        for i in range(start, start + count)
    ]
    return [header, *rows], prefix


def roster_file(count: int, **options) -> tuple[bytes, str]:
    rows, prefix = roster(count, course=options.pop("course", None))
    return csv_bytes(rows, **options), prefix


@pytest.fixture
def upload(client):
    """POST a roster to a batch; returns the response."""

    def post(headers: dict, batch_id: str, data: bytes, filename: str = "students.csv", **form):
        body = {key: str(value).lower() if isinstance(value, bool) else value for key, value in form.items()}
        body["file"] = (__import__("io").BytesIO(data), filename)
        return client.post(
            f"/api/v1/batches/{batch_id}/roster-imports", headers=headers, data=body, content_type="multipart/form-data"
        )

    return post


@pytest.fixture
def run_import(upload, poll_job):
    """Upload and wait for the job to finish; returns the finished job body."""

    def run(
        headers: dict, batch_id: str, data: bytes, filename: str = "students.csv", timeout: float = 120, **form
    ) -> dict:
        resp = upload(headers, batch_id, data, filename, **form)
        assert resp.status_code == 202, resp.get_json()
        return poll_job(headers, resp.headers["Location"], timeout=timeout)

    return run


def students_with_prefix(db, prefix: str) -> list[dict]:
    return list(db.users.find({"roll_number": {"$regex": f"^{prefix}-"}}))


def invitations_queued(db, import_id: str, timeout: float = 120) -> None:
    """Wait until the import's held invitations are all in the outbox (the notifications
    worker expands them once the import has released them: ADR 0014).
    """
    from store import notification_requests

    source = f"roster_import:{import_id}"
    wait_until(lambda: db[notification_requests.COLLECTION].count_documents({"source": source}) == 0, timeout)


def wait_until(check, timeout: float = 60, step: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")
