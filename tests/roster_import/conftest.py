"""Roster import tests: an organisation, admins with tokens, and a worker with small roster limits.

The worker is our own subprocess (the suite's WorkerProcess with extra environment), so the row
limit and chunk size come from configuration exactly as in production: ROSTER_MAX_ROWS=4000 and
ROSTER_CHUNK_ROWS=100 (many progress steps, so a kill -9 lands mid-import).
"""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING

import pytest

from tests.conftest import WorkerProcess
from tests.roster.builders import csv_bytes
from tests.support.org import Org

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


@pytest.fixture(scope="module")
def org(app, db) -> Org:
    """Campus A (courses A1, A2; batch A spans both) and campus B (course B1, batch B)."""
    o = Org(db)
    o.campus("campusA", "Roster A")
    o.campus("campusB", "Roster B")
    o.course("courseA1", "campusA", "BTech CSE")
    o.course("courseA2", "campusA", "BTech ECE")
    o.course("courseB1", "campusB", "BSc")
    o.batch("batchA", "campusA", ["courseA1", "courseA2"], "Batch A")
    o.batch("batchB", "campusB", ["courseB1"], "Batch B")
    o.account("superadmin", "superadmin")
    o.account("campus_admin", "campus_admin", campus_id=o.ids["campusA"])
    o.account("campus_admin_b", "campus_admin", campus_id=o.ids["campusB"])
    o.account("course_admin", "course_admin", campus_id=o.ids["campusA"], course_ids=[o.ids["courseA1"]])
    o.student("student", "campusA", "batchA", "courseA1", roll_number=f"ST{o.suffix}".upper())
    o.issue_headers(app)
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
