"""The broker's queues as Redis holds them (Celery's Redis transport: one list per queue, plus one
per priority step when messages carry a priority), read for the ops overview. Nothing is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

    import redis

# kombu's Redis transport keeps priority p of queue q in "q\x06\x16p" (priority 0 in "q" itself).
_PRIORITY_SEPARATOR = "\x06\x16"
_PRIORITY_STEPS = (3, 6, 9)


def lengths(client: redis.Redis, queues: Iterable[str]) -> dict[str, int]:
    """Messages waiting in each queue (taken but unacknowledged ones are not counted)."""
    pipe = client.pipeline(transaction=False)
    names = list(queues)
    for name in names:
        pipe.llen(name)
        for step in _PRIORITY_STEPS:
            pipe.llen(f"{name}{_PRIORITY_SEPARATOR}{step}")
    counts = pipe.execute()
    per_queue = 1 + len(_PRIORITY_STEPS)
    return {name: int(sum(counts[i * per_queue : (i + 1) * per_queue])) for i, name in enumerate(names)}
