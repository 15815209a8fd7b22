"""Audit tasks (thin: the engine is jobs/audit_export.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobs.audit_export import export_audit as write_export
from services import audit as audit_service
from store import audit
from store.common import as_utc
from tasks.runtime import JobContext, job_task
from workers.errors import WorkError

if TYPE_CHECKING:
    from collections.abc import Callable

# What an import's audit record keeps of its result (counts, not rows).
OUTCOME_FIELDS = ("rows", "created", "updated", "skipped", "failed", "dry_run", "invited")


@job_task("audit_export", soft_time_limit=600, time_limit=660)
def export_audit(ctx: JobContext) -> dict[str, Any]:
    filters = dict(ctx.params.get("filters") or {})
    for moment in ("since", "until"):
        if filters.get(moment) is not None:
            filters[moment] = as_utc(filters[moment])
    return write_export(ctx.db, audit.filter_for(**filters), str(ctx.id), progress=ctx.progress)


def audited_import(ctx: JobContext, what: str, run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a bulk import and append `<what>.finished` (its counts) or `<what>.failed` (the reason)."""
    import_id = str(ctx.params["import_id"])
    owner = {"owner_id": str(ctx.job["owner_id"])}
    try:
        result = run()
    except WorkError as error:
        details = {**owner, "code": error.code, "message": error.message}
        audit_service.record(ctx.db, f"{what}.failed", target_type=what, target_id=import_id, details=details)
        raise
    counts = {name: result[name] for name in OUTCOME_FIELDS if name in result}
    audit_service.record(ctx.db, f"{what}.finished", target_type=what, target_id=import_id, details={**owner, **counts})
    return result
