"""Item imports: upload a CSV/XLSX of items into the bank; a worker checks each row and creates them.

The view checks only what it must (caller, campus, multipart, size), keeps the original file in S3
with an import record, and answers 202 with the job. Everything about the file's content is the
worker's business (jobs/items/importer.py; the columns are in docs/item-imports.md).

Where the items go follows the items API (api/assessment/items.py): superadmins and
sub-superadmins import into the shared bank (campus_id omitted or empty) or into a campus they
name; a campus admin's items go to their own campus, and naming another campus or asking for the
shared bank explicitly (campus_id empty) is refused with 422.

An import is visible to those who may change the items it writes (the items write scope): its
row errors quote the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId
from flask_jwt_extended import current_user

from api.access import invalid, not_found, rule, user_id, within_scope
from api.auditing import audit_event
from api.blueprint import Blueprint
from api.http import UploadRule, link_on, require_multipart, stage_upload
from api.imports import ImportKind, add_record_routes
from api.jobs import job_response
from api.org.campuses import CAMPUSES
from api.quotas import quota
from config import get_settings
from domain.access import UNSCOPED_ROLES
from schemas.common import ErrorSchema
from schemas.item_imports import (
    SHARED_BANK,
    ItemImportFormSchema,
    ItemImportSchema,
)
from schemas.jobs import JobSchema
from store import files, item_imports, jobs
from store.mongo import get_db
from tasks.publish import submit

if TYPE_CHECKING:
    from flask import Response

blp = Blueprint("item_imports", __name__, url_prefix="/api/v1", description="Item bank bulk imports")
MODULE = "items"
OWN_CAMPUS_ONLY = "You may import items into your own campus only."


@blp.route("/item-imports", methods=["POST"])
@rule(MODULE, "write")
@quota("uploads")
@require_multipart
@blp.arguments(ItemImportFormSchema, location="multipart")
@blp.response(202, JobSchema, description="The item_import job; poll its Location. Its id is the import's id.")
@blp.doc(**link_on(202, "ItemImport", "/api/v1/item-imports/{import_id}", "import_id"))
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def create_item_import(options: dict) -> Response:
    """Import items from a .csv or .xlsx; the job's result counts rows, created and failed rows and errors."""
    campus_id = _campus_for_imported_items(options["campus_id"])
    stream = options.pop("file")
    import_id = job_id = ObjectId()  # one id: the 202's job id is the import's (its declared link)
    filename = files.safe_filename(stream.filename)
    rule = UploadRule("file", "item file", get_settings().roster_max_bytes)  # its type: the worker's to judge
    staged = stage_upload(stream, rule, item_imports.file_key(str(import_id), filename))
    key, size = staged.key, staged.size
    db = get_db()
    item_imports.create(
        db,
        item_imports.NewImport(
            import_id=import_id,
            job_id=job_id,
            campus_id=campus_id,
            owner_id=user_id(),
            file_key=key,
            filename=filename,
            size=size,
            dry_run=options["dry_run"],
            sheet=options["sheet"],
        ),
    )
    job = submit(
        db,
        jobs.NewJob(
            kind="item_import",
            owner_id=user_id(),
            job_id=job_id,
            params={"import_id": str(import_id)},
            scope={"campus_id": campus_id} if campus_id else None,
        ),
    )
    details = {"filename": filename, "size": size, "dry_run": options["dry_run"], "campus_id": campus_id}
    audit_event("item_import.created", target_type="item_import", target_id=str(import_id), details=details)
    return job_response(job, 202)


def _campus_for_imported_items(requested: str | None) -> str | None:
    """The campus the items go to (None: the shared bank), by the items API's rule for one new item."""
    if current_user["role"] not in UNSCOPED_ROLES:
        own: str | None = current_user.get("campus_id")
        if not own or requested == SHARED_BANK or requested not in (None, own):
            raise invalid({"campus_id": [OWN_CAMPUS_ONLY]})
        return own
    if not requested:
        return None
    CAMPUSES.reference(requested, "campus_id")
    return requested


def _visible_import(import_id: str) -> dict:
    """The import if the caller may change the items it writes; 404 otherwise."""
    record = item_imports.get(get_db(), import_id, within_scope(MODULE, {}, "write"))
    if record is None:
        raise not_found("item import")
    return record


add_record_routes(
    blp, ImportKind("item import", "/item-imports", MODULE, ItemImportSchema, item_imports.outcome, _visible_import)
)
