"""What every benchmark's own stack needs: the environment pointing at its servers, and a
Celery worker started and waited for.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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
    """`celery -A tasks.celery_app worker <args>` in its own process group, logging to
    base/worker-<name>.log; returned once it logs that it is ready.
    """
    log_path = base / f"worker-{name}.log"
    command = [sys.executable, "-m", "celery", "-A", "tasks.celery_app", "worker", *args, "-l", "INFO"]
    with log_path.open("ab") as log:
        proc = subprocess.Popen(
            command,
            cwd=REPO,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=dict(os.environ),
            start_new_session=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"worker exited:\n{tail(log_path)}")
        if b"ready." in log_path.read_bytes():
            return proc, log_path
        time.sleep(0.1)
    raise RuntimeError(f"worker not ready:\n{tail(log_path)}")
