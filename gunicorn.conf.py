"""gunicorn settings (the one place): `gunicorn -c gunicorn.conf.py api.wsgi:app`."""

import os

from observability.multiproc import use_multiprocess_dir

# Every worker's metrics in one folder, read by whichever serves /metrics (observability/metrics.py).
use_multiprocess_dir("web")

bind = f"{os.environ.get('API_HOST', '127.0.0.1')}:{os.environ.get('API_PORT', '8000')}"
# Measured on 2 cores: 2 workers x 4 threads beat (2 x cores) + 1 workers.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
# The app logs each request as JSON itself; gunicorn's access log would duplicate it.
accesslog = None
errorlog = "-"
preload_app = False


def child_exit(server, worker):  # noqa: ANN001, ANN201, ARG001 - gunicorn's hook signature
    """A worker exited: drop its live gauges from the shared metrics (counters stay)."""
    from observability.metrics import process_dead  # noqa: PLC0415 - the master imports it only when needed

    process_dead(worker.pid)
