"""Test reminders: students with an open test window and no attempt yet.

One reminder per student, test and day (UTC): the subject entity is
`test:<test_id>:<yyyy-mm-dd>`, so the daily beat run, a repeated run and an admin's
"send reminders now" on the same day all end in the same outbox messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from services.notify import NotifyRequest, app_base_url, notify_many
from store import attempts, papers
from store.common import as_utc, utcnow

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from datetime import datetime

    from pymongo.database import Database

REQUEST_CHUNK = 1000  # students per enqueue, so a large test never builds one huge insert


@dataclass
class ReminderSummary:
    tests: int = 0
    students: int = 0
    messages: int = 0
    created: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"tests": self.tests, "students": self.students, "messages": self.messages, "created": self.created}


def reminder_subject(test_id: str, day: datetime) -> str:
    return f"test:{test_id}:{day:%Y-%m-%d}"


def remind_open_tests(db: Database, now: datetime | None = None) -> ReminderSummary:
    """The daily run: every open test."""
    now = now or utcnow()
    summary = ReminderSummary()
    for test in papers.open_tests(db, now):
        _remind(db, test, now, summary)
    return summary


def remind_test(
    db: Database, test: dict, now: datetime | None = None, progress: Callable[[int], None] | None = None
) -> ReminderSummary:
    """One test, now (an admin's action); nothing when its window is not open."""
    now = now or utcnow()
    summary = ReminderSummary()
    if papers.is_open(test, now):
        _remind(db, test, now, summary, progress)
    return summary


def _remind(
    db: Database, test: dict, now: datetime, summary: ReminderSummary, progress: Callable[[int], None] | None = None
) -> None:
    summary.tests += 1
    params = _test_params(test)
    subject = reminder_subject(str(test["_id"]), now)
    scope = {"campus_id": str(test["campus_id"])} if test.get("campus_id") else None
    for chunk in _chunks(_students_without_attempt(db, test), REQUEST_CHUNK):
        requests = [
            NotifyRequest("test_reminder", student, params, subject, scope={**_student_scope(student), **(scope or {})})
            for student in chunk
        ]
        result = notify_many(db, requests)
        summary.students += len(chunk)
        summary.messages += len(result.message_ids)
        summary.created += result.created
        if progress:
            progress(summary.students)


def _test_params(test: dict) -> dict[str, str]:
    end = as_utc(test["window_end"])
    return {
        "test_name": str(test.get("title") or "your test"),
        "window_end": f"{end:%d %b %Y at %H:%M} UTC",
        "test_url": f"{app_base_url()}/tests/{test['_id']}",
    }


def _student_scope(student: dict) -> dict[str, str]:
    return {name: str(student[name]) for name in ("campus_id", "course_id", "batch_id") if student.get(name)}


def _students_without_attempt(db: Database, test: dict) -> Iterator[dict]:
    """Active students the test is assigned to who have no attempt at it yet (any attempt means started)."""
    started = attempts.student_ids_with_attempt(db, str(test["_id"]))
    return (student for student in papers.assigned_students(db, test) if str(student["_id"]) not in started)


def _chunks(items: Iterable[dict], size: int) -> Iterable[list[dict]]:
    chunk: list[dict] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
