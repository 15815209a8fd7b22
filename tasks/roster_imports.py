"""Roster import jobs on the `imports` queue; the engine is jobs/roster/importer.py."""

from __future__ import annotations

from config import get_settings
from jobs.roster.importer import options_from, run_import
from tasks.audit import audited_import
from tasks.runtime import JobContext, job_task


@job_task("roster_import")
def import_roster(ctx: JobContext) -> dict:
    settings = get_settings()
    return audited_import(
        ctx, "roster_import", lambda: run_import(ctx.db, ctx.params["import_id"], options_from(settings), ctx.progress)
    )
