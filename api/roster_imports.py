"""Roster imports: upload a CSV/XLSX of students into a batch; a worker validates and writes them.

The view checks only what it must (caller, batch, multipart, size), keeps the original file in S3
with an import record, and answers 202 with the job. Everything about the file's content is the
worker's business (workers/roster/importer.py).
"""
from __future__ import annotations

from functools import wraps
from typing import Callable

from bson import ObjectId
from flask import Response, request
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from api.access import user_id
from api.errors import ApiError
from api.jobs import job_response
from api.org import find_visible
from api.policy import not_found, rule, within_scope
from api.uploads import staged_upload_size
from config import get_settings
from schemas.common import ErrorSchema, PageArgsSchema
from schemas.jobs import JobSchema
from schemas.roster_imports import (RosterErrorListSchema, RosterImportFileSchema, RosterImportListSchema,
                                    RosterImportOptionsSchema, RosterImportSchema)
from store import batches, courses, files, jobs, roster_imports
from store.mongo import get_db
from tasks.imports import QUEUE
from tasks.runtime import submit
from workers.roster import errors_to_csv

blp = Blueprint("roster_imports", __name__, url_prefix="/api/v1", description="Roster bulk imports")
MODULE = "students"


def require_multipart(view: Callable) -> Callable:
    """415 for a body that is not multipart/form-data (checked after the access rule)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not request.mimetype.startswith("multipart/form-data"):
            raise ApiError(415, "unsupported_media_type", "Send the roster as multipart/form-data with a `file`.")
        return view(*args, **kwargs)
    return wrapper


@blp.route("/batches/<batch_id>/roster-imports", methods=["POST"])
@rule(MODULE, "write")
@require_multipart
@blp.arguments(RosterImportFileSchema, location="files")
@blp.arguments(RosterImportOptionsSchema, location="form")
@blp.response(202, JobSchema, description="The roster_import job; poll its Location")
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
def create_roster_import(upload: dict, options: dict, batch_id: str):
    """Import students from a .csv or .xlsx; the job's result counts created, updated, skipped and failed rows."""
    batch = find_visible(batches.COLLECTION, "batches", batch_id, "batch")
    course_ids = _courses_caller_may_use(batch)
    stream = upload["file"]
    size = _checked_size(stream)
    import_id, job_id = ObjectId(), ObjectId()
    filename = files.safe_filename(stream.filename)
    key = roster_imports.file_key(batch_id, str(import_id), filename)
    files.put_stream(key, stream.stream)
    db = get_db()
    roster_imports.create(db, roster_imports.NewImport(
        import_id=import_id, job_id=job_id, batch_id=batch_id, campus_id=batch["campus_id"], owner_id=user_id(),
        course_ids=course_ids, file_key=key, filename=filename, size=size, **options))
    job = submit(db, jobs.NewJob(kind="roster_import", owner_id=user_id(), queue=QUEUE, job_id=job_id,
                                 params={"import_id": str(import_id)},
                                 scope={"campus_id": batch["campus_id"], "batch_id": batch_id}))
    return job_response(job, 202)


def _courses_caller_may_use(batch: dict) -> list[str]:
    """The batch's courses inside the caller's scope (a course admin places students only in theirs)."""
    wanted = [ObjectId(course_id) for course_id in batch["course_ids"]]
    query = within_scope(current_user, "courses", {"_id": {"$in": wanted}})
    return sorted(str(doc["_id"]) for doc in get_db()[courses.COLLECTION].find(query, {"_id": 1}))


def _checked_size(upload) -> int:
    size = staged_upload_size(upload.stream)
    if size == 0:
        raise ApiError(400, "empty_file", "The file is empty.", {"file": ["The file is empty."]})
    limit = get_settings().roster_max_bytes
    if size > limit:
        raise ApiError(413, "payload_too_large", f"A roster file may be at most {limit} bytes.",
                       {"file": [f"The file has {size} bytes; the limit is {limit}."]})
    return size


@blp.route("/batches/<batch_id>/roster-imports", methods=["GET"])
@rule(MODULE, "read")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, RosterImportListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def list_roster_imports(args: dict, batch_id: str):
    """Past imports of the batch, newest first, with their state and counts."""
    find_visible(batches.COLLECTION, "batches", batch_id, "batch")
    records, total = roster_imports.list_for_batch(get_db(), batch_id, args["page"], args["per_page"])
    return {"items": _with_job_state(records), "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/roster-imports/<import_id>", methods=["GET"])
@rule(MODULE, "read")
@blp.response(200, RosterImportSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_roster_import(import_id: str):
    return _with_job_state([_visible_import(import_id)])[0]


@blp.route("/roster-imports/<import_id>/errors", methods=["GET"])
@rule(MODULE, "read")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, RosterErrorListSchema)
@blp.alt_response(404, schema=ErrorSchema)
def list_roster_import_errors(args: dict, import_id: str):
    """Row errors in row order: row, column (as labelled in the file), value, message."""
    record = _visible_import(import_id)
    items, total = roster_imports.error_page(get_db(), record["_id"], args["page"], args["per_page"])
    return {"items": items, "total": total, "page": args["page"], "per_page": args["per_page"]}


@blp.route("/roster-imports/<import_id>/errors.csv", methods=["GET"])
@rule(MODULE, "read")
@blp.response(200, description="text/csv (UTF-8 with BOM); cells that could run as formulas are neutralised")
@blp.alt_response(404, schema=ErrorSchema)
def roster_import_errors_csv(import_id: str):
    record = _visible_import(import_id)
    body = errors_to_csv(roster_imports.iter_errors(get_db(), record["_id"]))
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="roster-import-{record["_id"]}-errors.csv"'})


def _visible_import(import_id: str) -> dict:
    """The import if the caller may see its batch; 404 otherwise, as for the batch."""
    record = roster_imports.get(get_db(), import_id)
    if record is None:
        raise not_found("roster import")
    try:
        find_visible(batches.COLLECTION, "batches", record["batch_id"], "batch")
    except ApiError:
        raise not_found("roster import") from None
    return record


def _with_job_state(records: list[dict]) -> list[dict]:
    job_ids = [record["job_id"] for record in records]
    by_id = {job["_id"]: job for job in get_db()[jobs.COLLECTION].find(
        {"_id": {"$in": job_ids}}, {"state": 1, "error": 1})}
    return [{**record, "state": (by_id.get(record["job_id"]) or {}).get("state"),
             "error": (by_id.get(record["job_id"]) or {}).get("error"),
             "errors_url": f"/api/v1/roster-imports/{record['_id']}/errors"} for record in records]
