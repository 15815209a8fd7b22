"""Notification tasks on the `notifications` queue (thin: the engine is workers/notifications).

- `dispatch(ids, group=None)`: send these outbox messages (published by the kick after an
  enqueue, one task per dispatch group; by id for retries and resends), then re-publish
  the ones to retry soon.
- `expand(request_id)`: queue the messages of a held request (an import's invitations) once
  the import released them (ADR 0014).
- `dispatch_due()` (beat, every NOTIFY_DISPATCH_INTERVAL_SECONDS): expand held requests that
  were stranded, then send every queued message that is due and every `sending` one whose
  claim expired, so nothing queued is stranded by a lost Celery message, a broker outage or a
  worker killed mid-batch.
- `password_reset(login)`: a reset request handed over by the API.
- `daily_reminders()` (beat, daily at NOTIFY_REMINDER_HOUR_UTC) and the `test_reminders`
  job (an admin's "send reminders now" for one test).

The messages live in MongoDB, so a Celery message is only a nudge: losing one delays a
notification until the next beat run, never loses it.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import timedelta
from typing import TYPE_CHECKING

from bson import ObjectId

from config import get_settings
from domain.jobkinds import (
    DAILY_REMINDERS_TASK,
    DISPATCH_DUE_TASK,
    DISPATCH_TASK,
    EXPAND_TASK,
    PASSWORD_RESET_TASK,
)
from jobs.notifications import DispatchOutcome, dispatch_batch
from jobs.notifications.backend import build_rate_limiter, build_sender, dispatch_options
from jobs.notifications.reminders import remind_open_tests, remind_test
from services import invitations, notify
from store import notification_requests as held_requests
from store import notifications as outbox
from store import papers
from store.common import utcnow
from store.mongo import get_db
from tasks.celery_app import celery_app
from tasks.publish import kick_expansions, kick_groups, kick_notifications
from tasks.runtime import JobContext, job_task
from workers.errors import WorkError

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from pymongo.database import Database

    from workers.notifications.senders import Sender

log = logging.getLogger("notifications.tasks")
DUE_PAGE = 1000
DUE_RUN_SECONDS = 240.0  # stay well inside the task's soft time limit (300 s)
EXPAND_LOST_SECONDS = 60  # a released request still waiting after this lost its expand task
HELD_AT_MOST_SECONDS = 3600  # no import runs this long: one that held longer died for good

_per_process: dict[str, object] = {}


def _sender_and_limiter() -> tuple[Sender, object]:
    """One sender (connection pool) and one rate limiter per worker process."""
    if _per_process.get("pid") != os.getpid():
        settings = get_settings()
        _per_process.update(pid=os.getpid(), sender=build_sender(settings), limiter=build_rate_limiter(settings))
    return _per_process["sender"], _per_process["limiter"]  # type: ignore[return-value]


def _dispatch(ids: Sequence[str | ObjectId], group: str | None = None) -> DispatchOutcome:
    sender, limiter = _sender_and_limiter()
    options = dispatch_options(get_settings())
    return dispatch_batch(get_db(), ids, sender, group=group, options=options, rate_limiter=limiter)  # type: ignore[arg-type]


# Every worker imports this module (celery_app's include): messages queued by an engine in
# this process (roster invitations, reminders) are published at once.
notify.use_kicker(kick_groups)
notify.use_expander(kick_expansions)


@celery_app.task(name=DISPATCH_TASK, ignore_result=True)
def dispatch(message_ids: list[str], group: str | None = None) -> dict:
    outcome = _dispatch(message_ids, group)
    _schedule_retry(outcome)
    return outcome.as_dict()


def _schedule_retry(outcome: DispatchOutcome) -> None:
    """Re-publish soon retries with a countdown; later ones are left to dispatch_due.

    A countdown longer than the broker's visibility timeout would make Redis hand the
    waiting message out again and again, so long waits live only in next_attempt_at.
    """
    delay = outcome.retry_after_seconds
    if delay is None or delay > get_settings().broker_visibility_timeout / 2:
        return
    try:
        kick_notifications([ObjectId(mid) for mid in outcome.retry_ids], countdown=max(delay, 0.0))
    except Exception:  # dispatch_due retries them when they are due
        log.warning("could not publish %d notification retries", len(outcome.retry_ids), exc_info=True)


@celery_app.task(name=PASSWORD_RESET_TASK, ignore_result=True)
def password_reset(login: str) -> None:
    """A reset request from the API: issue and send the link if the account exists (the API
    does not look, so its answer says nothing about the account).
    """
    invitations.request_password_reset(get_db(), login)


@celery_app.task(name=EXPAND_TASK, ignore_result=True)
def expand(request_id: str) -> int:
    """Queue a released request's held messages (published by the importer's release)."""
    created = notify.expand_held(get_db(), ObjectId(request_id))
    log.info("notification request expanded request_id=%s created=%d", request_id, created)
    return created


def expand_stranded(db: Database, now: datetime) -> int:
    """Requests whose expand task was lost, or whose import never released them."""
    stranded = held_requests.stranded(
        db, now - timedelta(seconds=EXPAND_LOST_SECONDS), now - timedelta(seconds=HELD_AT_MOST_SECONDS)
    )
    return sum(notify.expand_held(db, request_id) for request_id in stranded)


@celery_app.task(name=DISPATCH_DUE_TASK, ignore_result=True)
def dispatch_due() -> dict:
    """Queue stranded held requests, then send what is due or stranded, page by page, until
    nothing moves or time is up.
    """
    db = get_db()
    deadline = time.monotonic() + DUE_RUN_SECONDS
    expanded = expand_stranded(db, utcnow())
    if expanded:
        log.info("dispatch_due expanded stranded notification requests created=%d", expanded)
    totals: dict[str, int] = {"sent": 0, "failed": 0, "suppressed": 0, "needs_review": 0, "provider_calls": 0}
    while time.monotonic() < deadline:
        now = utcnow()
        ids = outbox.expired_claim_ids(db, now, DUE_PAGE) + outbox.due_ids(db, now, DUE_PAGE)
        if not ids:
            break
        outcome = _dispatch(ids)
        for name in totals:
            totals[name] += len(getattr(outcome, name)) if name != "provider_calls" else outcome.provider_calls
        if len(outcome.skipped) == len(ids):
            break  # all in flight elsewhere: nothing this run can do
    if any(totals.values()):
        log.info("dispatch_due %s", totals)
    return totals


@celery_app.task(name=DAILY_REMINDERS_TASK, ignore_result=True)
def daily_reminders() -> dict:
    summary = remind_open_tests(get_db()).as_dict()
    log.info("daily test reminders %s", summary)
    return summary


@job_task("test_reminders")
def send_test_reminders(ctx: JobContext) -> dict:
    test = papers.get(ctx.db, ctx.params["test_id"])
    if test is None:
        raise WorkError("not_found", "The test no longer exists.")
    ctx.progress(0)
    summary = remind_test(ctx.db, test, progress=ctx.progress)
    if summary.tests == 0:
        raise WorkError("window_closed", "The test's window is not open, so no reminders were sent.")
    return summary.as_dict()
