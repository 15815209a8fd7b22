"""Tests for admins: sections by fixed items or by draw, the window, release, assignment to
batches and students, results, and reports.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask_jwt_extended import current_user

from api.access import invalid, not_found, rule, scope, user_id
from api.auditing import audit_event
from api.blueprint import Blueprint
from api.errors import ApiError
from api.jobs import job_response
from api.org.batches import BATCHES
from api.org.campuses import CAMPUSES
from api.org.students import STUDENTS
from api.quotas import quota
from api.resource import ScopedResource
from config import get_settings
from domain.filters import all_of
from domain.results import pseudonym, result_view, shows_identity, to_the_day
from schemas.common import ErrorSchema, PageArgsSchema
from schemas.jobs import JobSchema
from schemas.tests import (
    AssignedSchema,
    AssignmentSchema,
    ReportRequestSchema,
    ResultListArgsSchema,
    ResultRowListSchema,
    TestCreateSchema,
    TestListArgsSchema,
    TestListSchema,
    TestSchema,
    TestUpdateSchema,
)
from store import attempts, items, jobs, papers, users
from store.mongo import get_db
from tasks.publish import submit

if TYPE_CHECKING:
    from flask import Response

blp = Blueprint("tests", __name__, url_prefix="/api/v1/tests", description="Tests, assignments, results, reports")
KIND = "tests"
TESTS = ScopedResource(KIND, "test", papers.records)


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(TestListArgsSchema, location="query")
@blp.response(200, TestListSchema)
def list_tests(args: dict) -> dict:
    """Tests the caller may see (admins), filtered and paged."""
    _not_for_students()
    filters: dict[str, Any] = {name: args[name] for name in ("campus_id", "active") if name in args}
    if args.get("batch_id"):
        filters["batch_ids"] = args["batch_id"]
    if args.get("q"):
        filters["title"] = {"$regex": re.escape(args["q"].strip()), "$options": "i"}
    return TESTS.page(filters, args)


def _not_for_students() -> None:
    """The admin view names every assigned student; a student's own view is GET /me/tests."""
    if current_user["role"] == "student":
        raise ApiError(403, "forbidden", "Students see their tests at /api/v1/me/tests.")


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(TestCreateSchema)
@blp.response(201, TestSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_test(body: dict) -> dict:
    """The campus must be one the caller may make tests for; every fixed item must be in its bank
    (the campus's or the shared one) and every draw must find enough items.
    """
    CAMPUSES.reference(body["campus_id"], "campus_id")
    fixed = _checked_sections(body["sections"], body["campus_id"])
    test = TESTS.create(lambda db: papers.create(db, body, created_by=user_id()))
    items.mark_used(get_db(), fixed)
    return test


def _checked_sections(sections: list[dict], campus_id: str) -> list[str]:
    """The fixed item ids of the sections, after checking each section against the bank; 422 naming
    the section otherwise.
    """
    problems: dict[str, list[str]] = {}
    fixed: list[str] = []
    bank = {"campus_id": {"$in": [campus_id, None]}}
    for index, section in enumerate(sections):
        if "item_ids" in section:
            found = items.get_many(get_db(), section["item_ids"])
            usable = {item_id for item_id, item in found.items() if _usable(item, campus_id)}
            missing = [item_id for item_id in section["item_ids"] if item_id not in usable]
            if missing:
                problems[str(index)] = [f"No usable item in this campus's bank: {', '.join(missing)}."]
            fixed += section["item_ids"]
        else:
            query = {**bank, **{name: section[name] for name in ("type", "level", "module") if name in section}}
            available = len(items.ids_for_draw(get_db(), scope_items(query)))
            if available < section["count"]:
                problems[str(index)] = [
                    f"This section draws {section['count']} {section['type']} items but the bank has {available}."
                ]
    if problems:
        raise invalid({"sections": problems})  # type: ignore[dict-item]
    return fixed


def scope_items(query: dict[str, Any]) -> dict[str, Any]:
    """`query` on the item bank narrowed to the items the caller may see."""
    return all_of(query, scope("items"))


def _usable(item: dict, campus_id: str) -> bool:
    return item.get("campus_id") in (campus_id, None) and item.get("active", True) and not item.get("retired")


@blp.route("/<id:test_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, TestSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_test(test_id: str) -> dict:
    """One test (admins)."""
    _not_for_students()
    return TESTS.get(test_id)


@blp.route("/<id:test_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(TestUpdateSchema)
@blp.response(200, TestSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def update_test(body: dict, test_id: str) -> dict:
    """Attempts already started keep their form; the change applies to attempts started after it.
    Switching to immediate release releases the results awaiting release (a results_release job);
    switching away from it never takes a released result back.
    """
    test = TESTS.get_to_change(test_id)
    merged = {**test, **body}
    if merged["window_end"] <= merged["window_start"]:
        raise invalid({"window_end": ["The window must end after it starts."]})
    if merged.get("release") == "scheduled" and not merged.get("release_at"):
        raise invalid({"release_at": ["A scheduled release needs release_at."]})
    fixed = _checked_sections(body["sections"], test["campus_id"]) if "sections" in body else []
    updated = TESTS.update(test, body)
    items.mark_used(get_db(), fixed)
    if body.get("release") == "immediate" and not papers.results_released(test):
        _submit_release(test)  # results awaiting release are released now, as the new policy says
    return updated


@blp.route("/<id:test_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_test(test_id: str) -> None:
    """Delete a test nobody has attempted (409 otherwise)."""
    test = TESTS.get_to_change(test_id)
    TESTS.delete(test, {"attempts": attempts.count_for_test(get_db(), test_id)})


@blp.route("/<id:test_id>/assignments", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(AssignmentSchema)
@blp.response(200, AssignedSchema)
@blp.alt_response(404, schema=ErrorSchema)
def assign_test(body: dict, test_id: str) -> dict:
    """Assign batches and students (each must be the caller's to see, in the test's campus: 404
    otherwise). Each newly assigned student is sent `test_assigned`, once, by a job.
    """
    test = TESTS.get_to_change(test_id)
    batch_docs = [_in_campus(BATCHES.get(batch_id), test, "batch") for batch_id in dict.fromkeys(body["batch_ids"])]
    student_docs = [
        _in_campus(STUDENTS.get(student_id), test, "student") for student_id in dict.fromkeys(body["student_ids"])
    ]
    batch_ids = [str(batch["_id"]) for batch in batch_docs]
    student_ids = [str(student["_id"]) for student in student_docs]
    course_ids = sorted(
        {c for batch in batch_docs for c in batch["course_ids"]} | {student["course_id"] for student in student_docs}
    )
    db = get_db()
    assigned = papers.students_newly_covered(db, test, batch_ids, student_ids)
    updated = papers.assign(db, test["_id"], batch_ids=batch_ids, student_ids=student_ids, course_ids=course_ids)
    TESTS.audit("assign", test, updated)
    job = submit(
        db,
        jobs.NewJob(
            kind="test_assigned",
            owner_id=user_id(),
            params={"test_id": test_id},
            scope={"campus_id": test["campus_id"]},
        ),
    )
    return {"assigned": assigned, "job_id": str(job["_id"])}


def _in_campus(record: dict, test: dict, what: str) -> dict:
    if record.get("campus_id") != test["campus_id"]:
        raise not_found(what)
    return record


@blp.route("/<id:test_id>/release", methods=["POST"])
@rule(KIND, "write")
@blp.response(202, JobSchema, description="A results_release job")
@blp.alt_response(404, schema=ErrorSchema)
def release_results(test_id: str) -> Response:
    """Release the test's results now: each student with a scored result is sent
    `results_released` once; results scored later are released as they are scored.
    """
    test = TESTS.get_to_change(test_id)
    return job_response(_submit_release(test), 202)


def _submit_release(test: dict) -> dict:
    test_id = str(test["_id"])
    job = submit(
        get_db(),
        jobs.NewJob(
            kind="results_release",
            owner_id=user_id(),
            params={"test_id": test_id},
            scope={"campus_id": test["campus_id"]},
        ),
    )
    audit_event("test.results_release_requested", target_type="test", target_id=test_id)
    return job


@blp.route("/<id:test_id>/results", methods=["GET"])
@rule("results", "read")
@blp.arguments(ResultListArgsSchema, location="query")
@blp.response(200, ResultRowListSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def list_results(args: dict, test_id: str) -> dict:
    """The test's attempts in the caller's scope, as domain.results lets the caller see them."""
    TESTS.get(test_id)
    if current_user["role"] == "student" and args["sort"].lstrip("-") == "result.overall":
        # Their own attempts ordered by score would rank results they may not see yet.
        raise invalid({"sort": ["Students cannot sort by score."]})
    query: dict[str, Any] = {"test_id": test_id}
    if args.get("batch_id"):
        query["batch_id"] = args["batch_id"]
    if args.get("state") == "in_progress":
        query["state"] = "in_progress"
    elif args.get("state"):
        query["result_state"] = args["state"]
    page = attempts.results_page(
        get_db(), test_id, all_of(query, scope("attempts")), args["sort"], args["page"], args["per_page"]
    )
    return {**page.as_dict(), "items": result_rows(page.items)}


def result_rows(found: list[dict]) -> list[dict]:
    """Attempts as results rows: what of each the caller may see (domain.results.result_view)."""
    named = shows_identity(current_user)
    people = users.names_and_rolls(get_db(), [attempt["student_id"] for attempt in found]) if named else {}
    key = get_settings().pseudonym_key
    return [_result_row(attempt, people, key) for attempt in found]


def _result_row(attempt: dict, people: dict[str, dict], key: bytes) -> dict:
    view = result_view(current_user, attempt)
    result = (attempt.get("result") or {}) if view.figures else {}
    state = attempt["state"] if attempt["state"] == "in_progress" else attempt.get("result_state")
    when = (lambda moment: moment) if view.identity else to_the_day
    row = {
        "attempt_id": str(attempt["_id"]),
        "test_id": attempt["test_id"],
        "batch_id": attempt.get("batch_id"),
        "number": attempt["number"],
        "state": attempt["state"],
        "result_state": state,
        "overall": result.get("overall"),
        "subscores": result.get("subscores"),
        "started_at": when(attempt["started_at"]),
        "finished_at": when(attempt.get("finished_at")),
    }
    if view.identity:
        person = people.get(attempt["student_id"], {})
        return {
            **row,
            "student_id": attempt["student_id"],
            "name": person.get("name"),
            "roll_number": person.get("roll_number"),
        }
    return {**row, "pseudonym": pseudonym(attempt["student_id"], key)}


history_blp = Blueprint(
    "student_results", __name__, url_prefix="/api/v1/students", description="A student's results across tests"
)


@history_blp.route("/<id:student_id>/results", methods=["GET"])
@rule("results", "read")
@history_blp.arguments(PageArgsSchema, location="query")
@history_blp.response(200, ResultRowListSchema)
@history_blp.alt_response(404, schema=ErrorSchema)
def student_history(args: dict, student_id: str) -> dict:
    """Every attempt of one student (in the caller's scope), newest first, with each test's title."""
    STUDENTS.get(student_id)
    query = {"student_id": student_id}
    page = attempts.page(get_db(), all_of(query, scope("attempts")), "-started_at", args["page"], args["per_page"])
    titles = papers.titles(get_db(), [attempt["test_id"] for attempt in page.items])
    rows = result_rows(page.items)
    return {**page.as_dict(), "items": [{**row, "test_title": titles.get(row["test_id"])} for row in rows]}


@blp.route("/<id:test_id>/reports", methods=["POST"])
@rule("results", "read")
@quota("exports")
@blp.arguments(ReportRequestSchema)
@blp.response(202, JobSchema, description="A test_report job; its result has a download_url")
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema, description="Over the caller's quota; see Retry-After")
def create_report(body: dict, test_id: str) -> Response:
    """The rows the caller would page through at GET /tests/<id>/results (each student's latest
    attempt) plus the assigned students of their scope who have not started; anonymised: a keyed
    pseudonym instead of roll number, name and email, rows in pseudonym order, times to the day.
    Named reports need `students: read`; students get none (403). Cells that could run as formulas
    are neutralised.
    """
    if current_user["role"] == "student":
        raise ApiError(
            403, "forbidden", "Reports are for admins; your results are at /api/v1/students/<your id>/results."
        )
    test = TESTS.get(test_id)
    if not body["anonymised"] and not shows_identity(current_user):
        raise ApiError(403, "forbidden", "Your role may export only anonymised reports.")
    job = submit(
        get_db(),
        jobs.NewJob(
            kind="test_report",
            owner_id=user_id(),
            total=1,
            params={"test_id": test_id, **body},
            scope={"campus_id": test["campus_id"]},
        ),
    )
    audit_event("test.report_requested", target_type="test", target_id=test_id, details=body)
    return job_response(job, 202)
