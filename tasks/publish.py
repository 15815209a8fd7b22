"""The submitting side of the one job mechanism, and the notification kick: publish by task name.

Submit: write the job document, already counting the publish that follows (ADR 0020), then
publish a message carrying only its id. If the broker is down the job is set back to unpublished
and the sweeper publishes it later; if this process dies between the two, the sweeper publishes
it once its `published_at` is JOB_QUEUED_REPUBLISH_SECONDS old. So a 202 never promises work
that is lost. The task is named, never imported: the API process loads no task module and so no
engine (domain/jobkinds.py names every task).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import TYPE_CHECKING

from bson import ObjectId
from pymongo.errors import PyMongoError

from config import get_settings
from domain.jobkinds import DISPATCH_TASK, EXPAND_TASK, PASSWORD_RESET_TASK, PLAIN_TASKS, QUEUES, job_kind
from observability.metrics import JOBS_CREATED
from store import jobs
from tasks.celery_app import celery_app

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from pymongo.database import Database

log = logging.getLogger("jobs")
_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.5}


def submit(db: Database, new: jobs.NewJob) -> dict:
    """Record the job, then publish it. Returns the job document as stored."""
    new = replace(new, job_id=new.job_id or ObjectId())
    job = jobs.create(db, new, queue=queue_of(new), publishing=True)
    if job["_id"] == new.job_id:  # ours, not an earlier job holding the same dedup or coalesce key
        JOBS_CREATED.labels(new.kind).inc()
        if not _send(job):
            job = _take_back(db, job)
    elif job["state"] == "queued" and job["published_at"] is None:
        publish(db, job)
    return job


def queue_of(new: jobs.NewJob) -> str:
    """The job's own queue if it names one, else its kind's."""
    queue = new.queue or job_kind(new.kind).queue
    if queue not in QUEUES:
        msg = f"job {new.kind!r}: unknown queue {queue!r}"
        raise ValueError(msg)
    return queue


def publish(db: Database, job: dict) -> bool:
    """Publish the job's task and record it; False (and the job stays for the sweeper) if the
    broker is unreachable.
    """
    if not _send(job):
        return False
    jobs.mark_published(db, job["_id"])
    return True


def _take_back(db: Database, job: dict) -> dict:
    """The job as unpublished, so the sweeper's next round publishes it. Should MongoDB refuse
    this write too, the job keeps its `published_at` and is published once that is old.
    """
    try:
        jobs.unpublished(db, job)
    except PyMongoError:
        log.warning("job left marked published job_id=%s", job["_id"], exc_info=True)
        return job
    return {**job, "published_at": None, "publishes": job["publishes"] - 1}


def _send(job: dict) -> bool:
    kind = job_kind(job["kind"])
    queue = job.get("queue") or kind.queue  # the job's own, as recorded (jobs from before it: the kind's)
    try:
        celery_app.send_task(kind.task, args=[str(job["_id"])], queue=queue, retry=True, retry_policy=_RETRY_POLICY)
    except Exception:  # broker unreachable: the sweeper publishes it once the broker is back
        log.warning("job publish failed job_id=%s kind=%s", job["_id"], job["kind"], exc_info=True)
        return False
    log.info("job published job_id=%s kind=%s queue=%s", job["_id"], job["kind"], queue)
    return True


def kick_notifications(message_ids: Sequence[ObjectId], countdown: float | None = None) -> int:
    """Publish dispatch tasks for these outbox messages, one per email batch; returns how many."""
    size = get_settings().notify_email_batch_size
    ids = [str(mid) for mid in message_ids]
    for start in range(0, len(ids), size):
        _publish_dispatch(ids[start : start + size], None, countdown)
    return len(range(0, len(ids), size))


def kick_groups(groups: Mapping[str, Sequence[ObjectId]]) -> int:
    """Publish one dispatch task per dispatch group just enqueued (the registered kicker)."""
    for group, message_ids in groups.items():
        _publish_dispatch([str(mid) for mid in message_ids], group, None)
    return len(groups)


def kick_expansions(request_ids: Sequence[ObjectId]) -> int:
    """Publish one expand task per released notification request (the registered expander)."""
    for request_id in request_ids:
        celery_app.send_task(
            EXPAND_TASK,
            args=[str(request_id)],
            queue=PLAIN_TASKS[EXPAND_TASK],
            retry=True,
            retry_policy=_RETRY_POLICY,
        )
    return len(request_ids)


def _publish_dispatch(ids: list[str], group: str | None, countdown: float | None) -> None:
    celery_app.send_task(
        DISPATCH_TASK,
        args=[ids],
        kwargs={"group": group} if group else {},
        queue=PLAIN_TASKS[DISPATCH_TASK],
        countdown=countdown,
        retry=True,
        retry_policy=_RETRY_POLICY,
    )


def request_password_reset(login: str) -> None:
    """Hand a reset request to a worker: the API answers the same, in the same time, whether or
    not the account exists, because it never looks. Raises when the broker is unreachable.
    """
    celery_app.send_task(
        PASSWORD_RESET_TASK,
        args=[login],
        queue=PLAIN_TASKS[PASSWORD_RESET_TASK],
        retry=True,
        retry_policy=_RETRY_POLICY,
    )
