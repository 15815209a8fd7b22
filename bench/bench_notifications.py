"""Notification benchmark: prints figures and checks that every e-mail went out exactly once.

Starts its own MongoDB and Redis servers, the fake Brevo server and one real worker on the
`notifications` queue (brevo backend pointed at the fake), then, in one run:
  1. raw: the same N outbox documents (built by the same code from the same requests) stored
     with ONE PyMongo insert_many into an empty collection with the outbox's indexes, on the
     same server: the floor the outbox is measured against (issue 23: at most 5x);
  2. queue: N invitation emails through `notify_many` (the roster import path), timed;
  3. dispatch: from the end of queueing until the worker's last write to the outbox came back
     (the last group's `sent` mark; bench/counting_worker.py records when each write returns),
     with the number of HTTP calls the fake Brevo server received and the worker's MongoDB
     write statements per message. Until issue 23 the end was the last message's `sent_at`,
     a time taken before its receipt and its mark were written; that figure is printed too.
     queue + dispatch = total: from asking for the first message until the last is recorded sent;
  4. checks: the fake Brevo server delivered to each of the N recipients exactly once, the
     outbox holds N messages, all `sent`, none with its sealed secrets left;
  5. baseline: the two writes per message the outbox cannot avoid (one to claim, one to mark
     sent) done the cheapest way on the same server: update_many over N plain documents, twice.
Targets: 10,000 emails in at most 20 calls (issue 14); total <= 5x the raw insert (issue 23).
Exits 1 when a check fails.
Usage: .venv/bin/python bench/bench_notifications.py [N] [worker processes] [secantus|nx]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.counting_worker import last_write, read_counts  # noqa: E402
from devstack import servers  # noqa: E402
from devstack.fake_brevo import EMAIL_PATH, FakeBrevo  # noqa: E402
from devstack.workers import QUIET_WORKER, CeleryWorker  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
CONCURRENCY = int(sys.argv[2]) if len(sys.argv) > 2 else 1
ENGINE = sys.argv[3] if len(sys.argv) > 3 else "secantus"  # the MongoDB stand-in: secantus | nx
BATCH = 1000  # NOTIFY_EMAIL_BATCH_SIZE's default: one dispatch group and one Brevo call per 1000
RATIO_TARGET = 5.0


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
    from services.notify import NotifyRequest, build_notifications, notify_many
    from store import migrations
    from store import notifications as outbox
    from store.mongo import get_db

    db = get_db()
    migrations.apply_all(db)
    worker = CeleryWorker(
        base / "worker.log",
        ["-Q", "notifications", "-c", str(CONCURRENCY), "--prefetch-multiplier", "1", *QUIET_WORKER],
        program=(sys.executable, str(ROOT / "bench" / "counting_worker.py")),
    ).start()
    try:
        requests = [
            NotifyRequest(
                "invitation",
                {"_id": f"bench-{i}", "name": f"Student {i}", "email": f"student{i}@school.test"},
                {"token": f"token-{i:06d}", "expires_at": "2030-01-01T00:00:00"},
                f"invitation:bench-{i}",
            )
            for i in range(N)
        ]
        raw = _raw_insert_many(db, [new for request in requests for new in build_notifications(request)])
        started = time.time()
        result = notify_many(db, requests)
        queued = time.time()
        queued_at = outbox.utcnow()
        _wait_until_recorded(db, brevo, redis.url)
        done = last_write(redis.url, outbox.COLLECTION) or time.time()
        last = db[outbox.COLLECTION].find_one({"state": "sent"}, sort=[("sent_at", -1)])
        done_by_sent_at = queued + (outbox.as_utc(last["sent_at"]) - queued_at).total_seconds()
        writes = read_counts(redis.url)
        checks = _checks(db, brevo.deliveries(), N)
        timings = {"raw": raw, "queue": queued - started, "dispatch": done - queued}
        _report(timings, done_by_sent_at - queued, result.created, writes, brevo, _baseline_two_updates(db, N))
        for name, ok in checks.items():
            print(f"check           {'OK    ' if ok else 'FAILED'}   {name}")
        if not all(checks.values()):
            sys.exit(1)
    finally:
        worker.stop(timeout=20)
        brevo.stop()
        redis.stop()
        mongo.stop()


def _wait_until_recorded(db, brevo, redis_url: str) -> None:
    """Until every message is delivered and recorded `sent`. The worker's own write counts say
    when each provider call has its mark (a claim and a mark per call); only then is the
    outbox counted: a count over it while the worker writes would compete with the worker
    for the server (it cost 10 s in a 10,000-email run), and the last mark is timed.
    """
    from store import notifications as outbox

    while len(brevo.deliveries()) < N:
        time.sleep(0.2)
    while read_counts(redis_url).get(f"{outbox.COLLECTION}:update", 0) < 2 * len(brevo.calls_to(EMAIL_PATH)):
        time.sleep(0.2)
    while db[outbox.COLLECTION].count_documents({"state": "sent"}) < N:
        time.sleep(0.5)


def _report(
    timings: dict[str, float], to_sent_at: float, created: int, writes: dict[str, int], brevo, baseline: float
) -> None:
    from store import notifications as outbox

    raw, queue, dispatch = timings["raw"], timings["queue"], timings["dispatch"]
    total = queue + dispatch
    outbox_writes = sum(count for key, count in writes.items() if key.startswith(f"{outbox.COLLECTION}:"))
    deliveries = brevo.deliveries()
    print(
        f"notifications   {N} invitation emails, batch {BATCH}, one worker with {CONCURRENCY} processes, "
        f"MongoDB stand-in {ENGINE}"
    )
    print(f"raw insert_many {raw:6.2f} s   the same {N} outbox documents, one call, the outbox's indexes")
    print(f"queue           {queue:6.2f} s   ({created} messages, {N / queue:,.0f}/s)")
    print(
        f"dispatch        {dispatch:6.2f} s   ({N / dispatch:,.0f}/s) to the last outbox write returned; "
        f"{to_sent_at:.2f} s to the last sent_at"
    )
    print(
        f"total           {total:6.2f} s   queue + dispatch = {total / raw:4.2f}x the raw insert_many "
        f"(target <= {RATIO_TARGET:g}x: {'met' if total / raw <= RATIO_TARGET else 'MISSED'})"
    )
    print(
        f"worker writes   {outbox_writes / N:8.4f} per message to the outbox   "
        f"({', '.join(f'{key} {count}' for key, count in sorted(writes.items()))})"
    )
    print(f"baseline        {baseline:6.2f} s   two update_many over {N} plain documents")
    print(
        f"HTTP calls      {len(brevo.calls_to(EMAIL_PATH)):6d}     target <= 20   "
        f"(recipients delivered: {len(deliveries)}, duplicates: {len(deliveries) - len(set(deliveries))})"
    )


def _raw_insert_many(db, news) -> float:
    """One insert_many of these messages' outbox documents (built as `notify_many` builds them,
    in dispatch groups of BATCH) into an empty collection with the outbox's indexes; seconds.
    """
    from store import notifications as outbox

    now = outbox.utcnow()
    groups = [uuid.uuid4().hex for _ in range(0, len(news), BATCH)]
    docs = [outbox.build_document(new, now, groups[index // BATCH]) for index, new in enumerate(news)]
    raw = db[f"{outbox.COLLECTION}_raw"]
    for name, spec in db[outbox.COLLECTION].index_information().items():
        if name != "_id_":
            raw.create_index(spec["key"], name=name, unique=spec.get("unique", False))
    started = time.perf_counter()
    raw.insert_many(docs, ordered=False)
    elapsed = time.perf_counter() - started
    raw.drop()
    return elapsed


def _checks(db, deliveries: list[str], n: int) -> dict[str, bool]:
    from store import notifications as outbox

    expected = Counter(f"student{i}@school.test" for i in range(n))
    outbox_docs = db[outbox.COLLECTION]
    return {
        f"no duplicate e-mail: each of the {n} recipients delivered exactly once": Counter(deliveries) == expected,
        f"the outbox holds {n} messages, all sent": outbox_docs.count_documents({}) == n
        and outbox_docs.count_documents({"state": "sent"}) == n,
        "no sent message keeps its sealed secrets": outbox_docs.count_documents({"params.sealed": {"$exists": True}})
        == 0,
    }


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
