"""Job kinds used only by the tests (the test worker loads them with `-I`)."""

from __future__ import annotations

import os
import signal
import time

import botocore.exceptions

from domain import jobkinds
from domain.jobkinds import DEFAULT, JobKind
from tasks.runtime import JobContext, job_task
from workers.errors import WorkError

for _name, _function in (
    ("test_steps", "run_steps"),
    ("test_crash", "crash_process"),
    ("test_bad_input", "reject_input"),
    ("test_bug", "buggy"),
    ("test_s3_hiccup", "s3_hiccup_once"),
    ("test_leaky_bug", "leaky_bug"),
):
    jobkinds.register(JobKind(_name, DEFAULT, f"{__name__}.{_function}"))


@job_task("test_steps")
def run_steps(ctx: JobContext) -> dict:
    """Takes `steps` steps of `step_seconds`; records each execution and one effect per job."""
    steps = ctx.params.get("steps", 3)
    ctx.db.test_executions.insert_one({"job_id": ctx.id, "pid": os.getpid()})
    for step in range(steps):
        time.sleep(ctx.params.get("step_seconds", 0.2))
        ctx.progress(step + 1, steps)
    # The effect is keyed on the job: a re-run after a crash rewrites, never duplicates.
    ctx.db.test_effects.update_one({"_id": ctx.id}, {"$inc": {"applied": 0}, "$set": {"done": True}}, upsert=True)
    return {"steps": steps}


@job_task("test_crash")
def crash_process(ctx: JobContext) -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@job_task("test_bad_input")
def reject_input(ctx: JobContext) -> None:
    raise WorkError("bad_row", "Row 3 has no roll number.", {"row": 3, "column": "roll_number"})


@job_task("test_bug")
def buggy(ctx: JobContext) -> None:
    raise KeyError("unexpected")


@job_task("test_s3_hiccup")
def s3_hiccup_once(ctx: JobContext) -> dict:
    """S3 does not answer on the first delivery (as when an endpoint restarts); fine after."""
    if ctx.job["deliveries"] == 1:
        raise botocore.exceptions.EndpointConnectionError(endpoint_url="http://s3.invalid")
    return {"deliveries": ctx.job["deliveries"]}


# What a careless error message could hold: the error tracker must mask all of it.
LEAKS = {
    "email": "priya.sharma@example.edu",
    "mobile": "+919876543210",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlLXZhbHVl",
    "link": "https://app.example/invitations/accept?token=inv-secret-0123456789",
}


@job_task("test_leaky_bug")
def leaky_bug(ctx: JobContext) -> None:
    raise RuntimeError(f"crashed for {LEAKS['email']} {LEAKS['mobile']} {LEAKS['jwt']} {LEAKS['link']}")
