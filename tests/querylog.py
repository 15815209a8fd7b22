"""The MongoDB queries this test process sends, recorded while a `recording()` block runs.

The listener is registered before the first client exists (tests/conftest.py imports this
module), since PyMongo gives a listener only to clients created after it is registered; it
keeps nothing outside a `recording()` block.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pymongo import monitoring

if TYPE_CHECKING:
    from collections.abc import Iterator

# The commands that read documents through a filter, and so have a plan worth explaining.
QUERY_COMMANDS = frozenset({"find", "aggregate", "count", "distinct"})


@dataclass(frozen=True)
class Query:
    name: str
    collection: str
    command: dict[str, Any]

    def explainable(self) -> dict[str, Any]:
        """The command without its session and cluster fields, as `explain` takes it."""
        kept = ("filter", "sort", "projection", "skip", "limit", "pipeline", "query", "key", "hint")
        body = {self.name: self.collection, **{key: self.command[key] for key in kept if key in self.command}}
        if self.name == "aggregate":
            body["cursor"] = {}
        return body


class QueryLog(monitoring.CommandListener):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[list[Query]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not self._active or event.command_name not in QUERY_COMMANDS:
            return
        command = dict(event.command)
        query = Query(event.command_name, str(command[event.command_name]), command)
        with self._lock:
            for sink in self._active:
                sink.append(query)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Nothing to keep: only what was asked matters here."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Nothing to keep: a failed query fails its own test."""

    @contextlib.contextmanager
    def recording(self) -> Iterator[list[Query]]:
        sink: list[Query] = []
        with self._lock:
            self._active.append(sink)
        try:
            yield sink
        finally:
            with self._lock:
                self._active.remove(sink)


QUERY_LOG = QueryLog()
monitoring.register(QUERY_LOG)
