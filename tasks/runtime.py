"""The running side of the one job mechanism (tasks/publish.py is the submitting side).

Every job task is declared with `@job_task(kind)`; the wrapper claims the job (one
live delivery at a time), keeps its lease alive from a heartbeat thread, hands the body
a JobContext (params, progress, cancellation) and records the outcome. Engines raise
`workers.errors.WorkError` for bad input: the job fails with its code and message and the
worker carries on.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from typing import TYPE_CHECKING, Any, TypeAlias, cast

import botocore.exceptions
from bson import ObjectId
from celery.exceptions import SoftTimeLimitExceeded
from pymongo.errors import AutoReconnect, ConnectionFailure

from config import get_settings
from domain.jobkinds import job_kind
from observability.logs import job_id_var
from observability.metrics import ANSWER_TO_SCORE_SECONDS, JOB_SECONDS, JOBS_FINISHED
from store import jobs
from store.common import as_utc, utcnow
from store.mongo import get_db
from tasks.celery_app import celery_app
from workers.errors import WorkError

if TYPE_CHECKING:
    from collections.abc import Callable

    from celery import Task
    from pymongo.database import Database

log = logging.getLogger("jobs")
ANSWER_SCORING = "answer_scoring"  # its run ends in a score: answer-to-score is measured on it
HOSTNAME = socket.gethostname()
# A service that did not answer: the job goes back to the queue and is retried with backoff.
TRANSIENT_ERRORS = (
    AutoReconnect,
    ConnectionFailure,
    ConnectionError,
    TimeoutError,
    botocore.exceptions.ConnectionError,
    botocore.exceptions.ReadTimeoutError,
)


class JobCancelledError(Exception):
    """Raised inside a job body when a cancel was requested; the job ends `cancelled`."""


class LeaseLostError(Exception):
    """Raised inside a job body when this delivery no longer holds the job (the sweeper or another
    worker took it).
    """


class JobContext:
    def __init__(self, db: Database, job: dict, holder: str) -> None:
        self.db = db
        self.job = job
        self.holder = holder
        self.id: ObjectId = job["_id"]
        self.params: dict[str, Any] = job.get("params") or {}

    def progress(self, done: int, total: int | None = None) -> None:
        """Record progress; raise JobCancelledError if a cancel was requested meanwhile."""
        state = jobs.report_progress(self.db, self.id, self.holder, done, total)
        if state is None:
            raise LeaseLostError(str(self.id))
        if state.get("cancel_requested"):
            raise JobCancelledError(str(self.id))

    def check_cancelled(self) -> None:
        job = jobs.get(self.db, self.id)
        if job is None or job.get("holder") != self.holder or job["state"] != "running":
            raise LeaseLostError(str(self.id))
        if job.get("cancel_requested"):
            raise JobCancelledError(str(self.id))


class _Heartbeat(threading.Thread):
    def __init__(self, db: Database, job_id: ObjectId, holder: str, lease_seconds: int) -> None:
        super().__init__(daemon=True, name=f"lease-{job_id}")
        self._db, self._job_id, self._holder, self._lease = db, job_id, holder, lease_seconds
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(max(self._lease / 4, 0.5)):
            try:
                if not jobs.renew_lease(self._db, self._job_id, self._holder, self._lease):
                    return
            except Exception:  # a missed beat is retried on the next tick
                log.warning("lease renewal failed job_id=%s", self._job_id, exc_info=True)

    def stop(self) -> None:
        self._stop_event.set()


def holder_is_dead(holder: str | None) -> bool:
    """True when the holder was a process on this host that no longer exists."""
    if not holder:
        return False
    host, _, rest = holder.partition(":")
    pid_text = rest.split(":", 1)[0]
    if host != HOSTNAME or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _claim(db: Database, job_id: ObjectId, holder: str, lease: int) -> dict | None:
    job = jobs.get(db, job_id)
    if job is None or job["state"] in jobs.TERMINAL:
        return None
    return jobs.claim(db, job_id, holder, lease, holder_is_dead=holder_is_dead(job.get("holder")))


# What follows a job of a kind that ends without its result (failed or cancelled), whichever path
# ended it (its worker, the sweeper); e.g. an answer's scoring job settles its attempt.
Unfinished: TypeAlias = "Callable[[Database, dict], object]"
_ON_UNFINISHED: dict[str, Unfinished] = {}


def job_task(
    kind: str, *, on_unfinished: Unfinished | None = None, **task_options: Any
) -> Callable[[Callable[[JobContext], Any]], Task]:
    """Declare the Celery task that runs jobs of `kind` (named in domain/jobkinds.py):
    `body(ctx) -> result dict`; `on_unfinished(db, job)` runs when a job of the kind is ended
    failed or cancelled, just before the job is (the job as it was claimed, with its error).
    """
    declared = job_kind(kind)
    if on_unfinished is not None:
        _ON_UNFINISHED[kind] = on_unfinished

    def decorate(body: Callable[[JobContext], Any]) -> Task:
        @celery_app.task(name=declared.task, bind=True, **task_options)
        def run(self: Task, job_id: str) -> None:
            _run_job(self, kind, body, ObjectId(job_id))

        # celery_app.task(**options) is typed Any by celery-types: the options could match any overload.
        return cast("Task", run)

    return decorate


def _run_job(task: Task, kind: str, body: Callable[[JobContext], Any], job_id: ObjectId) -> None:
    settings = get_settings()
    db = get_db()
    holder = f"{HOSTNAME}:{os.getpid()}:{task.request.id}"
    token = job_id_var.set(str(job_id))
    try:
        job = _claim(db, job_id, holder, settings.job_lease_seconds)
        if job is None:
            log.info("job delivery skipped job_id=%s kind=%s reason=not_claimable", job_id, kind)
            return
        if job["deliveries"] > settings.job_max_deliveries:
            _fail(
                db,
                job,
                holder,
                "worker_lost",
                f"The job stopped its worker {job['deliveries'] - 1} times and was not retried again.",
            )
            return
        log.info("job running job_id=%s kind=%s delivery=%s", job_id, kind, job["deliveries"])
        heartbeat = _Heartbeat(db, job_id, holder, settings.job_lease_seconds)
        heartbeat.start()
        try:
            _execute(task, db, job, holder, body, settings.job_max_deliveries)
        finally:
            heartbeat.stop()
    finally:
        job_id_var.reset(token)


def _execute(
    task: Task, db: Database, job: dict, holder: str, body: Callable[[JobContext], Any], max_deliveries: int
) -> None:
    job_id = job["_id"]
    started = time.monotonic()
    try:
        result = body(JobContext(db, job, holder))
    except JobCancelledError:
        cancelled = {"code": "cancelled", "message": "Cancelled while running."}
        finish_job(db, job, "cancelled", holder=holder, error=cancelled)
        log.info("job cancelled job_id=%s", job_id)
    except LeaseLostError:
        log.warning("job lease lost job_id=%s", job_id)
    except WorkError as exc:
        _fail(db, job, holder, exc.code, exc.message, exc.details)
    except SoftTimeLimitExceeded:
        _fail(db, job, holder, "time_limit", "The job took longer than its time limit.")
    except TRANSIENT_ERRORS as exc:
        _retry_or_fail(task, db, job, holder, exc, max_deliveries)
    except Exception:
        log.exception("job crashed job_id=%s", job_id)
        _fail(db, job, holder, "internal_error", "The job failed unexpectedly; it has been logged.")
    else:
        if finish_job(db, job, "succeeded", holder=holder, result=result):
            _observe_answer_to_score(job)
            log.info("job succeeded job_id=%s", job_id)
    finally:
        JOB_SECONDS.labels(job["kind"]).observe(time.monotonic() - started)


def _retry_or_fail(task: Task, db: Database, job: dict, holder: str, exc: Exception, max_deliveries: int) -> None:
    """A service did not answer: back to the queue to retry with backoff, or failed after the last delivery."""
    job_id = job["_id"]
    if job["deliveries"] >= max_deliveries:
        _fail(db, job, holder, "unavailable", "A service the job needs stayed unavailable.")
        return
    current = jobs.get(db, job_id)
    if current is not None:  # a job deleted meanwhile: the retry finds nothing to claim
        jobs.requeue(db, job_id, expected_rev=current["rev"])
    log.warning("job retry job_id=%s reason=%s", job_id, type(exc).__name__)
    raise task.retry(exc=exc, countdown=2 ** job["deliveries"], max_retries=None) from exc


def _fail(db: Database, job: dict, holder: str, code: str, message: str, details: dict | None = None) -> None:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
    finish_job(db, job, "failed", holder=holder, error=error)
    log.info("job failed job_id=%s code=%s", job["_id"], code)


def finish_job(db: Database, job: dict, state: str, **ending: Any) -> bool:
    """jobs.finish, counted in aiversant_jobs_finished_total when it is this call that ends the job."""
    if state != "succeeded" and _ours_to_end(db, job["_id"], ending.get("holder")):
        # Before the job is seen to end: a client that polls it and then reads what it was for
        # finds the follow-up done (the follow-ups are idempotent, so a lost race is harmless).
        _after_unfinished(db, {**job, "state": state, "error": ending.get("error")})
    finished = jobs.finish(db, job["_id"], state, **ending)
    if finished:
        JOBS_FINISHED.labels(job["kind"], state).inc()
    return finished


def _ours_to_end(db: Database, job_id: ObjectId, holder: str | None) -> bool:
    """The job has not ended and, when a delivery ends it, that delivery still holds it."""
    current = jobs.get(db, job_id)
    return current is not None and current["state"] not in jobs.TERMINAL and holder in (None, current.get("holder"))


def _after_unfinished(db: Database, job: dict) -> None:
    follow_up = _ON_UNFINISHED.get(job["kind"])
    if follow_up is None:
        return
    try:
        follow_up(db, job)
    except Exception:  # the job has ended either way; the sweeps catch up with what this missed
        log.exception("job follow-up failed job_id=%s kind=%s", job["_id"], job["kind"])


def _observe_answer_to_score(job: dict) -> None:
    """An answer's time from received to scored."""
    if job["kind"] == ANSWER_SCORING:
        answer = (job.get("params") or {}).get("answer") or {}
        received = as_utc(job.get("created_at"))
        if received is not None:
            kind = "spoken" if answer.get("kind") == "audio" else "written"
            ANSWER_TO_SCORE_SECONDS.labels(kind).observe(max(0.0, (utcnow() - received).total_seconds()))
