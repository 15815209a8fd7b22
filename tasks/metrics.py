"""What workers and beat serve on their METRICS_PORT (observability/metrics.py).

Beat also reports, read at each scrape: the messages waiting in each Celery queue (the Redis
list of that name) and the outbox's backlog by state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client.core import GaugeMetricFamily

from domain.jobkinds import QUEUES
from store import notifications as outbox
from store.mongo import get_db
from store.redis import get_redis

if TYPE_CHECKING:
    from collections.abc import Iterator

BACKLOG_STATES = ("queued", "sending", "failed")


class Backlog:
    """Queue lengths and outbox backlog, as gauges read when scraped."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        queues = GaugeMetricFamily("aiversant_queue_length", "Messages waiting in each Celery queue", labels=["queue"])
        redis = get_redis()
        for queue in QUEUES:
            queues.add_metric([queue], float(redis.llen(queue)))
        yield queues
        backlog = GaugeMetricFamily("aiversant_outbox_messages", "Outbox messages by state", labels=["state"])
        for state, count in outbox.count_by_state(get_db(), BACKLOG_STATES).items():
            backlog.add_metric([state], float(count))
        yield backlog
