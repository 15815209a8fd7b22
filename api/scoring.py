"""Score one answer as a job: for content managers checking items, and the path answers take."""
from __future__ import annotations

from bson import ObjectId
from flask_smorest import Blueprint

from api.access import ADMIN_ROLES, login_required, user_id
from api.errors import ApiError
from api.jobs import job_response
from api.uploads import staged_upload_size
from config import get_settings
from schemas.common import ErrorSchema
from schemas.jobs import JobSchema
from schemas.scoring import SpokenAudioSchema, SpokenScoreFormSchema, WrittenScoreSchema
from store import files, jobs
from store.mongo import get_db
from tasks.runtime import submit

blp = Blueprint("scoring", __name__, url_prefix="/api/v1/scoring", description="Automatic scoring jobs")


@blp.route("/spoken", methods=["POST"])
@login_required(*ADMIN_ROLES)
@blp.arguments(SpokenAudioSchema, location="files")
@blp.arguments(SpokenScoreFormSchema, location="form")
@blp.response(202, JobSchema, description="A spoken_score job; its result is the score")
@blp.alt_response(413, schema=ErrorSchema)
def score_spoken(upload: dict, form: dict):
    audio = upload["audio"]
    size = staged_upload_size(audio.stream)
    if size == 0:
        raise ApiError(400, "empty_file", "The audio file is empty.", {"audio": ["The file is empty."]})
    if size > get_settings().upload_max_bytes:
        raise ApiError(413, "payload_too_large", "The audio file is too large.")
    job_id = ObjectId()
    key = f"scoring/{job_id}/answer"
    files.put_stream(key, audio.stream)
    job = submit(get_db(), jobs.NewJob(
        kind="spoken_score", owner_id=user_id(), queue="scoring", total=1, job_id=job_id,
        params={"audio_key": key, "expected_text": form["text"], "item_type": form["item_type"],
                "accepted_answers": form["accepted_answers"]}))
    return job_response(job, 202)


@blp.route("/written", methods=["POST"])
@login_required(*ADMIN_ROLES)
@blp.arguments(WrittenScoreSchema)
@blp.response(202, JobSchema, description="A written_score job; its result is the score")
def score_written(body: dict):
    job = submit(get_db(), jobs.NewJob(kind="written_score", owner_id=user_id(), queue="scoring",
                                       total=1, params=body))
    return job_response(job, 202)
