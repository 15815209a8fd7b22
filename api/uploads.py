"""File uploads: stage the bytes in S3 and hand the checking and filing to a worker."""
from __future__ import annotations

from bson import ObjectId
from flask import request
from flask_smorest import Blueprint

from api.access import login_required, user_id
from api.errors import ApiError
from api.jobs import job_response
from config import get_settings
from schemas.common import ErrorSchema
from schemas.jobs import JobSchema
from schemas.uploads import UploadFormSchema
from store import files, jobs
from store.mongo import get_db
from tasks.runtime import submit
from workers.filetypes import SNIFF_BYTES, sniff

blp = Blueprint("uploads", __name__, url_prefix="/api/v1/uploads", description="File uploads")


def staged_upload_size(stream) -> int:
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    return size


@blp.route("", methods=["POST"])
@login_required()
@blp.arguments(UploadFormSchema, location="files")
@blp.response(202, JobSchema, description="The upload job; poll its Location")
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
def create_upload(form: dict):
    settings = get_settings()
    upload = form["file"]
    size = staged_upload_size(upload.stream)
    if size == 0:
        raise ApiError(400, "empty_file", "The file is empty.", {"file": ["The file is empty."]})
    if size > settings.upload_max_bytes:
        raise ApiError(413, "payload_too_large", f"Files may be at most {settings.upload_max_bytes} bytes.")
    content_type = sniff(upload.stream.read(SNIFF_BYTES), upload.filename)
    upload.stream.seek(0)
    if content_type not in settings.allowed_upload_types:
        raise ApiError(415, "unsupported_media_type", f"Files of type {content_type} are not accepted.",
                       {"content_type": content_type})
    job_id = ObjectId()
    files.put_stream(files.staging_key(str(job_id)), upload.stream)
    job = submit(get_db(), jobs.NewJob(
        kind="upload", owner_id=user_id(), queue="default", total=1, job_id=job_id,
        params={"filename": files.safe_filename(upload.filename), "size": size}))
    return job_response(job, 202)


def _require_multipart() -> None:
    if request.method == "POST" and not request.mimetype.startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type", "Send the file as multipart/form-data.")


blp.before_request(_require_multipart)
