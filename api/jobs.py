"""The jobs resource: poll, list, cancel. Every asynchronous operation is a job."""

from __future__ import annotations

from flask import Response, jsonify, request
from flask_jwt_extended import current_user

from api.access import authenticated, not_found, scope, user_id
from api.auditing import audit_event
from api.blueprint import Blueprint
from api.errors import ApiError
from domain.access import may_act_on_job
from domain.results import job_result_visible
from schemas.common import ErrorSchema
from schemas.jobs import JobListArgsSchema, JobListSchema, JobSchema
from store import files, jobs
from store.mongo import get_db

blp = Blueprint("jobs", __name__, url_prefix="/api/v1/jobs", description="Asynchronous work and its progress")
POLL_SECONDS = "2"


def job_body(job: dict) -> dict:
    """The job as clients see it; a result that names an S3 key gets a fresh presigned URL. Whether
    the caller may see the result at all is domain.results' rule (job_result_visible).
    """
    body: dict = JobSchema().dump(job)
    if not job_result_visible(current_user, job):
        body["result"] = None
    result = body.get("result")
    if isinstance(result, dict) and result.get("key"):
        result["download_url"] = files.presigned_get(result["key"])
    return body


def etag_of(job: dict) -> str:
    return f"{job['_id']}-{job['rev']}"


def job_response(job: dict, status: int = 200) -> Response:
    headers = {"ETag": f'"{etag_of(job)}"'}
    if job["state"] in ("queued", "running"):
        headers["Retry-After"] = POLL_SECONDS
    if status == 202:  # noqa: PLR2004 - HTTP status
        headers["Location"] = f"/api/v1/jobs/{job['_id']}"
    response = jsonify(job_body(job))
    response.status_code = status
    response.headers.update(headers)
    return response


def visible_job(job_id: str, action: str = "read") -> dict:
    """The job if the caller owns it, or it lies in their scope and their permissions cover its kind:
    404 otherwise; 403 when they may read it but not act on it.
    """
    job = jobs.get(get_db(), job_id, scope("jobs"))
    if job is None or not may_act_on_job(current_user, job, "read"):
        raise not_found("job")
    if action == "write" and not may_act_on_job(current_user, job, "write"):
        raise ApiError(403, "forbidden", f"Your role may not cancel {job['kind']} jobs.")
    return job


@blp.route("/<id:job_id>", methods=["GET"])
@authenticated
@blp.response(200, JobSchema)
@blp.alt_response(304, description="Not modified since the ETag given in If-None-Match")
@blp.alt_response(404, schema=ErrorSchema)
def get_job(job_id: str) -> Response | tuple:
    """A job's state, progress and result (poll it; ETag and Retry-After)."""
    job = visible_job(job_id)
    if request.if_none_match.contains(etag_of(job)):
        return "", 304, {"ETag": f'"{etag_of(job)}"'}
    return job_response(job)


@blp.route("", methods=["GET"])
@authenticated
@blp.arguments(JobListArgsSchema, location="query")
@blp.response(200, JobListSchema)
def list_jobs(args: dict) -> Response:
    """The caller's own jobs, newest first."""
    query: dict = {"owner_id": user_id()}
    for field in ("state", "kind"):
        if args.get(field):
            query[field] = args[field]
    page = jobs.list_for(get_db(), query, args["page"], args["per_page"])
    return jsonify({**page.as_dict(), "items": [job_body(job) for job in page.items]})


@blp.route("/<id:job_id>/cancel", methods=["POST"])
@authenticated
@blp.response(200, JobSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def cancel_job(job_id: str) -> Response:
    """Cancel a job: at once while queued, at its next step while running."""
    job = visible_job(job_id, "write")
    if job["state"] in jobs.TERMINAL:
        raise ApiError(409, "job_finished", f"The job has already {job['state']}.")
    cancelled = jobs.request_cancel(get_db(), job["_id"])
    if cancelled is None:  # removed in between
        raise not_found("job")
    audit_event("job.cancel", target_type="job", target_id=str(job["_id"]), details={"kind": job["kind"]})
    return job_response(cancelled)
