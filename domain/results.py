"""What anyone may see of a result, and how a result moves to release: the one rule.

Every path that shows a result goes through `result_view` (results pages, a student's history,
an attempt's result, reports); none decides for itself.

A result has three parts:
- its figures (overall and subscores): a viewer whose role reads results sees them once the
  attempt is scored; a student sees their own only once the result is released;
- its item feedback (each item's score and sentence): as the figures, but a student sees it only
  once no further attempt at the test can follow (every attempt used, or the window closed),
  because a right/wrong per item would otherwise give the keys away for the next attempt;
- the person it belongs to (name, roll number, e-mail, account id, exact times): only to viewers
  who may read students (`students: read`, the permission a named export needs). Everyone else
  gets a keyed pseudonym and times to the day.

Release is one state machine per attempt, moving forward only:
none -> scoring (finished) -> awaiting_release | released -> released. A settle stores the result
in the state the test's policy gives at that moment, then checks the policy again (a release
that happened in between promotes it); nothing but an explicit re-score changes a stored result,
and nothing moves a released result back.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from domain.access import allows
from domain.assessment import STUDENT_READABLE_JOB_RESULTS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from domain.access import User

RESULT_STATES = ("none", "scoring", "awaiting_release", "released")
SCORED_STATES = ("awaiting_release", "released")


@dataclass(frozen=True)
class ResultView:
    """What one viewer may see of one attempt's result."""

    figures: bool  # overall and subscores
    items: bool  # per-item scores and feedback
    identity: bool  # name, roll number, e-mail, account id and exact times


NOTHING = ResultView(figures=False, items=False, identity=False)


def shows_identity(viewer: User) -> bool:
    """Whether results shown to this viewer name the student (else a pseudonym)."""
    return allows(viewer, "students", "read")


def result_view(viewer: User, attempt: Mapping[str, Any], *, no_attempt_can_follow: bool = True) -> ResultView:
    """What `viewer` may see of `attempt`'s result (the attempt is one they may see at all).

    `no_attempt_can_follow`: the student has used every attempt the test allows, or its window
    has closed (see `item_feedback_due`); it only matters to students.
    """
    if not allows(viewer, "results", "read"):
        return NOTHING
    scored = attempt.get("result") is not None and attempt.get("result_state") in SCORED_STATES
    if viewer["role"] != "student":
        return ResultView(figures=scored, items=scored, identity=shows_identity(viewer))
    released = scored and attempt.get("result_state") == "released"
    return ResultView(figures=released, items=released and no_attempt_can_follow, identity=True)


def job_result_visible(viewer: User, job: Mapping[str, Any]) -> bool:
    """Whether a job's result may be shown to `viewer` (who may see the job itself). A student reads
    only the results of kinds that carry no score, reference text or right/wrong flag; a named
    report's download only reaches viewers who may read students.
    """
    if viewer["role"] == "student":
        return job.get("kind") in STUDENT_READABLE_JOB_RESULTS
    result = job.get("result")
    named_report = job.get("kind") == "test_report" and isinstance(result, dict) and not result.get("anonymised")
    return not named_report or shows_identity(viewer)


def item_feedback_due(test: Mapping[str, Any] | None, attempts_used: int, now: datetime) -> bool:
    """True once no further attempt at `test` can follow: all attempts used, or the window closed."""
    if test is None:
        return True
    window_end = test.get("window_end")
    if isinstance(window_end, datetime) and window_end.tzinfo is None:
        window_end = window_end.replace(tzinfo=UTC)
    closed = isinstance(window_end, datetime) and now >= window_end
    return closed or attempts_used >= int(test.get("attempts_allowed") or 1)


def state_after_settle(current_state: str | None, *, test_releases_now: bool) -> str:
    """The result state a settle stores: a released result stays released; otherwise the test's
    policy decides.
    """
    if current_state == "released" or test_releases_now:
        return "released"
    return "awaiting_release"


def pseudonym(student_id: str, key: bytes) -> str:
    """A stable stand-in for a student in anonymised views: without the key nobody can turn it back."""
    return hmac.new(key, student_id.encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def to_the_day(moment: datetime | None) -> datetime | None:
    """A time coarsened to its day (UTC midnight): an anonymised view cannot link a row to a
    sitting someone watched by its start time.
    """
    if moment is None:
        return None
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
