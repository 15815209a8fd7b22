"""Job mechanism benchmark: prints figures, asserts nothing.

Starts its own servers (as the tests do) and one real worker, then measures in the same run:
  1. submit: our `tasks.publish.submit` (job document + publish) vs raw PyMongo insert_one +
     Celery send_task, per second;
  2. round trip: upload jobs from S3 staging to `succeeded` through the worker vs the raw
     boto3 put_object of the same bytes (the floor the job adds to).
Usage: .venv/bin/python bench/bench_jobs.py [N]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devstack import servers
from devstack.workers import QUIET_WORKER, CeleryWorker

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="bench-jobs-"))
    mongo = servers.start_mongo(base / "m", servers.free_port())
    redis = servers.start_redis(base / "r", servers.free_port(), persistent=False)
    s3 = servers.start_s3(base / "s", servers.free_port(), persistent=False)
    os.environ.update(
        {
            "APP_ENV": "test",
            "SECRET_KEY": "b" * 40,
            "MONGO_URI": mongo.url,
            "REDIS_URL": redis.url,
            "S3_ENDPOINT_URL": s3.url,
            "S3_BUCKET": "bench",
            "BACKUP_BUCKET": "bench-backups",
            "AWS_ACCESS_KEY_ID": "k",
            "AWS_SECRET_ACCESS_KEY": "s",
            "LOG_LEVEL": "WARNING",
        }
    )
    from bson import ObjectId

    import tasks.uploads  # noqa: F401
    from store import files, jobs, migrations
    from store.mongo import get_db
    from tasks.celery_app import celery_app
    from tasks.publish import submit

    db = get_db()
    migrations.apply_all(db)
    files.ensure_bucket()
    worker = None
    try:
        t = time.perf_counter()
        for _ in range(N):
            db.raw_jobs.insert_one({"kind": "noop", "state": "queued"})
            celery_app.send_task("bench.noop", args=["x"], queue="bench")
        raw_rate = N / (time.perf_counter() - t)
        t = time.perf_counter()
        for _ in range(N):
            submit(db, jobs.NewJob(kind="upload", owner_id="bench", params={"filename": "x.csv"}))
        ours_rate = N / (time.perf_counter() - t)
        print(
            f"submit          raw insert+send_task {raw_rate:8.0f}/s   ours {ours_rate:8.0f}/s   "
            f"ratio {ours_rate / raw_rate:.2f}"
        )
        db.jobs.delete_many({})
        celery_app.control.purge()

        payload = b"name,roll_number\n" + b"Asha,21A001\n" * 50
        t = time.perf_counter()
        for i in range(N):
            files.put_bytes(f"raw/{i}", payload)
        raw_put = N / (time.perf_counter() - t)
        worker = CeleryWorker(
            base / "worker.log",
            ["-Q", "default", "-c", "2", "--prefetch-multiplier", "4", *QUIET_WORKER],
        ).start()
        t = time.perf_counter()
        ids = []
        for _ in range(N):
            job_id = ObjectId()
            files.put_bytes(files.staging_key(str(job_id)), payload)
            ids.append(
                submit(db, jobs.NewJob(kind="upload", owner_id="bench", job_id=job_id, params={"filename": "r.csv"}))[
                    "_id"
                ]
            )
        while db.jobs.count_documents({"_id": {"$in": ids}, "state": "succeeded"}) < N:
            time.sleep(0.05)
        ours_trip = N / (time.perf_counter() - t)
        print(
            f"upload jobs     raw S3 put           {raw_put:8.0f}/s   ours {ours_trip:8.0f}/s   "
            f"ratio {ours_trip / raw_put:.2f}  (stage + job + worker check/copy/delete, 2 processes)"
        )
    finally:
        if worker:
            worker.stop()
        for server in (s3, redis, mongo):
            server.stop()


if __name__ == "__main__":
    main()
