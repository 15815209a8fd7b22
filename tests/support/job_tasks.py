"""Job kinds used only by the tests (the test worker loads them with `-I`)."""
from __future__ import annotations

import os
import signal
import time

from tasks.runtime import JobContext, job_task
from workers.errors import WorkError


@job_task("test_steps", queue="default")
def run_steps(ctx: JobContext) -> dict:
    """Takes `steps` steps of `step_seconds`; records each execution and one effect per job."""
    steps = ctx.params.get("steps", 3)
    ctx.db.test_executions.insert_one({"job_id": ctx.id, "pid": os.getpid()})
    for step in range(steps):
        time.sleep(ctx.params.get("step_seconds", 0.2))
        ctx.progress(step + 1, steps)
    # The effect is keyed on the job: a re-run after a crash rewrites, never duplicates.
    ctx.db.test_effects.update_one({"_id": ctx.id}, {"$inc": {"applied": 0}, "$set": {"done": True}},
                                   upsert=True)
    return {"steps": steps}


@job_task("test_crash", queue="default")
def crash_process(ctx: JobContext) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@job_task("test_bad_input", queue="default")
def reject_input(ctx: JobContext) -> None:
    raise WorkError("bad_row", "Row 3 has no roll number.", {"row": 3, "column": "roll_number"})


@job_task("test_bug", queue="default")
def buggy(ctx: JobContext) -> None:
    raise KeyError("unexpected")
