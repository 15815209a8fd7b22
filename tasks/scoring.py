"""Scoring jobs on the `scoring` queue: one answer in, a versioned, explained score out."""

from __future__ import annotations

from jobs.answer_scoring import rescore, score_answer
from tasks.runtime import JobContext, job_task


def _score(ctx: JobContext, kind: str) -> dict:
    ctx.progress(0, 1)
    params = ctx.params
    result = score_answer(ctx.db, ctx.id, kind, params["inputs"], params.get("refs") or {}, ctx.job["owner_id"])
    ctx.progress(1)
    return result


@job_task("spoken_score", soft_time_limit=120, time_limit=150)
def score_spoken(ctx: JobContext) -> dict:
    return _score(ctx, "spoken")


@job_task("written_score", soft_time_limit=60, time_limit=90)
def score_written(ctx: JobContext) -> dict:
    return _score(ctx, "written")


@job_task("rescore", soft_time_limit=3600, time_limit=3660)
def rescore_answers(ctx: JobContext) -> dict:
    params = ctx.params
    return rescore(
        ctx.db,
        attempt_id=params.get("attempt_id"),
        test_id=params.get("test_id"),
        force=params.get("force", False),
        progress=ctx.progress,
    )
