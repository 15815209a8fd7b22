"""What every benchmark's own stack needs: the environment pointing at its servers, and a
Celery worker started and waited for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from devstack.workers import CeleryWorker

if TYPE_CHECKING:
    import subprocess

    from devstack.servers import Server

REPO = Path(__file__).resolve().parent.parent


def stack_environment(base: Path, mongo: Server, redis: Server, s3: Server, **overrides: str) -> None:
    """The settings of a benchmark run: its servers, a test secret, the outbox files under `base`;
    `overrides` (LOG_LEVEL, NOTIFY_BACKEND ...) on top.
    """
    os.environ.update(
        {
            "APP_ENV": "test",
            "SECRET_KEY": "b" * 40,
            "MONGO_URI": mongo.url,
            "REDIS_URL": redis.url,
            "S3_ENDPOINT_URL": s3.url,
            "S3_BUCKET": "bench",
            "BACKUP_BUCKET": "bench-backups",
            "AWS_ACCESS_KEY_ID": s3.extra["access_key"],
            "AWS_SECRET_ACCESS_KEY": s3.extra["secret_key"],
            "LOG_LEVEL": "INFO",
            "NOTIFY_BACKEND": "outbox",
            "OUTBOX_DIR": str(base / "outbox"),
            **overrides,
        }
    )


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


def start_celery_worker(base: Path, name: str, args: list[str], timeout: float = 60) -> tuple[subprocess.Popen, Path]:
    """`celery -A tasks.celery_app worker <args>` (devstack.workers.CeleryWorker) in its own process
    group, logging to base/worker-<name>.log; returned once it logs that it is ready.
    """
    worker = CeleryWorker(base / f"worker-{name}.log", [*args, "-l", "INFO"]).start(timeout)
    assert worker.proc is not None  # started
    return worker.proc, worker.log_path
