"""The sweeper (Celery beat): no job stays queued or running forever."""

from __future__ import annotations

import logging
from datetime import timedelta

from config import get_settings
from domain.jobkinds import SWEEP_TASK
from observability.metrics import SWEEPER_ACTIONS
from store import jobs
from store.common import utcnow
from store.mongo import get_db
from tasks.celery_app import celery_app
from tasks.publish import publish
from tasks.runtime import finish_job

log = logging.getLogger("jobs.sweeper")


@celery_app.task(name=SWEEP_TASK, ignore_result=True)
def sweep() -> dict:
    """Publish queued jobs whose message was lost; recover or fail running jobs whose worker is gone."""
    settings = get_settings()
    db = get_db()
    now = utcnow()
    republished = failed = 0
    for job in jobs.stale_queued(db, now - timedelta(seconds=settings.job_queued_republish_seconds)):
        if job["published_at"] is None and job["created_at"] > now - timedelta(seconds=2):
            continue  # its first publish may still be in flight
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
