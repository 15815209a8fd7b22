"""The ops overview: what operators watch (queues, waiting and failed jobs, the outbox backlog),
from the same public API as everything else, for those who may read settings.
"""

from __future__ import annotations

from api.access import rule
from api.blueprint import Blueprint
from config import get_settings
from domain.jobkinds import QUEUES
from schemas.ops import OpsOverviewSchema
from store import jobs, notifications, queues
from store.mongo import get_db
from store.redis import get_redis

blp = Blueprint("ops", __name__, url_prefix="/api/v1/ops", description="Queues, failures and backlog for operators")
FAILURES_SHOWN = 20


@blp.route("/overview", methods=["GET"])
@rule("settings", "read")
@blp.response(200, OpsOverviewSchema)
def overview() -> dict:
    """Queue lengths, jobs queued and running, the latest failed jobs with their error codes, and
    the outbox's backlog; `flower_url` for the workers themselves.
    """
    db = get_db()
    return {
        "queues": queues.lengths(get_redis(), QUEUES),
        "jobs": jobs.count_in_states(db, ("queued", "running")),
        "failed_jobs": jobs.recent_failures(db, FAILURES_SHOWN),
        "outbox": notifications.count_by_state(db, ("queued", "sending", "failed")),
        "flower_url": get_settings().flower_url,
    }
