"""File uploads: stage the bytes in S3 and hand the checking and filing to a worker."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId

from api.access import authenticated, user_id
from api.auditing import audit_event
from api.blueprint import Blueprint
from api.http import UploadRule, require_multipart, stage_upload
from api.jobs import job_response
from api.quotas import quota
from config import get_settings
from schemas.common import ErrorSchema
from schemas.jobs import JobSchema
from schemas.uploads import UploadFormSchema
from store import files, jobs
from store.mongo import get_db
from tasks.publish import submit

if TYPE_CHECKING:
    from flask import Response

blp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads", description="File uploads")


@blp.route("", methods=["POST"])
@authenticated
@quota("uploads")
@require_multipart
@blp.arguments(UploadFormSchema, location="multipart")
@blp.response(202, JobSchema, description="The upload job; poll its Location")
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def create_upload(form: dict) -> Response:
    """Upload a file; a job checks it and keeps it in S3."""
    settings = get_settings()
    upload = form["file"]
    job_id = ObjectId()
    rule = UploadRule("file", "file", settings.upload_max_bytes, settings.allowed_upload_types)
    staged = stage_upload(upload, rule, files.staging_key(str(job_id)))
    size, content_type = staged.size, staged.content_type
    job = submit(
        get_db(),
        jobs.NewJob(
            kind="upload",
            owner_id=user_id(),
            total=1,
            job_id=job_id,
            params={"filename": files.safe_filename(upload.filename), "size": size},
        ),
    )
    details = {"filename": job["params"]["filename"], "size": size, "content_type": content_type}
    audit_event("upload.created", target_type="job", target_id=str(job_id), details=details)
    return job_response(job, 202)
