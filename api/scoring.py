"""Score answers as jobs, and re-score an attempt or a test under the current versions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId

from api.access import rule, user_id
from api.blueprint import Blueprint
from api.http import checked_size
from api.jobs import job_response
from api.quotas import quota
from config import get_settings
from schemas.common import ErrorSchema
from schemas.jobs import JobSchema
from schemas.scoring import RescoreSchema, SpokenScoreFormSchema, WrittenScoreSchema
from store import files, jobs, scores
from store.mongo import get_db
from tasks.publish import submit

if TYPE_CHECKING:
    from flask import Response

blp = Blueprint("scoring", __name__, url_prefix="/api/v1/scoring", description="Automatic scoring jobs")


def _refs(body: dict) -> dict:
    return {name: body.pop(name) for name in scores.REF_FIELDS if name in body}


@blp.route("/spoken", methods=["POST"])
@rule("items", "write")
@quota("scoring")
@blp.arguments(SpokenScoreFormSchema, location="multipart")
@blp.response(202, JobSchema, description="A spoken_score job; its result is the score")
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def score_spoken(form: dict) -> Response:
    audio = form["audio"]
    checked_size(audio.stream, get_settings().upload_max_bytes, "audio", "audio file")
    job_id = ObjectId()
    key = scores.audio_key(str(job_id))
    files.put_stream(key, audio.stream)
    refs = _refs(form)
    inputs = {
        "audio_key": key,
        "expected_text": form["text"],
        "item_type": form["item_type"],
        "accepted_answers": form["accepted_answers"],
    }
    job = submit(
        get_db(),
        jobs.NewJob(
            kind="spoken_score", owner_id=user_id(), total=1, job_id=job_id, params={"inputs": inputs, "refs": refs}
        ),
    )
    return job_response(job, 202)


@blp.route("/written", methods=["POST"])
@rule("items", "write")
@quota("scoring")
@blp.arguments(WrittenScoreSchema)
@blp.response(202, JobSchema, description="A written_score job; its result is the score")
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def score_written(body: dict) -> Response:
    refs = _refs(body)
    job = submit(
        get_db(), jobs.NewJob(kind="written_score", owner_id=user_id(), total=1, params={"inputs": body, "refs": refs})
    )
    return job_response(job, 202)


@blp.route("/rescore", methods=["POST"])
@rule("results", "write")
@quota("rescore")
@blp.arguments(RescoreSchema)
@blp.response(202, JobSchema, description="A rescore job; its result counts what changed")
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def rescore(body: dict) -> Response:
    job = submit(get_db(), jobs.NewJob(kind="rescore", owner_id=user_id(), params=body))
    return job_response(job, 202)
