"""The audit trail, for superadmins: list it, or export it as CSV through a job. Append-only
from here: there is no endpoint that changes or deletes a record.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from api.access import only, user_id
from api.auditing import audit_event
from api.blueprint import Blueprint
from api.jobs import job_response
from api.quotas import quota
from schemas.common import ErrorSchema
from schemas.identity import AuditExportSchema, AuditListArgsSchema, AuditListSchema
from schemas.jobs import JobSchema
from store import audit, jobs
from store.mongo import get_db
from tasks.publish import submit

if TYPE_CHECKING:
    from flask import Response

blp = Blueprint("audit", __name__, url_prefix="/api/v1/audit", description="Audit trail")
FILTERS = ("actor_id", "action", "target_type", "target_id", "since", "until")


@blp.route("", methods=["GET"])
@only("superadmin")
@blp.arguments(AuditListArgsSchema, location="query")
@blp.response(200, AuditListSchema)
def list_audit(args: dict) -> dict:
    """Newest first. `action` is exact, or a prefix when it ends in "." ("auth." for every sign-in event)."""
    query = audit.filter_for(**{name: args[name] for name in FILTERS if name in args})
    return audit.find_page(get_db(), query, args["page"], args["per_page"]).as_dict()


@blp.route("/exports", methods=["POST"])
@only("superadmin")
@quota("exports")
@blp.arguments(AuditExportSchema)
@blp.response(202, JobSchema, description="An audit_export job; its result has a download_url (CSV)")
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def export_audit(body: dict) -> Response:
    """Export the audit trail as CSV, as a job."""
    filters = {name: body[name] for name in FILTERS if name in body}
    job = submit(get_db(), jobs.NewJob(kind="audit_export", owner_id=user_id(), params={"filters": filters}))
    audit_event("audit.export_requested", target_type="job", target_id=str(job["_id"]), details=filters)
    return job_response(job, 202)
