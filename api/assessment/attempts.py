"""Taking a test: a student's tests, attempts, answers, finishing, and the released result.

The deadline is the server's (the earlier of start + duration and the window's end); answers
after it (plus ANSWER_GRACE_SECONDS) or after finishing get 409. Every answer is a job on the
scoring queue; until results are released, all a student learns of it is that it was received
and scored. What a student sees of an item comes from `domain.assessment.student_prompt`.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from random import Random
from typing import Any

from bson import ObjectId
from flask import Response, jsonify, request
from flask_jwt_extended import current_user
from marshmallow import ValidationError

from api.access import authenticated, invalid, not_found, only, scope, user_id
from api.blueprint import Blueprint
from api.errors import ApiError
from api.http import checked_size
from api.jobs import job_response
from api.quotas import quota
from config import get_settings
from domain.assessment import section_of, student_prompt
from domain.filetypes import SNIFF_BYTES, sniff
from schemas.common import ErrorSchema, PageArgsSchema
from schemas.jobs import JobSchema
from schemas.tests import (
    AttemptSchema,
    AudioAnswerSchema,
    MyTestListSchema,
    ResultPendingSchema,
    ResultSchema,
    TextAnswerSchema,
)
from store import attempts, files, items, jobs
from store import tests as test_store
from store.common import as_utc, utcnow
from store.mongo import get_db
from tasks.publish import submit

blp = Blueprint("attempts", __name__, url_prefix="/api/v1", description="Taking a test")
AUDIO_TYPES = frozenset(
    {"audio/webm", "audio/ogg", "audio/mpeg", "audio/mp4", "audio/wav", "video/webm", "audio/x-flac", "audio/flac"}
)


@blp.route("/me/tests", methods=["GET"])
@only("student")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MyTestListSchema)
def my_tests(args: dict) -> dict:
    """Tests assigned to me whose window is open now."""
    now = utcnow()
    open_now = {"window_start": {"$lte": now}, "window_end": {"$gt": now}}
    page = test_store.records.page(
        get_db(), scope("tests"), "window_end", args["page"], args["per_page"], refine=open_now
    )
    mine = attempts.for_student(get_db(), user_id(), [str(test["_id"]) for test in page.items])
    return {
        **page.as_dict(),
        "items": [_my_test(test, [a for a in mine if a["test_id"] == str(test["_id"])]) for test in page.items],
    }


def _my_test(test: dict, mine: list[dict]) -> dict:
    in_progress = any(attempt["state"] == attempts.IN_PROGRESS for attempt in mine)
    state = "in_progress" if in_progress else "finished" if mine else "not_started"
    return {**test, "attempts_left": max(0, test["attempts_allowed"] - len(mine)), "state": state}


@blp.route("/tests/<id:test_id>/attempts", methods=["POST"])
@only("student")
@blp.response(201, AttemptSchema)
@blp.alt_response(200, schema=AttemptSchema, description="The attempt already in progress")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def start_attempt(test_id: str) -> Response:
    db = get_db()
    test = test_store.get(db, test_id, scope("tests"))
    if test is None:
        raise not_found("test")
    now = utcnow()
    running = attempts.in_progress(db, test_id, user_id())
    if running is not None:
        return _attempt_response(running, 200)
    if not test_store.is_open(test, now):
        raise ApiError(
            409,
            "test_not_open",
            "The test's window is not open.",
            {"window_start": _iso(test["window_start"]), "window_end": _iso(test["window_end"])},
        )
    used = attempts.count_for(db, test_id, user_id())
    if used >= test["attempts_allowed"]:
        raise ApiError(
            409,
            "no_attempts_left",
            "You have used every attempt this test allows.",
            {"attempts_allowed": test["attempts_allowed"]},
        )
    seed = secrets.token_hex(8)
    form = _form(test, seed)
    attempt = attempts.start(
        db,
        {
            "test_id": test_id,
            "student_id": user_id(),
            "campus_id": test["campus_id"],
            "batch_id": current_user.get("batch_id"),
            "course_id": current_user.get("course_id"),
            "number": used + 1,
            "seed": seed,
            "items": form,
            "started_at": now,
            "deadline": min(now + timedelta(minutes=test["duration_minutes"]), as_utc(test["window_end"]) or now),
        },
    )
    if attempt is None:  # a second request started it a moment earlier
        attempt = attempts.in_progress(db, test_id, user_id())
        if attempt is None:
            raise ApiError(409, "no_attempts_left", "You have used every attempt this test allows.")
        return _attempt_response(attempt, 200)
    items.mark_used(db, [entry["item_id"] for entry in form])
    return _attempt_response(attempt, 201)


def _form(test: dict, seed: str) -> list[dict[str, Any]]:
    """The student's items: fixed sections as listed, drawn sections drawn with the attempt's seed
    from the campus's and the shared bank (the same seed and bank give the same form).
    """
    rng = Random(seed)  # noqa: S311 - a reproducible draw, not a secret
    chosen: list[str] = []
    for section in test["sections"]:
        if "item_ids" in section:
            chosen += section["item_ids"]
            continue
        query = {
            "campus_id": {"$in": [test["campus_id"], None]},
            **{name: section[name] for name in ("type", "level", "module") if name in section},
        }
        candidates = [item_id for item_id in items.ids_for_draw(get_db(), query) if item_id not in chosen]
        if len(candidates) < section["count"]:
            raise ApiError(
                409,
                "not_enough_items",
                "The item bank no longer has enough items for this test.",
                {"section": test["sections"].index(section)},
            )
        chosen += rng.sample(candidates, section["count"])
    found = items.get_many(get_db(), chosen)
    return [
        {
            "item_id": item_id,
            "type": found[item_id]["type"],
            "section": section_of(found[item_id]["type"]),
            "module": found[item_id].get("module"),
            "time_limit_seconds": found[item_id].get("time_limit_seconds"),
        }
        for item_id in chosen
        if item_id in found
    ]


@blp.route("/attempts/<id:attempt_id>", methods=["GET"])
@authenticated
@blp.response(200, AttemptSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_attempt(attempt_id: str) -> Response:
    return _attempt_response(_visible_attempt(attempt_id), 200)


def _visible_attempt(attempt_id: str) -> dict:
    attempt = attempts.get(get_db(), attempt_id, scope("attempts"))
    if attempt is None:
        raise not_found("attempt")
    return attempt


def _own_attempt(attempt_id: str) -> dict:
    attempt = _visible_attempt(attempt_id)
    if attempt["student_id"] != user_id():
        raise not_found("attempt")
    return attempt


def _attempt_response(attempt: dict, status: int) -> Response:
    found = items.get_many(get_db(), [entry["item_id"] for entry in attempt["items"]])
    body = AttemptSchema().dump(
        {**attempt, "items": [_student_item(entry, found.get(entry["item_id"]), attempt) for entry in attempt["items"]]}
    )
    response = jsonify(body)
    response.status_code = status
    return response


def _student_item(entry: dict, item: dict | None, attempt: dict) -> dict[str, Any]:
    prompt = student_prompt(entry["type"], item["content"]) if item else {}
    audio = (item or {}).get("prompt_audio") or {}
    answer = (attempt.get("answers") or {}).get(entry["item_id"]) or {}
    return {
        "id": entry["item_id"],
        "type": entry["type"],
        "prompt": prompt,
        "prompt_audio_url": files.presigned_get(audio["key"]) if audio.get("state") == "ready" else None,
        "time_limit_seconds": entry.get("time_limit_seconds"),
        "options": prompt.get("options"),
        "answer_state": answer.get("state", "unanswered"),
    }


@blp.route("/attempts/<id:attempt_id>/answers/<id:item_id>", methods=["PUT"])
@only("student")
@quota("answers")
@blp.response(202, JobSchema, description="An answer_scoring job; until release it says only received/scored")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(413, schema=ErrorSchema)
@blp.alt_response(415, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
@blp.doc(
    requestBody={
        "content": {
            "application/json": {"schema": TextAnswerSchema},
            "multipart/form-data": {"schema": AudioAnswerSchema},
        }
    }
)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def put_answer(attempt_id: str, item_id: str) -> Response:
    """JSON `{"text"}` (typing also `elapsed_seconds`), JSON `{"choice"}` (mcq), or multipart
    `audio` (spoken items). A new answer before the deadline replaces the earlier one.
    """
    attempt = _own_attempt(attempt_id)
    entry = next((entry for entry in attempt["items"] if entry["item_id"] == item_id), None)
    if entry is None:
        raise not_found("item in this attempt")
    _refuse_when_closed(attempt)
    job_id = ObjectId()
    answer = _audio_answer(attempt_id, item_id, job_id) if entry["section"] == "spoken" else _json_answer(entry)
    db = get_db()
    attempts.record_answer_state(db, attempt["_id"], item_id, "received", str(job_id))
    job = submit(
        db,
        jobs.NewJob(
            kind="answer_scoring",
            owner_id=user_id(),
            job_id=job_id,
            total=1,
            params={"attempt_id": attempt_id, "item_id": item_id, "answer": answer},
            scope={"campus_id": attempt["campus_id"], "course_id": attempt.get("course_id")},
        ),
    )
    return job_response(job, 202)


def _refuse_when_closed(attempt: dict) -> None:
    if attempt["state"] != attempts.IN_PROGRESS:
        raise ApiError(409, "attempt_finished", "This attempt is finished; answers are no longer accepted.")
    grace = timedelta(seconds=get_settings().answer_grace_seconds)
    deadline = as_utc(attempt["deadline"])
    if deadline is not None and utcnow() > deadline + grace:
        raise ApiError(
            409,
            "deadline_passed",
            "The time for this attempt is over; answers are no longer accepted.",
            {"deadline": _iso(deadline)},
        )


def _json_answer(entry: dict) -> dict[str, Any]:
    if not request.is_json:
        raise invalid({"body": [f"A {entry['type']} item takes a JSON answer, not a file."]})
    try:
        body = TextAnswerSchema().load(request.get_json(silent=True) or {})
    except ValidationError as error:
        raise invalid(error.normalized_messages()) from None  # type: ignore[arg-type]
    if entry["type"] == "mcq":
        if "choice" not in body:
            raise invalid({"choice": ['A multiple-choice item takes {"choice": <option index>}.']})
        options = len(((items.records.get(get_db(), entry["item_id"]) or {}).get("content") or {}).get("options") or [])
        if not 0 <= body["choice"] < options:
            raise invalid({"choice": [f"Choose one of the {options} options (0 to {options - 1})."]})
        return {"kind": "choice", "choice": body["choice"]}
    if "text" not in body:
        raise invalid({"text": [f'A {entry["type"]} item takes {{"text": ...}}.']})
    return {"kind": "text", "text": body["text"], "elapsed_seconds": body.get("elapsed_seconds")}


def _audio_answer(attempt_id: str, item_id: str, job_id: ObjectId) -> dict[str, Any]:
    if not request.mimetype.startswith("multipart/form-data") or "audio" not in request.files:
        raise invalid({"audio": ["A spoken item takes its answer as multipart `audio`."]})
    upload = request.files["audio"]
    size = checked_size(upload.stream, get_settings().scoring.scoring_max_audio_bytes, "audio", "recording")
    content_type = sniff(upload.stream.read(SNIFF_BYTES), upload.filename)
    upload.stream.seek(0)
    if content_type not in AUDIO_TYPES:
        raise ApiError(
            415, "unsupported_media_type", f"The answer is not audio ({content_type}).", {"content_type": content_type}
        )
    key = f"answers/{attempt_id}/{item_id}/{job_id}"
    files.put_stream(key, upload.stream, content_type)
    return {"kind": "audio", "audio_key": key, "size": size, "content_type": content_type}


@blp.route("/attempts/<id:attempt_id>/finish", methods=["POST"])
@only("student")
@blp.response(202, JobSchema, description="The attempt_settle job that totals the result (one per attempt)")
@blp.alt_response(404, schema=ErrorSchema)
def finish_attempt(attempt_id: str) -> Response:
    attempt = _own_attempt(attempt_id)
    db = get_db()
    attempts.finish(db, attempt["_id"], "student", utcnow())
    job = submit(
        db,
        jobs.NewJob(
            kind="attempt_settle",
            owner_id=user_id(),
            params={"attempt_id": attempt_id},
            dedup_key=f"settle:{attempt_id}",
            scope={"campus_id": attempt["campus_id"], "course_id": attempt.get("course_id")},
        ),
    )
    return job_response(job, 202)


@blp.route("/attempts/<id:attempt_id>/result", methods=["GET"])
@authenticated
@blp.response(200, ResultSchema)
@blp.alt_response(202, schema=ResultPendingSchema, description="Not ready: in_progress, scoring or awaiting_release")
@blp.alt_response(404, schema=ErrorSchema)
def attempt_result(attempt_id: str) -> Response:
    attempt = _visible_attempt(attempt_id)
    if attempt["state"] == attempts.IN_PROGRESS:
        return _pending("in_progress")
    if attempt.get("result_state") != "released" and current_user["role"] == "student":
        return _pending(attempt.get("result_state") or "scoring")
    if attempt.get("result") is None:
        return _pending("scoring")
    result = attempt["result"]
    return jsonify(
        ResultSchema().dump(
            {"overall": result.get("overall"), "subscores": result.get("subscores"), "items": result.get("items") or []}
        )
    )


def _pending(state: str) -> Response:
    response = jsonify({"state": "scoring" if state == "none" else state})
    response.status_code = 202
    response.headers["Retry-After"] = "5"
    return response


def _iso(value: Any) -> str | None:
    moment = as_utc(value)
    return moment.isoformat().replace("+00:00", "Z") if moment else None
