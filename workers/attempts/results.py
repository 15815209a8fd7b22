"""An attempt's result: totalled once it is finished and every answer is scored, then released.

`settle_attempt` is safe to run any number of times (by the finish job, by the last answer's
scoring job, by the deadline sweep, by a re-score): it does nothing until the attempt is
finished and no answer is still being scored, then totals the items with
workers.assessment.aggregate_attempt and stores the result. The result is released at once
under the test's `immediate` policy or once the test's results are released; each student is
told `results_released` once per test (the outbox key is per student and test).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from services.notify import NotifyRequest, app_base_url, notify_many
from store import attempts, items, scores, users
from store import tests as test_store
from store.common import utcnow
from workers.assessment import ItemOutcome, aggregate_attempt
from workers.writing import score_written_answer

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from pymongo.database import Database


def settle_attempt(db: Database, attempt_id: str) -> str:
    """Total the attempt if it is ready; its result state afterwards ("in_progress", "scoring",
    "awaiting_release" or "released").
    """
    attempt = attempts.get(db, attempt_id)
    if attempt is None:
        return "gone"
    if attempt["state"] != attempts.FINISHED:
        return "in_progress"
    if any(answer.get("state") == "received" for answer in (attempt.get("answers") or {}).values()):
        return "scoring"
    test = test_store.get(db, attempt["test_id"])
    result = aggregate_attempt(_outcomes(db, attempt))
    released = test is not None and test_store.results_released(test)
    state = "released" if released else "awaiting_release"
    stored = attempts.record_result(db, attempt["_id"], result, state, utcnow())
    if stored is not None and released and test is not None:
        tell_results_released(db, test, [stored])
    return state


def _outcomes(db: Database, attempt: dict[str, Any]) -> list[ItemOutcome]:
    answers = attempt.get("answers") or {}
    found = items.get_many(db, [entry["item_id"] for entry in attempt["items"]])
    outcomes = []
    for entry in attempt["items"]:
        answer = answers.get(entry["item_id"]) or {}
        score = scores.get(db, answer["job_id"]) if answer.get("state") == "scored" else None
        result = score["result"] if score else _unanswered(entry, found.get(entry["item_id"]))
        outcomes.append(ItemOutcome(entry["item_id"], entry["type"], entry["section"], entry.get("module"), result))
    return outcomes


def _unanswered(entry: dict[str, Any], item: dict[str, Any] | None) -> dict[str, Any] | None:
    """A written item left unanswered is scored as an empty answer (it counts, at its floor);
    spoken and multiple-choice ones are counted unanswered by the aggregator.
    """
    if entry["section"] != "written" or item is None:
        return None
    definition = {**item["content"], "time_limit_seconds": item.get("time_limit_seconds")}
    return score_written_answer(entry["type"], None, definition)


def finish_expired(db: Database, now: datetime, grace_seconds: int) -> list[str]:
    """Finish attempts whose deadline (plus the answer grace) passed; their ids."""
    finished = []
    for attempt in attempts.past_deadline(db, now - timedelta(seconds=grace_seconds)):
        attempts.finish(db, attempt["_id"], "deadline", now)
        finished.append(str(attempt["_id"]))
    return finished


def release_test(db: Database, test_id: str, now: datetime | None = None) -> dict[str, int]:
    """Release the test's results: scored ones now (each student told once), later ones as they
    are scored.
    """
    now = now or utcnow()
    test = test_store.get(db, test_id)
    if test is None:
        return {"released": 0}
    test_store.mark_released(db, test["_id"], now)
    released = attempts.release_scored(db, test_id, now)
    tell_results_released(db, test, released)
    return {"released": len(released)}


def tell_results_released(db: Database, test: dict[str, Any], released: list[dict[str, Any]]) -> None:
    people = users.contacts(db, [attempt["student_id"] for attempt in released])
    requests = []
    for attempt in released:
        student = people.get(attempt["student_id"])
        if student is None:
            continue
        params = {
            "name": student.get("name"),
            "test_name": test.get("title") or "your test",
            "results_url": f"{app_base_url()}/attempts/{attempt['_id']}/result",
        }
        requests.append(NotifyRequest("results_released", student, params, subject_entity=f"results:{test['_id']}"))
    if requests:
        notify_many(db, requests)


def tell_assigned(db: Database, test_id: str, progress: Callable[[int], object] | None = None) -> dict[str, int]:
    """`test_assigned` to every student the test is assigned to; once each (the outbox key is per
    student and test), so a repeated run or a later assignment only reaches the new ones.
    """
    test = test_store.get(db, test_id)
    if test is None:
        return {"students": 0, "created": 0}
    params = {
        "test_name": test.get("title") or "your test",
        "window_start": f"{test['window_start']:%d %b %Y at %H:%M} UTC",
        "window_end": f"{test['window_end']:%d %b %Y at %H:%M} UTC",
        "test_url": f"{app_base_url()}/tests/{test['_id']}",
    }
    students = created = 0
    chunk: list[NotifyRequest] = []
    for student in test_store.assigned_students(db, test):
        chunk.append(
            NotifyRequest(
                "test_assigned", student, {**params, "name": student.get("name")}, subject_entity=f"test:{test['_id']}"
            )
        )
        if len(chunk) == CHUNK:
            created += notify_many(db, chunk).created
            students += len(chunk)
            chunk = []
            if progress:
                progress(students)
    if chunk:
        created += notify_many(db, chunk).created
        students += len(chunk)
    return {"students": students, "created": created}


CHUNK = 1000  # students per enqueue
