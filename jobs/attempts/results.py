"""An attempt's result: totalled once it is finished and every answer is scored, then released.

`settle_attempt` is safe to run any number of times (by the finish job, by the last answer's
scoring job, by the deadline sweep, by the stuck-attempt sweep): it does nothing until the
attempt is finished and no answer is still being scored, then totals the items with
workers.attempt_scoring.aggregate_attempt and stores the result once. A stored result changes only
through an explicit re-score (`rescore=True`), and a released one is never moved back
(domain.results: release is one forward-only state machine). The result is released at once
under the test's `immediate` policy or once the test's results are released; after storing it,
the test is read again, so a release that happened in between promotes it. Each student is told
`results_released` once per test (the outbox key is per student and test).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from domain.jobkinds import TERMINAL_STATES
from domain.results import SCORED_STATES, state_after_settle
from services.notify import NotifyRequest, app_base_url, notify_many
from store import attempts, items, jobs, papers, scores, users
from store.common import to_object_id, utcnow
from workers.attempt_scoring import ItemOutcome, aggregate_attempt
from workers.writing import score_written_answer

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    from bson import ObjectId
    from pymongo.database import Database

# A finished attempt still `scoring` this long after its last change is looked at by the sweeper.
STUCK_AFTER = timedelta(seconds=60)
UNSCORED_FEEDBACK = "This answer could not be scored ({reason}), so it counts as not answered."


def settle_attempt(db: Database, attempt_id: str, *, rescore: bool = False) -> str:
    """Total the attempt if it is ready; its result state afterwards ("in_progress", "scoring",
    "awaiting_release" or "released"). A settled attempt is totalled again only when `rescore`.
    """
    attempt = attempts.get(db, attempt_id)
    waiting = _why_not_now(attempt, rescore=rescore)
    if waiting is not None or attempt is None:
        return waiting or "gone"
    current = attempt.get("result_state") or "scoring"
    test = papers.get(db, attempt["test_id"])
    result = _with_unscored_reasons(aggregate_attempt(_outcomes(db, attempt)), attempt)
    state = state_after_settle(current, test_releases_now=test is not None and papers.results_released(test))
    stored = attempts.record_result(db, attempt["_id"], result, state, utcnow(), from_state=current)
    if stored is None:  # another settle or a release came first
        latest = attempts.get(db, attempt_id)
        return str((latest or {}).get("result_state") or "gone")
    if state == "released" and current != "released" and test is not None:
        tell_results_released(db, test, [stored])
        return state
    return _promote_if_released_meanwhile(db, stored)


def _why_not_now(attempt: dict[str, Any] | None, *, rescore: bool) -> str | None:
    """The state to answer when the attempt is not to be totalled now; None when it is."""
    if attempt is None:
        return "gone"
    if attempt["state"] != attempts.FINISHED:
        return "in_progress"
    if any(answer.get("state") == "received" for answer in (attempt.get("answers") or {}).values()):
        return "scoring"
    current = attempt.get("result_state") or "scoring"
    return current if current in SCORED_STATES and not rescore else None


def _promote_if_released_meanwhile(db: Database, attempt: dict[str, Any]) -> str:
    """A result stored as awaiting_release whose test was released between our read and our write
    (the release's sweep ran before the write and missed it) is released now.
    """
    if attempt["result_state"] != "awaiting_release":
        return str(attempt["result_state"])
    test = papers.get(db, attempt["test_id"])
    if test is None or not papers.results_released(test):
        return "awaiting_release"
    if attempts.release_one(db, attempt["_id"], utcnow()):
        tell_results_released(db, test, [attempt])
    return "released"


def _with_unscored_reasons(result: dict[str, Any], attempt: dict[str, Any]) -> dict[str, Any]:
    """Items whose answer could not be scored say so, with the reason, rather than 'not answered'."""
    answers = attempt.get("answers") or {}
    for item in result.get("items") or []:
        answer = answers.get(item.get("item_id")) or {}
        if answer.get("state") == "failed":
            reason = answer.get("reason") or "scoring_failed"
            item["unscored_reason"] = reason
            item["feedback"] = UNSCORED_FEEDBACK.format(reason=reason.replace("_", " "))
    return result


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


def answer_unscored(db: Database, attempt_id: str, item_id: str, job_id: str, reason: str) -> str:
    """The answer's scoring job ended without a score (failed or cancelled, whoever ended it): the
    answer is marked failed with the reason (it counts as not answered) and the attempt settled.
    """
    oid = to_object_id(attempt_id)
    if oid is not None:
        attempts.record_answer_outcome(db, oid, item_id, "failed", job_id, reason=reason)
    return settle_attempt(db, attempt_id)


def settle_stuck(db: Database, now: datetime) -> int:
    """Settle finished attempts left `scoring`: an answer whose job has ended without a score (or
    whose job is gone) is marked failed, then the attempt is settled. How many were settled.
    """
    settled = 0
    for attempt in attempts.stuck_in_scoring(db, now - STUCK_AFTER):
        if attempt.get("state") != attempts.FINISHED:
            continue
        waiting = {
            item_id: answer["job_id"]
            for item_id, answer in (attempt.get("answers") or {}).items()
            if answer.get("state") == "received" and answer.get("job_id")
        }
        ended = {str(oid): job for oid, job in jobs.states_of(db, _object_ids(waiting.values())).items()}
        for item_id, job_id in waiting.items():
            job = ended.get(job_id)
            if job is None or job["state"] in TERMINAL_STATES:
                reason = ((job or {}).get("error") or {}).get("code") or "scoring_lost"
                attempts.record_answer_outcome(db, attempt["_id"], item_id, "failed", job_id, reason=reason)
        settled += settle_attempt(db, str(attempt["_id"])) in SCORED_STATES
    return settled


def _object_ids(ids: Iterable[str]) -> list[ObjectId]:
    return [oid for oid in map(to_object_id, ids) if oid is not None]


def release_test(db: Database, test_id: str, now: datetime | None = None) -> dict[str, int]:
    """Release the test's results: scored ones now (each student told once), later ones as they
    are scored.
    """
    now = now or utcnow()
    test = papers.get(db, test_id)
    if test is None:
        return {"released": 0}
    papers.mark_released(db, test["_id"], now)
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
    test = papers.get(db, test_id)
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
    for student in papers.assigned_students(db, test):
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
