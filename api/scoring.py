"""Score answers as jobs, and re-score an attempt or a test under the current versions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bson import ObjectId
from flask import request

from api.access import referenced, rule, user_id
from api.blueprint import Blueprint
from api.http import spoken_audio_rule, stage_upload
from api.jobs import job_response
from api.quotas import quota
from schemas.common import ErrorSchema
from schemas.jobs import JobSchema
from schemas.scoring import RescoreSchema, SpokenScoreFormSchema, WrittenScoreSchema
from store import attempts, items, jobs, papers, scores
from store.mongo import get_db
from tasks.publish import submit

if TYPE_CHECKING:
    from flask import Response

blp = Blueprint("scoring", __name__, url_prefix="/api/v1/scoring", description="Automatic scoring jobs")


# What each optional reference of a score names: (the records, the policy's kind, what to call it).
_REFERENCED = {
    "attempt_id": (attempts.records, "attempts", "attempt"),
    "test_id": (papers.records, "tests", "test"),
    "item_id": (items.records, "items", "item"),
}


def _refs(body: dict) -> dict:
    """The score's references to an attempt, test or item, each one the caller may see (422 on the
    field otherwise): a score must not be filed under someone else's assessment.
    """
    refs = {name: body.pop(name) for name in scores.REF_FIELDS if name in body}
    for name, value in refs.items():
        records, kind, what = _REFERENCED[name]
        referenced(records, kind, value, name, what)
    return refs


@blp.route("/spoken", methods=["POST"])
@rule("items", "write")
@quota("scoring")
@blp.arguments(SpokenScoreFormSchema, location="multipart")
@blp.response(202, JobSchema, description="A spoken_score job; its result is the score")
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def score_spoken(form: dict) -> Response:
    """Score a spoken answer (multipart audio) against its expected text, as a job."""
    refs = _refs(form)
    job_id = ObjectId()
    key = stage_upload(form["audio"], spoken_audio_rule("audio file"), scores.audio_key(str(job_id))).key
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
    """Score a written answer against its item definition, as a job."""
    refs = _refs(body)
    job = submit(
        get_db(), jobs.NewJob(kind="written_score", owner_id=user_id(), total=1, params={"inputs": body, "refs": refs})
    )
    return job_response(job, 202)


def _rescore_key(body: dict) -> str:
    target = f"attempt:{body['attempt_id']}" if body.get("attempt_id") else f"test:{body.get('test_id')}"
    return f"rescore:{target}:force={bool(body.get('force'))}"


def _rescore_cost() -> int:
    """Answers the re-score will look at: the quota counts work, not requests. A request that
    joins an identical queued or running re-score costs nothing.
    """
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("attempt_id") or body.get("test_id"), str):
        return 1  # refused by the schema next
    if jobs.active_for(get_db(), _rescore_key(body)) is not None:
        return 0
    return max(1, scores.count_matching(get_db(), attempt_id=body.get("attempt_id"), test_id=body.get("test_id")))


@blp.route("/rescore", methods=["POST"])
@rule("results", "write")
@quota("rescore", cost=_rescore_cost)
@blp.arguments(RescoreSchema)
@blp.response(202, JobSchema, description="A rescore job; its result counts what changed")
@blp.alt_response(422, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota (answers re-scored); see Retry-After")
def rescore(body: dict) -> Response:
    """Re-score an attempt's or a test's stored answers under the current scoring versions. A
    request identical to a re-score that is queued or running answers that job (coalesced). The
    quota (QUOTA_RESCORE) counts the answers to re-score, not the requests.
    """
    target = _rescore_target(body)
    job = submit(
        get_db(),
        jobs.NewJob(
            kind="rescore",
            owner_id=user_id(),
            params=body,
            scope={"campus_id": target.get("campus_id")},
            coalesce_key=_rescore_key(body),
        ),
    )
    return job_response(job, 202)


def _rescore_target(body: dict) -> dict:
    """The attempt or test to re-score, if the caller may see it (422 on the field otherwise)."""
    if body.get("attempt_id"):
        return referenced(attempts.records, "attempts", body["attempt_id"], "attempt_id", "attempt")
    return referenced(papers.records, "tests", body["test_id"], "test_id", "test")
