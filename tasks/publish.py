"""The submitting side of the one job mechanism, and the notification kick: publish by task name.

Submit: write the job document, then publish a message carrying only its id. If the broker
is down the job stays queued with `published_at` unset and the sweeper publishes it later,
so a 202 never promises work that is lost. The task is named, never imported: the API
process loads no task module and so no engine (domain/jobkinds.py names every task).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from config import get_settings
from domain.jobkinds import DISPATCH_TASK, EXPAND_TASK, PASSWORD_RESET_TASK, PLAIN_TASKS, job_kind
from observability.metrics import JOBS_CREATED
from store import jobs
from tasks.celery_app import celery_app

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from bson import ObjectId
    from pymongo.database import Database

log = logging.getLogger("jobs")
_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.1, "interval_step": 0.2, "interval_max": 0.5}


def submit(db: Database, new: jobs.NewJob) -> dict:
    """Record the job, then publish it. Returns the job document as stored."""
    job = jobs.create(db, new, queue=job_kind(new.kind).queue)
    if job["state"] == "queued" and job["published_at"] is None:
        JOBS_CREATED.labels(new.kind).inc()
        publish(db, job)
    return job


def publish(db: Database, job: dict) -> bool:
    """Publish the job's task; False (and the job stays for the sweeper) if the broker is unreachable."""
    kind = job_kind(job["kind"])
    try:
        celery_app.send_task(
            kind.task, args=[str(job["_id"])], queue=kind.queue, retry=True, retry_policy=_RETRY_POLICY
        )
    except Exception:  # broker unreachable: the sweeper publishes it once the broker is back
        log.warning("job publish failed job_id=%s kind=%s", job["_id"], job["kind"], exc_info=True)
        return False
    jobs.mark_published(db, job["_id"])
    log.info("job published job_id=%s kind=%s queue=%s", job["_id"], job["kind"], kind.queue)
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
