"""Roster import benchmark: prints figures, asserts nothing.

Starts its own servers (as the tests do) and one real worker on the imports and notifications
queues, then in the same run:
  1. raw: PyMongo insert_many of 10,000 student documents (the same fields the import writes)
     into the users collection of the same server, with the same indexes;
  2. ours: POST the 10,000-row CSV to /api/v1/batches/<id>/roster-imports (Flask test client),
     the worker reads it from S3, validates every row, looks up existing students, writes them in
     chunks and reports progress; timed from the POST until the job has succeeded.
Run twice: without invitations, and with them (a token per student, stored with it, and the
invitations held as one request per chunk; after the import the notifications worker expands them
into one email and one SMS outbox message per student, and the time until all are in the outbox
is printed too). The worker runs 2 processes, so that expansion does not wait for the import task.
Usage: .venv/bin/python bench/bench_roster_import.py [ROWS]
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.stack import stack_environment  # noqa: E402
from devstack import servers  # noqa: E402
from devstack.workers import QUIET_WORKER, CeleryWorker  # noqa: E402

DEFAULT_ROWS = 10_000


def roster_csv(prefix: str, count: int) -> bytes:
    lines = ["Student Name,Roll Number,Email,Mobile Number"]
    lines += [
        f"Student {prefix} {i},{prefix}{i:05d},{prefix.lower()}.{i}@example.edu,9{prefix[-2:]}{i:07d}"
        for i in range(count)
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def raw_documents(prefix: str, count: int, batch: dict) -> list[dict]:
    from store.jobs import utcnow

    now = utcnow()
    return [
        {
            "name": f"Student {prefix} {i}",
            "roll_number": f"{prefix}{i:05d}",
            "email": f"{prefix.lower()}.{i}@example.edu",
            "mobile": f"+919{prefix[-2:]}{i:07d}",
            "role": "student",
            "campus_id": batch["campus_id"],
            "batch_id": str(batch["_id"]),
            "course_id": batch["course_ids"][0],
            "active": True,
            "token_version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for i in range(count)
    ]


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_ROWS
    base = Path(tempfile.mkdtemp(prefix="bench-roster-"))
    mongo = servers.start_mongo(base / "m", servers.free_port())
    redis = servers.start_redis(base / "r", servers.free_port(), persistent=False)
    s3 = servers.start_s3(base / "s", servers.free_port(), persistent=False)
    stack_environment(base, mongo, redis, s3, LOG_LEVEL="WARNING", RATE_LIMITS_ENABLED="false")
    from api.app import create_app
    from api.identity.tokens import issue_tokens
    from store import batches, campuses, courses, files, migrations, users
    from store.mongo import get_db

    db = get_db()
    migrations.apply_all(db)
    files.ensure_bucket()
    campus = campuses.create(db, {"name": "Bench campus"})
    course = courses.create(db, {"name": "BTech", "campus_id": str(campus["_id"])})
    batch = batches.create(db, {"name": "Bench", "campus_id": str(campus["_id"]), "course_ids": [str(course["_id"])]})
    admin = users.create(db, {"name": "Bench admin", "email": "bench@example.edu", "role": "superadmin"})
    app = create_app()
    client = app.test_client()
    with app.app_context():
        headers = {"Authorization": f"Bearer {issue_tokens(admin)['access_token']}"}
    worker = CeleryWorker(
        base / "worker.log",
        ["-Q", "imports,notifications", "-c", "2", *QUIET_WORKER],
    ).start()
    try:
        # raw floor: the same documents, same server, same collection and indexes
        raw_db = db.client[db.name]
        docs = raw_documents("R33", rows, batch)
        t = time.perf_counter()
        raw_db[users.COLLECTION].insert_many(docs, ordered=False)
        raw_seconds = time.perf_counter() - t
        raw_rate = rows / raw_seconds
        print(f"raw insert_many            {rows} rows in {raw_seconds:6.2f} s  {raw_rate:8.0f} rows/s")
        for label, prefix, invite in (("import, no invitations", "A11", False), ("import + invitations", "B22", True)):
            seconds, result = timed_import(
                client, headers, str(batch["_id"]), roster_csv(prefix, rows), db, invite=invite
            )
            rate = rows / seconds
            print(
                f"{label:26} {rows} rows in {seconds:6.2f} s  {rate:8.0f} rows/s   ratio {rate / raw_rate:.2f}"
                f"   (created {result['created']}, failed {result['failed']})"
            )
            if invite:
                print(f"  target < 10 s with invitations: {'PASS' if seconds < 10 else 'MISS'}")
                queued_s, messages = invitations_queued(db, result["import_id"])
                print(
                    f"  its {messages} invitation messages (email + SMS) all in the outbox {queued_s:6.2f} s after the "
                    "import ended (held requests expanded by the notifications worker, ADR 0014)"
                )
    finally:
        worker.stop()
        for server in (s3, redis, mongo):
            server.stop()


def invitations_queued(db, import_id: str) -> tuple[float, int]:
    """Seconds until no held request of the import is left, and how many invitations it queued."""
    from store import notification_requests, notifications

    t = time.perf_counter()
    while db[notification_requests.COLLECTION].count_documents({"source": f"roster_import:{import_id}"}):
        time.sleep(0.1)
    seconds = time.perf_counter() - t
    return seconds, db[notifications.COLLECTION].count_documents({"kind": "invitation"})


def timed_import(client, headers: dict, batch_id: str, data: bytes, db, *, invite: bool) -> tuple[float, dict]:
    from store import jobs

    t = time.perf_counter()
    resp = client.post(
        f"/api/v1/batches/{batch_id}/roster-imports",
        headers=headers,
        data={"file": (io.BytesIO(data), "bench.csv"), "send_invitations": str(invite).lower()},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 202, resp.get_json()
    job_id = resp.get_json()["id"]
    while True:
        job = jobs.get(db, job_id)
        if job["state"] in jobs.TERMINAL:
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - t
    if job["state"] != "succeeded":
        raise SystemExit(f"import ended {job['state']}: {job['error']}")
    return seconds, job["result"]


if __name__ == "__main__":
    main()
