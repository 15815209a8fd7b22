"""Taking a test: a student's tests, attempts, answers, finishing, and the released result.

The deadline is the server's (the earlier of start + duration and the window's end); answers
after it (plus ANSWER_GRACE_SECONDS) or after finishing get 409. Every answer is a job on the
scoring queue; until results are released, all a student learns of it is that it was received
and scored. What a student sees of an item comes from `domain.assessment.student_prompt`.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from flask import Response, jsonify, request
from flask_jwt_extended import current_user
from marshmallow import ValidationError

from api.access import invalid, not_found, only, rule, scope, user_id
from api.blueprint import MULTIPART, Blueprint
from api.errors import ApiError
from api.http import spoken_audio_rule, stage_upload
from api.jobs import job_response
from api.quotas import quota
from config import get_settings
from domain.assessment import PROMPT_PLAYS, is_clocked, scoring_queue, shown_for_seconds, student_prompt
from domain.attempts import NotEnoughItems, attempt_deadline, drawn_item_ids, form_entry, server_timing
from domain.results import item_feedback_due, pseudonym, result_view, shows_identity, to_the_day
from schemas.common import ErrorSchema, PageArgsSchema
from schemas.jobs import JobSchema
from schemas.tests import (
    AttemptItemSchema,
    AttemptSchema,
    AudioAnswerSchema,
    MyTestListSchema,
    ResultPendingSchema,
    ResultSchema,
    TextAnswerSchema,
)
from store import attempts, files, items, jobs, papers
from store.common import as_utc, utcnow
from store.mongo import get_db
from tasks.publish import submit

if TYPE_CHECKING:
    from collections.abc import Mapping

blp = Blueprint("attempts", __name__, url_prefix="/api/v1", description="Taking a test")


@blp.route("/me/tests", methods=["GET"])
@only("student")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, MyTestListSchema)
def my_tests(args: dict) -> dict:
    """Tests assigned to me whose window is open now."""
    now = utcnow()
    open_now = {"window_start": {"$lte": now}, "window_end": {"$gt": now}}
    page = papers.records.page(get_db(), scope("tests"), "window_end", args["page"], args["per_page"], refine=open_now)
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
    """Start an attempt at a test assigned to me, or get the one in progress (200)."""
    db = get_db()
    test = papers.get(db, test_id, scope("tests"))
    if test is None:
        raise not_found("test")
    now = utcnow()
    running = attempts.in_progress(db, test_id, user_id())
    if running is not None:
        return _attempt_response(running, 200)
    if not papers.is_open(test, now):
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
            "deadline": attempt_deadline(now, test["duration_minutes"], as_utc(test["window_end"])),
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
    """The student's form (domain.attempts), drawn from the campus's and the shared bank."""

    def candidates(section: Mapping[str, Any]) -> list[str]:
        query = {
            "campus_id": {"$in": [test["campus_id"], None]},
            **{name: section[name] for name in ("type", "level", "module") if name in section},
        }
        return items.ids_for_draw(get_db(), query)

    try:
        chosen = drawn_item_ids(test["sections"], seed, candidates)
    except NotEnoughItems as short:
        raise ApiError(
            409,
            "not_enough_items",
            "The item bank no longer has enough items for this test.",
            {"section": short.section},
        ) from None
    found = items.get_many(get_db(), chosen)
    return [form_entry(item_id, found[item_id]) for item_id in chosen if item_id in found]


@blp.route("/attempts/<id:attempt_id>", methods=["GET"])
@rule("results", "read")
@blp.response(200, AttemptSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_attempt(attempt_id: str) -> Response:
    """An attempt and its form (clocked items without their prompt: open them one at a time)."""
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
    shown = {
        **attempt,
        "items": [_student_item(entry, found.get(entry["item_id"]), attempt) for entry in attempt["items"]],
    }
    if not shows_identity(current_user):  # the same rule as the results pages (domain.results)
        shown = {
            **shown,
            "student_id": None,
            "pseudonym": pseudonym(attempt["student_id"], get_settings().pseudonym_key),
            **{name: to_the_day(as_utc(attempt.get(name))) for name in ("started_at", "deadline", "finished_at")},
        }
    response = jsonify(AttemptSchema().dump(shown))
    response.status_code = status
    return response


def _student_item(entry: dict, item: dict | None, attempt: dict, *, served: bool = False) -> dict[str, Any]:
    """An item of the attempt as its student sees it. A clocked item (domain.assessment.is_clocked)
    shows its prompt only when `served` one at a time, which starts its clock; content shown for a
    while (a passage to reconstruct) is gone once its time is over.
    """
    answer = (attempt.get("answers") or {}).get(entry["item_id"]) or {}
    opened_at = as_utc(answer.get("opened_at"))
    clocked = is_clocked(entry["type"], entry.get("time_limit_seconds"))
    shown: dict[str, Any] = {
        "id": entry["item_id"],
        "type": entry["type"],
        "time_limit_seconds": entry.get("time_limit_seconds"),
        "answer_state": answer.get("state", "unanswered"),
        "clocked": clocked,
        "prompt_plays": PROMPT_PLAYS.get(entry["type"]),
        "opened_at": opened_at,
        "answer_by": _answer_by(entry, opened_at, attempt),
        "prompt": {},
        "options": None,
        "prompt_audio_url": None,
    }
    if item is None or (clocked and not served):
        return shown
    prompt = student_prompt(entry["type"], item["content"])
    timed = shown_for_seconds(entry["type"], item["content"])
    if timed is not None and opened_at is not None:
        shown["shown_until"] = opened_at + timedelta(seconds=timed[1])
        if utcnow() >= shown["shown_until"]:
            prompt.pop(timed[0], None)
            shown["content_hidden"] = True
    audio = item.get("prompt_audio") or {}
    url = files.presigned_get(audio["key"]) if audio.get("state") == "ready" else None
    return {**shown, "prompt": prompt, "options": prompt.get("options"), "prompt_audio_url": url}


def _answer_by(entry: dict, opened_at: datetime | None, attempt: dict) -> datetime | None:
    """When the item's own time is over (opened + its limit), never later than the attempt's deadline."""
    deadline = as_utc(attempt.get("deadline"))
    if opened_at is None or entry.get("time_limit_seconds") is None:
        return deadline
    own = opened_at + timedelta(seconds=entry["time_limit_seconds"])
    return min(own, deadline) if deadline else own


@blp.route("/attempts/<id:attempt_id>/items/<id:item_id>", methods=["GET"])
@only("student")
@blp.response(200, AttemptItemSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def open_attempt_item(attempt_id: str, item_id: str) -> dict:
    """Serve one item of my attempt. The first view starts the item's clock on the server: a timed
    item's answer is due `time_limit_seconds` after it (plus a short grace), typing speed is
    measured from it, and a passage to reconstruct is shown for its reading time from it only.
    Later views show the same item with the same clock.
    """
    attempt = _own_attempt(attempt_id)
    entry = _entry(attempt, item_id)
    _refuse_when_closed(attempt)
    db = get_db()
    opened_at = attempts.open_item(db, attempt["_id"], item_id, utcnow())
    if opened_at is None:
        raise _closed(attempt)
    answers = attempt.get("answers") or {}
    seen = {**attempt, "answers": {**answers, item_id: {**(answers.get(item_id) or {}), "opened_at": opened_at}}}
    return _student_item(entry, items.records.get(db, item_id), seen, served=True)


def _entry(attempt: dict, item_id: str) -> dict:
    entry: dict | None = next((entry for entry in attempt["items"] if entry["item_id"] == item_id), None)
    if entry is None:
        raise not_found("item in this attempt")
    return entry


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
        "required": True,
        "content": {
            "application/json": {"schema": TextAnswerSchema},
            "multipart/form-data": {"schema": AudioAnswerSchema},
        },
    }
)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def put_answer(attempt_id: str, item_id: str) -> Response:
    """JSON `{"text"}`, JSON `{"choice"}` (mcq), or multipart `audio` (spoken items). A new answer
    before the deadline replaces the earlier one. A clocked item (typing, passage reconstruction,
    any item with a time limit) must have been opened (GET .../items/<item_id>) and is answered
    within its limit; typing speed is timed by the server from that view (a client's
    `elapsed_seconds` is kept only to flag a disagreement). 409 when the attempt, its deadline or
    the item's time is over, checked again in the write that stores the answer.
    """
    attempt = _own_attempt(attempt_id)
    entry = _entry(attempt, item_id)
    _refuse_when_closed(attempt)
    opened_at = _item_clock(attempt, entry, utcnow())
    job_id = ObjectId()
    answer = _audio_answer(attempt_id, item_id, job_id) if entry["section"] == "spoken" else _json_answer(entry)
    now = utcnow()
    if entry["type"] == "typing" and opened_at is not None:
        answer.update(server_timing(answer.pop("elapsed_seconds", None), (now - opened_at).total_seconds()))
    db = get_db()
    grace = timedelta(seconds=get_settings().answer_grace_seconds)
    if not attempts.accept_answer(
        db, attempt["_id"], item_id, str(job_id), now, grace=grace, item_seconds=entry.get("time_limit_seconds")
    ):
        if answer.get("audio_key"):
            files.delete(answer["audio_key"])
        raise _closed(attempts.get(db, attempt["_id"]) or attempt, entry)
    job = submit(
        db,
        jobs.NewJob(
            kind="answer_scoring",
            owner_id=user_id(),
            job_id=job_id,
            queue=scoring_queue(entry["section"]),
            total=1,
            params={"attempt_id": attempt_id, "item_id": item_id, "answer": answer},
            scope={"campus_id": attempt["campus_id"], "course_id": attempt.get("course_id")},
        ),
    )
    return job_response(job, 202)


def _item_clock(attempt: dict, entry: dict, now: datetime) -> datetime | None:
    """When a clocked item was opened (409 when it never was, or its time is over); None otherwise."""
    if not is_clocked(entry["type"], entry.get("time_limit_seconds")):
        return None
    opened_at = as_utc(((attempt.get("answers") or {}).get(entry["item_id"]) or {}).get("opened_at"))
    path = f"/api/v1/attempts/{attempt['_id']}/items/{entry['item_id']}"
    if opened_at is None:
        raise ApiError(409, "item_not_opened", f"Open the item first (GET {path}): its time starts then.")
    limit = entry.get("time_limit_seconds")
    grace = timedelta(seconds=get_settings().answer_grace_seconds)
    if limit is not None and now > opened_at + timedelta(seconds=limit) + grace:
        raise _item_time_over(opened_at, limit)
    return opened_at


def _item_time_over(opened_at: datetime, limit: int) -> ApiError:
    return ApiError(
        409,
        "item_time_over",
        "The time for this item is over; its answer is no longer accepted.",
        {"answer_by": _iso(opened_at + timedelta(seconds=limit))},
    )


def _closed(attempt: dict, entry: dict | None = None) -> ApiError:
    """Why an answer or a view was refused by the write that checks the clocks."""
    _refuse_when_closed(attempt)
    opened_at = as_utc(((attempt.get("answers") or {}).get((entry or {}).get("item_id", "")) or {}).get("opened_at"))
    if entry is not None and opened_at is not None and entry.get("time_limit_seconds") is not None:
        return _item_time_over(opened_at, entry["time_limit_seconds"])
    return ApiError(409, "attempt_finished", "This attempt is finished; answers are no longer accepted.")


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
        raise invalid(error.normalized_messages()) from None
    if entry["type"] == "mcq":
        if "choice" not in body:
            raise invalid({"choice": ['A multiple-choice item takes {"choice": <option index>}.']})
        options = _option_count(entry)
        if not 0 <= body["choice"] < options:
            raise invalid({"choice": [f"Choose one of the {options} options (0 to {options - 1})."]})
        return {"kind": "choice", "choice": body["choice"]}
    if "text" not in body:
        raise invalid({"text": [f'A {entry["type"]} item takes {{"text": ...}}.']})
    timing = {"elapsed_seconds": body.get("elapsed_seconds")} if entry["type"] == "typing" else {}
    return {"kind": "text", "text": body["text"], **timing}


def _option_count(entry: dict) -> int:
    """The mcq's number of options, from the form (attempts started before it was kept there:
    from the item).
    """
    if "option_count" in entry:
        return int(entry["option_count"])
    item = items.records.get(get_db(), entry["item_id"]) or {}
    return len((item.get("content") or {}).get("options") or [])


def _audio_answer(attempt_id: str, item_id: str, job_id: ObjectId) -> dict[str, Any]:
    if not request.mimetype.startswith("multipart/form-data") or "audio" not in request.files:
        raise invalid({"audio": ["A spoken item takes its answer as multipart `audio`."]})
    # The same strict multipart parsing as every other upload: an unknown part is a 422.
    form = Blueprint.ARGUMENTS_PARSER.parse(AudioAnswerSchema(), request, location=MULTIPART)
    staged = stage_upload(form["audio"], spoken_audio_rule(), f"answers/{attempt_id}/{item_id}/{job_id}")
    return {"kind": "audio", "audio_key": staged.key, "size": staged.size, "content_type": staged.content_type}


@blp.route("/attempts/<id:attempt_id>/finish", methods=["POST"])
@only("student")
@blp.response(202, JobSchema, description="The attempt_settle job that totals the result (one per attempt)")
@blp.alt_response(404, schema=ErrorSchema)
def finish_attempt(attempt_id: str) -> Response:
    """Finish my attempt; a job totals the result once every answer is scored (one per attempt)."""
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
@rule("results", "read")
@blp.response(200, ResultSchema)
@blp.alt_response(202, schema=ResultPendingSchema, description="Not ready: in_progress, scoring or awaiting_release")
@blp.alt_response(404, schema=ErrorSchema)
def attempt_result(attempt_id: str) -> Response:
    """The result as domain.results lets the caller see it: a student sees their figures once
    released, and the per-item feedback once no further attempt at the test can follow.
    """
    attempt = _visible_attempt(attempt_id)
    if attempt["state"] == attempts.IN_PROGRESS:
        return _pending("in_progress")
    db = get_db()
    test = papers.get(db, attempt["test_id"])
    used = attempts.count_for(db, attempt["test_id"], attempt["student_id"])
    view = result_view(current_user, attempt, no_attempt_can_follow=item_feedback_due(test, used, utcnow()))
    if not view.figures:
        return _pending(attempt.get("result_state") or "scoring")
    result = attempt["result"]
    shown = {
        "overall": result.get("overall"),
        "subscores": result.get("subscores"),
        "items": (result.get("items") or []) if view.items else [],
        "item_feedback_held": not view.items,
    }
    return jsonify(ResultSchema().dump(shown))


def _pending(state: str) -> Response:
    response = jsonify({"state": state if state in ("in_progress", "awaiting_release") else "scoring"})
    response.status_code = 202
    response.headers["Retry-After"] = "5"
    return response


def _iso(value: Any) -> str | None:
    moment = as_utc(value)
    return moment.isoformat().replace("+00:00", "Z") if moment else None
