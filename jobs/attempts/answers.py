"""Score one answer of an attempt with the engine for its item's type, and keep the score.

The score is stored in `scores` under the job's id with the answer's inputs (so it can be
re-scored) and its attempt, test and item; the attempt records the item's answer as scored
(only if no newer answer replaced it meanwhile). An answer that is no longer the item's current
one, or was settled without a score meanwhile, is not scored; one that arrived after the deadline
fails. A job that ends without a score (failed, cancelled) marks the answer failed with its reason
through `jobs.attempts.results.answer_unscored`. The job's result says only that the answer
was scored: students own these jobs, and a score or a right/wrong flag before release would
let them re-answer until right.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobs.answer_scoring import run_engine
from store import attempts, files, items, scores
from store.common import as_utc
from workers.errors import WorkError

if TYPE_CHECKING:
    from datetime import timedelta

    from bson import ObjectId
    from pymongo.database import Database


def engine_inputs(item: dict[str, Any], answer: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(score kind, the inputs jobs.answer_scoring.run_engine takes) for an answer to an item."""
    item_type, content = item["type"], item["content"]
    if answer["kind"] == "audio":
        return "spoken", {
            "audio_key": answer["audio_key"],
            "item_type": item_type,
            **spoken_targets(item_type, content),
            "max_answer_seconds": item.get("time_limit_seconds"),
        }
    if answer["kind"] == "choice":
        return "mcq", {"item_type": "mcq", "content": content, "choice": answer["choice"]}
    definition = {**content, "time_limit_seconds": item.get("time_limit_seconds")}
    context = {"elapsed_seconds": answer["elapsed_seconds"]} if answer.get("elapsed_seconds") is not None else {}
    return "written", {"item_type": item_type, "answer": answer.get("text"), "item": definition, "context": context}


def spoken_targets(item_type: str, content: dict[str, Any]) -> dict[str, Any]:
    """What the speech engine compares a spoken answer with, by item type."""
    if item_type == "short_answer":
        accepted = list(content["accepted_answers"])
        return {"expected_text": accepted[0], "accepted_answers": accepted[1:]}
    if item_type == "story_retelling":
        return {"expected_text": content["story"], "key_ideas": content.get("key_ideas")}
    if item_type == "open_question":
        return {"expected_text": content["question"]}
    return {"expected_text": content["text"]}


def score_answer(
    db: Database, job_id: ObjectId, attempt_id: str, item_id: str, answer: dict[str, Any], *, grace: timedelta
) -> dict[str, Any]:
    """Score the answer if it is still the item's current one and it arrived in time; the answer's
    state afterwards (scored, replaced, or whatever settled it without this job).
    """
    attempt = attempts.get(db, attempt_id)
    item = items.records.get(db, item_id)
    if attempt is None or item is None:
        raise WorkError("not_found", "The attempt or its item no longer exists.")
    refs = {"attempt_id": attempt_id, "item_id": item_id}
    stored = (attempt.get("answers") or {}).get(item_id) or {}
    if stored.get("job_id") != str(job_id):
        return {**refs, "answer_state": "replaced"}
    if stored.get("state") != "received":  # settled without it already (e.g. its job was swept)
        return {**refs, "answer_state": stored.get("state")}
    if _late(attempt, stored, grace):
        raise WorkError("answer_late", "The answer arrived after the attempt's deadline.")
    kind, inputs = engine_inputs(item, answer)
    result = run_engine(kind, inputs)
    scores.save(
        db, job_id, kind, inputs, {**refs, "test_id": attempt["test_id"]}, owner_id=attempt["student_id"], result=result
    )
    current = attempts.record_answer_outcome(db, attempt["_id"], item_id, "scored", str(job_id))
    return {**refs, "answer_state": "scored" if current else "replaced"}


def _late(attempt: dict[str, Any], answer: dict[str, Any], grace: timedelta) -> bool:
    """The API writes an answer only before the deadline (plus grace); checked again here."""
    arrived, deadline = as_utc(answer.get("at")), as_utc(attempt.get("deadline"))
    return arrived is not None and deadline is not None and arrived > deadline + grace


def unanswered_audio_cleanup(answer: dict[str, Any]) -> None:
    """An answer whose attempt or item vanished leaves no audio behind."""
    if answer.get("audio_key"):
        files.delete(answer["audio_key"])
