"""Assessment jobs and beat tasks; the work is in jobs/attempts.

- `answer_scoring` (spoken answers on the scoring queue, the rest on the default queue:
  domain.assessment.scoring_queue): one answer through its engine; then the attempt is settled
  if it is finished (the last answer to be scored totals the result).
- `attempt_settle`: after a student finishes (one job per attempt: deduplicated).
- `test_assigned`, `results_release` (notifications queue): messages to students, once each.
- `test_report`: the CSV/XLSX report in S3.
- beat: attempts past their deadline are finished and settled; scheduled results are released.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from config import get_settings
from domain.jobkinds import FINISH_EXPIRED_TASK, SCHEDULED_RELEASES_TASK
from jobs.attempts import answers, reports, results
from store import jobs, papers
from store.common import utcnow
from store.mongo import get_db
from tasks.celery_app import celery_app
from tasks.publish import submit
from tasks.runtime import JobContext, job_task

if TYPE_CHECKING:
    from pymongo.database import Database

log = logging.getLogger("assessment.tasks")


def answer_unscored(db: Database, job: dict[str, Any]) -> None:
    """An answer's scoring job ended without a score: the answer counts as not answered, with the
    reason, and its attempt does not wait for it.
    """
    params = job.get("params") or {}
    reason = (job.get("error") or {}).get("code") or job["state"]
    results.answer_unscored(db, params["attempt_id"], params["item_id"], str(job["_id"]), reason)


@job_task("answer_scoring", on_unfinished=answer_unscored, soft_time_limit=150, time_limit=180)
def score_answer(ctx: JobContext) -> dict[str, Any]:
    ctx.progress(0, 1)
    params = ctx.params
    grace = timedelta(seconds=get_settings().answer_grace_seconds)
    outcome = answers.score_answer(
        ctx.db, ctx.id, params["attempt_id"], params["item_id"], params["answer"], grace=grace
    )
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
        requester_id=ctx.job["owner_id"],
        file_format=params["format"],
        anonymised=params["anonymised"],
        key=get_settings().pseudonym_key,
        progress=ctx.progress,
    )


@celery_app.task(name=FINISH_EXPIRED_TASK, ignore_result=True)
def finish_expired_attempts() -> dict[str, int]:
    """Attempts past their deadline are finished on the server, whatever the browser does, and
    finished attempts left `scoring` by answers whose jobs ended without a score are settled.
    """
    db = get_db()
    settled = results.settle_stuck(db, utcnow())
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
    if finished or settled:
        log.info("attempts finished at deadline count=%d settled_stuck=%d", len(finished), settled)
    return {"finished": len(finished), "settled_stuck": settled}


@celery_app.task(name=SCHEDULED_RELEASES_TASK, ignore_result=True)
def release_scheduled_results() -> dict[str, int]:
    db = get_db()
    released = 0
    for test in papers.due_for_release(db, utcnow()):
        released += results.release_test(db, str(test["_id"]))["released"]
    return {"released": released}
