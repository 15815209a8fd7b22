"""The sweeper (Celery beat): no job stays queued or running forever."""

from __future__ import annotations

import logging
from datetime import timedelta

from redis.exceptions import RedisError

from config import get_settings
from domain.jobkinds import QUEUES, SWEEP_TASK, job_kind
from observability.metrics import SWEEPER_ACTIONS
from store import jobs
from store.common import utcnow
from store.mongo import get_db
from store.redis import get_redis
from tasks.celery_app import celery_app
from tasks.publish import publish
from tasks.runtime import finish_job

log = logging.getLogger("jobs.sweeper")


# A published job still queued while its queue has messages waiting is taken to be in line (a
# cohort's recordings waited 6 minutes for one scoring worker, and republishing every 2 minutes
# doubled the queue); after this many republish intervals it is published again anyway.
BACKLOG_PATIENCE = 10


def _messages_waiting() -> dict[str, int]:
    """Messages waiting in each queue (Redis lists named after them); {} if Redis does not answer."""
    try:
        redis = get_redis()
        return {queue: int(redis.llen(queue)) for queue in QUEUES}
    except RedisError:
        log.warning("queue lengths unavailable: stale jobs are republished", exc_info=True)
        return {}


def _queue(job: dict) -> str:
    return job.get("queue") or job_kind(job["kind"]).queue


@celery_app.task(name=SWEEP_TASK, ignore_result=True)
def sweep() -> dict:
    """Publish queued jobs whose message was lost; recover or fail running jobs whose worker is gone."""
    settings = get_settings()
    db = get_db()
    now = utcnow()
    republished = failed = 0
    waiting = _messages_waiting()
    give_up_waiting = now - timedelta(seconds=settings.job_queued_republish_seconds * BACKLOG_PATIENCE)
    for job in jobs.stale_queued(db, now - timedelta(seconds=settings.job_queued_republish_seconds)):
        if job["published_at"] is None and job["created_at"] > now - timedelta(seconds=2):
            continue  # its first publish may still be in flight
        if job["published_at"] is not None and job["published_at"] > give_up_waiting and waiting.get(_queue(job)):
            continue  # most likely still in line behind its queue's backlog: a second message is a duplicate
        republished += publish(db, job)
    for job in jobs.expired_running(db, now):
        if job["deliveries"] >= settings.job_max_deliveries:
            failed += finish_job(
                db,
                job,
                "failed",
                error={
                    "code": "worker_lost",
                    "message": f"The worker running this job stopped answering {job['deliveries']} times.",
                },
            )
        elif jobs.requeue(db, job["_id"], expected_rev=job["rev"]):
            republished += publish(db, {**job, "state": "queued"})
    SWEEPER_ACTIONS.labels("republished").inc(republished)
    SWEEPER_ACTIONS.labels("failed").inc(failed)
    if republished or failed:
        log.info("sweep republished=%s failed=%s", republished, failed)
    return {"republished": republished, "failed": failed}
