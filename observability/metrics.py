"""The project's Prometheus metrics (prometheus_client), and how each process serves them.

Defined once here and counted where things happen: HTTP requests in the app factory, jobs in
the job runtime, slow commands in the MongoDB listener (observability/slow.py). Processes that
fork (gunicorn workers, Celery's prefork pool) write their samples to PROMETHEUS_MULTIPROC_DIR
and the one serving the scrape reads them all (`scrape`); a process without it serves its own.

Who serves what: the API at `/metrics` behind METRICS_TOKEN (its requests, and the jobs it
created), each Celery worker and beat on their own METRICS_PORT (their jobs, slow commands;
beat adds the queue lengths and outbox backlog, read when scraped).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    start_http_server,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from prometheus_client.metrics_core import Metric
    from prometheus_client.registry import Collector

HTTP_REQUESTS = Counter(
    "aiversant_http_requests_total", "HTTP requests answered, by endpoint and status", ["method", "endpoint", "status"]
)
HTTP_SECONDS = Histogram(
    "aiversant_http_request_duration_seconds", "Time to answer an HTTP request, by endpoint", ["method", "endpoint"]
)
# Methods counted by name; any other (a client may send any token) is "other", so no request,
# signed in or not, can add a series.
HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
JOBS_CREATED = Counter("aiversant_jobs_created_total", "Jobs recorded, by kind", ["kind"])
JOBS_FINISHED = Counter("aiversant_jobs_finished_total", "Jobs that ended, by kind and state", ["kind", "state"])
JOB_SECONDS = Histogram(
    "aiversant_job_run_seconds",
    "Time a job ran in its worker, by kind",
    ["kind"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900),
)
ANSWER_TO_SCORE_SECONDS = Histogram(
    "aiversant_answer_to_score_seconds",
    "From an answer received to its score stored, by item type",
    ["item_type"],
    buckets=(0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 30, 60, 120),
)
SLOW_COMMANDS = Counter(
    "aiversant_slow_commands_total",
    "Commands slower than their threshold, by service and operation",
    ["service", "operation"],
)
PROVIDER_ERRORS = Counter(
    "aiversant_notification_provider_errors_total",
    "Failed calls to the email/SMS provider, by channel and code (rate_limited, provider_unavailable, ...)",
    ["channel", "code"],
)
SWEEPER_ACTIONS = Counter("aiversant_sweeper_actions_total", "What the job sweeper did, by action", ["action"])


def method_label(method: str) -> str:
    """The `method` label of a request: one of HTTP_METHODS, else "other"."""
    return method if method in HTTP_METHODS else "other"


def registry() -> CollectorRegistry:
    """What a scrape of this process reports: every process's samples in multi-process mode."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)
    return collected


def scrape(extra: Collector | None = None) -> tuple[bytes, str]:
    """The exposition text and its content type."""
    return generate_latest(_served(extra)), CONTENT_TYPE_LATEST


def serve(port: int, extra: Collector | None = None) -> None:
    """Serve this process's scrape on `port` (a worker's or beat's own, never public)."""
    start_http_server(port, addr=os.environ.get("METRICS_HOST", "127.0.0.1"), registry=_served(extra))


def _served(extra: Collector | None) -> CollectorRegistry:
    served = registry()
    if extra is None:
        return served
    if served is REGISTRY:  # leave the default registry as it is: a new one holding it and `extra`
        served = CollectorRegistry()
        served.register(_Everything())
    served.register(extra)
    return served


def process_dead(pid: int) -> None:
    """A forked child exited: its live gauges go (counters and histograms stay summed)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.mark_process_dead(pid)


class _Everything:
    """The default registry's samples inside another registry (to add a collector beside them)."""

    def collect(self) -> Iterable[Metric]:
        return REGISTRY.collect()
