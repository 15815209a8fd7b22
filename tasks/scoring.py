"""Scoring jobs on the `scoring` queue: one answer in, a versioned, explained score out."""
from __future__ import annotations

from store import files
from tasks.runtime import JobContext, job_task
from workers.scoring import score_spoken_answer
from workers.writing import score_written_answer


@job_task("spoken_score", queue="scoring", soft_time_limit=120, time_limit=150)
def score_spoken(ctx: JobContext) -> dict:
    params = ctx.params
    ctx.progress(0, 1)
    audio = files.read_all(params["audio_key"])
    result = score_spoken_answer(audio, params["expected_text"], params["item_type"],
                                 params.get("accepted_answers") or None)
    ctx.progress(1)
    return result


@job_task("written_score", queue="scoring", soft_time_limit=60, time_limit=90)
def score_written(ctx: JobContext) -> dict:
    params = ctx.params
    ctx.progress(0, 1)
    result = score_written_answer(params["item_type"], params["answer"], params["item"],
                                  **(params.get("context") or {}))
    ctx.progress(1)
    return result
