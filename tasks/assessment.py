"""Assessment jobs and beat tasks; the work is in workers/attempts.

- `answer_scoring` (scoring queue): one answer through its engine; then the attempt is settled
  if it is finished (the last answer to be scored totals the result).
- `attempt_settle`: after a student finishes (one job per attempt: deduplicated).
- `test_assigned`, `results_release` (notifications queue): messages to students, once each.
- `test_report`: the CSV/XLSX report in S3.
- beat: attempts past their deadline are finished and settled; scheduled results are released.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from typing import Any

from config import get_settings
from domain.jobkinds import FINISH_EXPIRED_TASK, SCHEDULED_RELEASES_TASK
from store import jobs
from store import tests as test_store
from store.common import utcnow
from store.mongo import get_db
from tasks.celery_app import celery_app
from tasks.publish import submit
from tasks.runtime import JobContext, job_task
from workers.attempts import answers, reports, results

log = logging.getLogger("assessment.tasks")


@job_task("answer_scoring", soft_time_limit=150, time_limit=180)
def score_answer(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0, 1)
    params = ctx.params
    try:
        outcome = answers.score_answer(ctx.db, ctx.id, params["attempt_id"], params["item_id"], params["answer"])
    finally:  # a failed answer counts as unanswered: the attempt must not wait for it
        results.settle_attempt(ctx.db, params["attempt_id"])
    ctx.progress(1)
    return outcome


@job_task("attempt_settle")
def settle_attempt(ctx: JobContext) -> dict[str, Any]:
    return {
        "attempt_id": ctx.params["attempt_id"],
        "result_state": results.settle_attempt(ctx.db, ctx.params["attempt_id"]),
    }


@job_task("test_assigned")
def send_test_assigned(ctx: JobContext) -> dict[str, int]:
    ctx.progress(0)
    return results.tell_assigned(ctx.db, ctx.params["test_id"], progress=ctx.progress)


@job_task("results_release")
def release_results(ctx: JobContext) -> dict[str, int]:
    return results.release_test(ctx.db, ctx.params["test_id"])


@job_task("test_report", soft_time_limit=600, time_limit=660)
def write_report(ctx: JobContext) -> dict[str, Any]:
    params = ctx.params
    ctx.progress(0, 1)
    return reports.write_report(
        ctx.db,
        params["test_id"],
        str(ctx.id),
        file_format=params["format"],
        anonymised=params["anonymised"],
        key=pseudonym_key(),
        progress=ctx.progress,
    )


def pseudonym_key() -> bytes:
    """REPORT_PSEUDONYM_KEY, or one derived from SECRET_KEY (never the secret itself)."""
    settings = get_settings()
    if settings.report_pseudonym_key:
        return settings.report_pseudonym_key.encode("utf-8")
    return hmac.new(settings.secret_key.encode("utf-8"), b"report-pseudonyms", hashlib.sha256).digest()


@celery_app.task(name=FINISH_EXPIRED_TASK, ignore_result=True)
def finish_expired_attempts() -> dict[str, int]:
    """Attempts past their deadline are finished on the server, whatever the browser does."""
    db = get_db()
    finished = results.finish_expired(db, utcnow(), get_settings().answer_grace_seconds)
    for attempt_id in finished:
        submit(
            db,
            jobs.NewJob(
                kind="attempt_settle",
                owner_id="system",
                params={"attempt_id": attempt_id},
                dedup_key=f"settle:{attempt_id}",
            ),
        )
    if finished:
        log.info("attempts finished at deadline count=%d", len(finished))
    return {"finished": len(finished)}


@celery_app.task(name=SCHEDULED_RELEASES_TASK, ignore_result=True)
def release_scheduled_results() -> dict[str, int]:
    db = get_db()
    released = 0
    for test in test_store.due_for_release(db, utcnow()):
        released += results.release_test(db, str(test["_id"]))["released"]
    return {"released": released}
