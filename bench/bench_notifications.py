"""Notification benchmark: prints figures, asserts nothing.

Starts its own MongoDB and Redis servers, the fake Brevo server and one real worker on the
`notifications` queue (brevo backend pointed at the fake), then:
  1. queue: N invitation emails through `notify_many` (the roster import path), timed;
  2. dispatch: from the end of queueing until every message is `sent`, timed, with the
     number of HTTP calls the fake Brevo server received and recipients it delivered to,
     and the worker's MongoDB write statements per message (bench/counting_worker.py);
  3. baseline, in the same run: the two writes per message the outbox cannot avoid (one to
     claim, one to mark sent) done the cheapest way on the same server: update_many over
     N plain documents, twice.
Targets (issue 14): 10,000 emails in at most 20 calls, <= 30 s on SecantusDB, <= 10 s on nx.
Usage: .venv/bin/python bench/bench_notifications.py [N] [worker processes] [secantus|nx]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.counting_worker import read_counts  # noqa: E402
from devstack import servers  # noqa: E402
from devstack.fake_brevo import EMAIL_PATH, FakeBrevo  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
CONCURRENCY = int(sys.argv[2]) if len(sys.argv) > 2 else 1
ENGINE = sys.argv[3] if len(sys.argv) > 3 else "secantus"  # the MongoDB stand-in: secantus | nx


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="bench-notify-"))
    mongo = servers.start_mongo(base / "m", servers.free_port(), ENGINE)
    redis = servers.start_redis(base / "r", servers.free_port(), persistent=False)
    brevo = FakeBrevo(api_key="bench-key").start()
    os.environ.update(
        {
            "APP_ENV": "test",
            "SECRET_KEY": "b" * 40,
            "MONGO_URI": mongo.url,
            "REDIS_URL": redis.url,
            "S3_BUCKET": "bench",
            "BACKUP_BUCKET": "bench-backups",
            "LOG_LEVEL": "WARNING",
            "NOTIFY_BACKEND": "brevo",
            "BREVO_API_KEY": "bench-key",
            "BREVO_API_HOST": brevo.base_url,
        }
    )
    import tasks.notifications  # noqa: F401 - registers the kick
    from services.notify import NotifyRequest, notify_many
    from store import migrations
    from store import notifications as outbox
    from store.mongo import get_db

    db = get_db()
    migrations.apply_all(db)
    worker = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "bench" / "counting_worker.py"),
            "-A",
            "tasks.celery_app",
            "worker",
            "-Q",
            "notifications",
            "-c",
            str(CONCURRENCY),
            "--prefetch-multiplier",
            "1",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(4)  # worker start-up
        requests = [
            NotifyRequest(
                "invitation",
                {"_id": f"bench-{i}", "name": f"Student {i}", "email": f"student{i}@school.test"},
                {"token": f"token-{i:06d}", "expires_at": "2030-01-01T00:00:00"},
                f"invitation:bench-{i}",
            )
            for i in range(N)
        ]
        started = time.perf_counter()
        result = notify_many(db, requests)
        queued = time.perf_counter()
        queued_at = outbox.utcnow()
        # Wait on the fake Brevo server's deliveries, then on the outbox: a count over the
        # outbox every second would compete with the worker for the server (it cost 10 s in
        # a 10,000-email run). The end time is the last message's sent_at.
        while len(brevo.deliveries()) < N:
            time.sleep(0.5)
        while db[outbox.COLLECTION].count_documents({"state": "sent"}) < N:
            time.sleep(0.5)
        last = db[outbox.COLLECTION].find_one({"state": "sent"}, sort=[("sent_at", -1)])
        done = queued + (outbox.as_utc(last["sent_at"]) - queued_at).total_seconds()
        calls = brevo.calls_to(EMAIL_PATH)
        writes = read_counts(redis.url)
        outbox_writes = sum(count for key, count in writes.items() if key.startswith(f"{outbox.COLLECTION}:"))
        baseline = _baseline_two_updates(db, N)
        print(
            f"notifications   {N} invitation emails, batch 1000, one worker with {CONCURRENCY} processes, "
            f"MongoDB stand-in {ENGINE}"
        )
        print(
            f"queue           {queued - started:6.2f} s   ({result.created} messages, {N / (queued - started):,.0f}/s)"
        )
        print(f"dispatch        {done - queued:6.2f} s   ({N / (done - queued):,.0f}/s)")
        print(f"total           {done - started:6.2f} s   target <= 30 s on SecantusDB, <= 10 s on nx")
        print(
            f"worker writes   {outbox_writes / N:8.4f} per message to the outbox   "
            f"({', '.join(f'{key} {count}' for key, count in sorted(writes.items()))})"
        )
        print(f"baseline        {baseline:6.2f} s   two update_many over {N} plain documents (the floor)")
        print(
            f"HTTP calls      {len(calls):6d}     target <= 20   "
            f"(recipients delivered: {len(brevo.deliveries())}, duplicates: "
            f"{len(brevo.deliveries()) - len(set(brevo.deliveries()))})"
        )
    finally:
        worker.terminate()
        worker.wait(timeout=20)
        brevo.stop()
        redis.stop()
        mongo.stop()


def _baseline_two_updates(db, n: int) -> float:
    """The same server's cost of touching n documents twice with one write each."""
    plain = db["bench_baseline"]
    plain.insert_many([{"i": i, "group": "g", "state": "queued"} for i in range(n)])
    started = time.perf_counter()
    plain.update_many({"group": "g", "state": "queued"}, {"$set": {"state": "sending"}})
    plain.update_many({"group": "g", "state": "sending"}, {"$set": {"state": "sent"}})
    elapsed = time.perf_counter() - started
    plain.drop()
    return elapsed


if __name__ == "__main__":
    main()
