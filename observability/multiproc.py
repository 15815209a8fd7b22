"""Multi-process metrics: a process tree that forks (gunicorn, Celery's prefork pool) keeps its
samples in PROMETHEUS_MULTIPROC_DIR, an empty folder per start. It must be set before anything
imports prometheus_client, so this module imports nothing of it.

gunicorn reads its config file before importing the app, so gunicorn.conf.py makes a folder
when none is given. The `celery` command loads Flower's plugin, which imports prometheus_client,
before it imports our app: a worker or beat serving METRICS_PORT needs the folder set in its
environment (`make run` does it; a container sets it to an emptyDir).
"""

from __future__ import annotations

import os
import tempfile


def use_multiprocess_dir(role: str) -> str:
    """PROMETHEUS_MULTIPROC_DIR for this process and its children: the one given, or a new one."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix=f"aiversant-metrics-{role}-")
    return os.environ["PROMETHEUS_MULTIPROC_DIR"]


def require_multiprocess_dir() -> None:
    """Refuse to start a process that would serve metrics its children cannot report."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        msg = (
            "METRICS_PORT is set but PROMETHEUS_MULTIPROC_DIR is not: set it to an empty folder before "
            "the process starts, so the pool's processes can report their samples"
        )
        raise RuntimeError(msg)
