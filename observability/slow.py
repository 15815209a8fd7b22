"""Slow commands: logged with their shape (values removed) and counted, for MongoDB, Redis and S3.

MongoDB: a PyMongo command listener on every client (store/mongo.py), threshold SLOW_QUERY_MS.
Redis and S3 calls are timed where the one client of each is made (store/redis.py,
store/files.py), thresholds SLOW_REDIS_MS and SLOW_S3_MS. A log line names the service, the
collection or key prefix, the operation and the milliseconds, never a value: filters become
their shape ({"email": "?"}), so no personal data reaches the logs.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

import redis
from pymongo import monitoring

from observability.metrics import SLOW_COMMANDS

if TYPE_CHECKING:
    from botocore.client import BaseClient

log = logging.getLogger("slow")

# The parts of a MongoDB command that say what it looked for or changed.
_SHAPED = ("filter", "query", "sort", "pipeline", "updates", "deletes", "q", "key")
_IGNORED = frozenset({"hello", "isMaster", "ismaster", "ping", "endSessions", "saslStart", "saslContinue", "getMore"})
_MAX_SHAPE = 400


def shape(value: Any) -> Any:
    """The value with every leaf replaced by "?": field names and operators kept, data removed."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        shapes = [shape(item) for item in value[:3]]
        return [*shapes, "..."] if len(value) > 3 else shapes  # noqa: PLR2004 - the first three show the form
    return "?"


def report(service: str, target: str, operation: str, ms: float, detail: Any = None) -> None:
    """Log and count one slow call."""
    SLOW_COMMANDS.labels(service=service, operation=operation).inc()
    text = "" if detail is None else str(detail)[:_MAX_SHAPE]
    log.warning("slow %s target=%s operation=%s ms=%.0f shape=%s", service, target, operation, ms, text)


class SlowMongoCommands(monitoring.CommandListener):
    """Every MongoDB command slower than `threshold_ms`, with its query's shape."""

    def __init__(self, threshold_ms: int) -> None:
        self.threshold_ms = threshold_ms
        self._started: dict[int, dict[str, Any]] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in _IGNORED:
            return
        command = event.command
        self._started[event.request_id] = {
            "collection": str(command.get(event.command_name, "")),
            "shape": {key: shape(command[key]) for key in _SHAPED if key in command},
        }

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        self._finished(event)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._finished(event)

    def _finished(self, event: monitoring.CommandSucceededEvent | monitoring.CommandFailedEvent) -> None:
        started = self._started.pop(event.request_id, None)
        ms = event.duration_micros / 1000
        if started is not None and ms >= self.threshold_ms:
            report("mongodb", started["collection"], event.command_name, ms, started["shape"])


class SlowRedis(redis.Redis):
    """A Redis client that reports commands slower than `slow_ms` (by key prefix: "revoked", ...)."""

    slow_ms: float = 50.0  # set per client: `client.slow_ms = settings.slow_redis_ms`

    def execute_command(self, *args: Any, **options: Any) -> Any:
        started = time.perf_counter()
        try:
            return super().execute_command(*args, **options)
        finally:
            ms = (time.perf_counter() - started) * 1000
            if ms >= self.slow_ms:
                prefix = str(args[1]).split(":", 1)[0] if len(args) > 1 else ""
                report("redis", prefix, str(args[0]), ms)


def time_s3_calls(client: BaseClient, slow_ms: float) -> None:
    """Report this boto3 S3 client's calls slower than `slow_ms` (by operation; keys hold ids only)."""
    starts: dict[int, float] = {}

    def before(context: dict, **_: Any) -> None:
        starts[id(context)] = time.perf_counter()

    def after(context: dict, model: Any, **_: Any) -> None:
        started = starts.pop(id(context), None)
        if started is not None and (ms := (time.perf_counter() - started) * 1000) >= slow_ms:
            report("s3", "bucket", model.name, ms)

    client.meta.events.register("before-call.s3.*", before)
    client.meta.events.register("after-call.s3.*", after)
