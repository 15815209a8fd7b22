"""Roster imports: upload a CSV/XLSX of students into a batch; a worker validates and writes them.

The view checks only what it must (caller, batch, multipart, size), keeps the original file in S3
with an import record, and answers 202 with the job. Everything about the file's content is the
worker's business (jobs/roster/importer.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId

from api.access import not_found, rule, user_id, within_scope
from api.auditing import audit_event
from api.blueprint import Blueprint
from api.errors import ApiError
from api.http import UploadRule, link_on, require_multipart, stage_upload
from api.imports import ImportKind, add_record_routes, with_job_state
from api.jobs import job_response
from api.org.batches import BATCHES
from api.quotas import quota
from config import get_settings
from schemas.common import ErrorSchema, PageArgsSchema
from schemas.jobs import JobSchema
from schemas.roster_imports import (
    RosterImportFormSchema,
    RosterImportListSchema,
    RosterImportSchema,
)
from store import courses, files, jobs, roster_imports
from store.mongo import get_db
from tasks.publish import submit

if TYPE_CHECKING:
    from flask import Response

blp = Blueprint("roster_imports", __name__, url_prefix="/api/v1", description="Roster bulk imports")
MODULE = "students"

IMPORTS_PATH = "/api/v1/roster-imports"  # the records' own URLs (errors_url)


@blp.route("/batches/<id:batch_id>/roster-imports", methods=["POST"])
@rule(MODULE, "write")
@quota("uploads")
@require_multipart
@blp.arguments(RosterImportFormSchema, location="multipart")
@blp.response(202, JobSchema, description="The roster_import job; poll its Location. Its id is the import's id.")
@blp.doc(**link_on(202, "RosterImport", "/api/v1/roster-imports/{import_id}", "import_id"))
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def create_roster_import(options: dict, batch_id: str) -> Response:
    """Import students from a .csv or .xlsx; the job's result counts created, updated, skipped and failed rows."""
    batch = BATCHES.get(batch_id)
    course_ids = _courses_caller_may_use(batch)
    if not course_ids:
        raise ApiError(403, "no_courses", "You may not place students in any course of this batch.")
    stream = options.pop("file")
    import_id = job_id = ObjectId()  # one id: the 202's job id is the import's (its declared link)
    filename = files.safe_filename(stream.filename)
    rule = UploadRule("file", "roster file", get_settings().roster_max_bytes)  # its type: the worker's to judge
    staged = stage_upload(stream, rule, roster_imports.file_key(batch_id, str(import_id), filename))
    key, size = staged.key, staged.size
    db = get_db()
    roster_imports.create(
        db,
        roster_imports.NewImport(
            import_id=import_id,
            job_id=job_id,
            batch_id=batch_id,
            campus_id=batch["campus_id"],
            owner_id=user_id(),
            course_ids=course_ids,
            file_key=key,
            filename=filename,
            size=size,
            **options,
        ),
    )
    job = submit(
        db,
        jobs.NewJob(
            kind="roster_import",
            owner_id=user_id(),
            job_id=job_id,
            params={"import_id": str(import_id)},
            scope={"campus_id": batch["campus_id"], "batch_id": batch_id},
        ),
    )
    details = {"batch_id": batch_id, "filename": filename, "size": size, **options}
    audit_event("roster_import.created", target_type="roster_import", target_id=str(import_id), details=details)
    return job_response(job, 202)


def _courses_caller_may_use(batch: dict) -> list[str]:
    """The batch's courses inside the caller's scope (a course admin places students only in theirs)."""
    query = within_scope("courses", courses.id_filter(batch["course_ids"]))
    return sorted(courses.records.ids(get_db(), query))


@blp.route("/batches/<id:batch_id>/roster-imports", methods=["GET"])
@rule(MODULE, "read")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, RosterImportListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def list_roster_imports(args: dict, batch_id: str) -> dict:
    """Past imports of the batch, newest first, with their state and counts."""
    BATCHES.get(batch_id)
    page = roster_imports.list_for_batch(get_db(), batch_id, args["page"], args["per_page"])
    return {**page.as_dict(), "items": with_job_state(page.items, IMPORTS_PATH)}


def _visible_import(import_id: str) -> dict:
    """The import if the caller may see its batch; 404 otherwise, as for the batch."""
    record = roster_imports.get(get_db(), import_id)
    if record is None:
        raise not_found("roster import")
    try:
        BATCHES.get(record["batch_id"])
    except ApiError:
        raise not_found("roster import") from None
    return record


add_record_routes(
    blp,
    ImportKind("roster import", "/roster-imports", MODULE, RosterImportSchema, roster_imports.outcome, _visible_import),
)
