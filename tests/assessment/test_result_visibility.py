"""What each role sees of results, on every path that shows one, as a matrix (domain.results).

Every results-bearing endpoint (the results page, a student's history, an attempt and its result,
reports and their jobs) is asked by every role about released and unreleased results of students
in and out of the caller's scope. For each answer the test checks which rows appear, whether their
figures are shown and whether they name the student, against what the rule says: rows in the
caller's scope only; figures to admins who read results once scored and to a student for their own
once released; names, roll numbers, e-mails, account ids and exact times only to callers who may
read students (the others get a pseudonym and times to the day).
"""

from __future__ import annotations

import csv
import io
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.assessment.conftest import now_utc, wait_until

# Who asks. `scope` names the students whose attempts they see (None: none at all, 403).
STUDENTS = ("student_1", "student_3", "other_student")
ROLES: dict[str, dict[str, Any]] = {
    "superadmin": {"scope": set(STUDENTS), "named": True},
    "content_manager": {"scope": set(STUDENTS), "named": False},  # results: read, students: none
    "no_results": {"scope": None, "named": False},  # a sub-superadmin with results: none
    "campus_admin": {"scope": {"student_1", "student_3"}, "named": True},
    "other_campus_admin": {"scope": {"other_student"}, "named": True},
    "course_admin": {"scope": {"student_1"}, "named": True},  # course X: student 1's course
    "course_admin_2": {"scope": {"student_3"}, "named": True},  # course Y
    "student_1": {"scope": {"student_1"}, "named": True},
    "student_3": {"scope": {"student_3"}, "named": True},
}


@dataclass(frozen=True)
class Sitting:
    student: str
    test: str  # "released" or "unreleased"
    attempt_id: str
    overall: int


@pytest.fixture(scope="module")
def people(app, db, org):
    """The org's accounts plus two sub-superadmins: one who reads results but not students, one
    who reads no results."""
    from api.identity.tokens import issue_tokens
    from store import users

    extra = {
        "content_manager": {"results": "read", "tests": "read", "items": "write"},
        "no_results": {"results": "none", "tests": "read", "students": "read"},
    }
    for key, permissions in extra.items():
        user = users.create(
            db,
            {
                "name": key,
                "email": f"{key}.{org.suffix}@example.edu",
                "role": "sub_superadmin",
                "permissions": permissions,
            },
        )
        org.users[key] = user
        org.ids[key] = str(user["_id"])
        with app.app_context():
            org.headers[key] = {"Authorization": f"Bearer {issue_tokens(user)['access_token']}"}
    return org


@pytest.fixture(scope="module")
def sittings(db, people) -> dict[tuple[str, str], Sitting]:
    """Scored attempts: students 1 (course X) and 3 (course Y) of the campus at a released and an
    unreleased test, and the other campus's student at each of its own two tests."""
    from store import attempts, papers
    from store.common import utcnow

    org = people
    now = now_utc()
    found: dict[tuple[str, str], Sitting] = {}
    for campus, batches, students in (
        ("campus", ["batch", "batch_2"], ["student_1", "student_3"]),
        ("other_campus", ["other_batch"], ["other_student"]),
    ):
        for state in ("released", "unreleased"):
            test = papers.create(
                db,
                {
                    "title": f"Visibility {state} {campus}",
                    "campus_id": org.ids[campus],
                    "sections": [{"item_ids": ["0" * 24]}],
                    "duration_minutes": 30,
                    "window_start": now - timedelta(hours=2),
                    "window_end": now + timedelta(hours=2),
                    "attempts_allowed": 1,
                    "release": "manual",
                },
                created_by=org.ids["superadmin"],
            )
            papers.assign(
                db,
                test["_id"],
                batch_ids=[org.ids[b] for b in batches],
                student_ids=[],
                course_ids=sorted({str(org.users[s]["course_id"]) for s in students}),
            )
            if state == "released":
                papers.mark_released(db, test["_id"], utcnow())
            for n, student in enumerate(students):
                user = org.users[student]
                attempt = attempts.start(
                    db,
                    {
                        "test_id": str(test["_id"]),
                        "student_id": str(user["_id"]),
                        "campus_id": org.ids[campus],
                        "batch_id": user["batch_id"],
                        "course_id": user["course_id"],
                        "number": 1,
                        "seed": "s",
                        "items": [],
                        "started_at": utcnow(),
                        "deadline": utcnow() + timedelta(minutes=30),
                    },
                )
                attempts.finish(db, attempt["_id"], "student", utcnow())
                overall = 50 + 10 * (state == "released") + n + (20 if campus == "other_campus" else 0)
                result = {
                    "overall": overall,
                    "subscores": {"reading": overall},
                    "items": [{"item_id": "0" * 24, "type": "mcq", "score": 80, "feedback": "Correct."}],
                }
                stored_state = "released" if state == "released" else "awaiting_release"
                attempts.record_result(db, attempt["_id"], result, stored_state, utcnow())
                found[(student, state)] = Sitting(student, state, str(attempt["_id"]), overall)
            found[("test", f"{state}:{campus}")] = Sitting("", state, str(test["_id"]), 0)
    return found


def _tests(sittings) -> list[tuple[str, str]]:
    return [(key[1], s.attempt_id) for key, s in sittings.items() if key[0] == "test"]


def _sittings_of(sittings) -> list[Sitting]:
    return [s for key, s in sittings.items() if key[0] != "test"]


def _may_see_figures(role: str, sitting: Sitting) -> bool:
    return not role.startswith("student") or sitting.test == "released"


def _check_row(role: str, row: dict, sitting: Sitting, people) -> None:
    """One results row against the rule: figures, and the person or a pseudonym."""
    where = f"{role} sees {sitting}"
    if _may_see_figures(role, sitting):
        assert row["overall"] == sitting.overall, where
        assert row["subscores"] == {"reading": sitting.overall}, where
    else:
        assert row["overall"] is None, where
        assert row["subscores"] is None, where
    user = people.users[sitting.student]
    if ROLES[role]["named"]:
        assert (row["student_id"], row["name"], row["roll_number"]) == (
            str(user["_id"]),
            user["name"],
            user["roll_number"],
        ), where
        assert "pseudonym" not in row, where
    else:
        assert row["pseudonym"], where
        assert not {"student_id", "name", "roll_number"} & set(row), where
        started = datetime.fromisoformat(row["started_at"])
        assert started == started.replace(hour=0, minute=0, second=0, microsecond=0), where  # to the day
        for value in (str(user["_id"]), user["name"], user["roll_number"], user["email"]):
            assert value not in str(row), where


def _visible(role: str, sitting: Sitting) -> bool:
    scope = ROLES[role]["scope"]
    return scope is not None and sitting.student in scope


@pytest.mark.parametrize("role", list(ROLES))
def test_results_pages_show_each_role_what_the_rule_allows(client, people, sittings, role):
    by_attempt = {s.attempt_id: s for s in _sittings_of(sittings)}
    seen: set[str] = set()
    for _, test_id in _tests(sittings):
        resp = client.get(f"/api/v1/tests/{test_id}/results", headers=people.headers[role])
        if ROLES[role]["scope"] is None:
            assert resp.status_code == 403, (role, resp.get_json())
            continue
        if resp.status_code == 404:  # a test outside the caller's scope
            continue
        assert resp.status_code == 200, (role, resp.get_json())
        for row in resp.get_json()["items"]:
            sitting = by_attempt[row["attempt_id"]]
            _check_row(role, row, sitting, people)
            seen.add(row["attempt_id"])
    assert seen == {s.attempt_id for s in _sittings_of(sittings) if _visible(role, s)}


@pytest.mark.parametrize("role", list(ROLES))
def test_a_students_history_shows_each_role_what_the_rule_allows(client, people, sittings, role):
    for student in STUDENTS:
        resp = client.get(f"/api/v1/students/{people.ids[student]}/results", headers=people.headers[role])
        mine = {s.attempt_id: s for s in _sittings_of(sittings) if s.student == student}
        if ROLES[role]["scope"] is None:
            assert resp.status_code == 403, (role, student)
        elif student not in ROLES[role]["scope"]:
            assert resp.status_code == 404, (role, student, resp.get_json())
        else:
            assert resp.status_code == 200, (role, student, resp.get_json())
            rows = resp.get_json()["items"]
            assert {row["attempt_id"] for row in rows} == set(mine), (role, student)
            for row in rows:
                _check_row(role, row, mine[row["attempt_id"]], people)


@pytest.mark.parametrize("role", list(ROLES))
def test_an_attempt_and_its_result_show_each_role_what_the_rule_allows(client, people, sittings, role):
    for sitting in _sittings_of(sittings):
        attempt = client.get(f"/api/v1/attempts/{sitting.attempt_id}", headers=people.headers[role])
        result = client.get(f"/api/v1/attempts/{sitting.attempt_id}/result", headers=people.headers[role])
        where = (role, sitting)
        if ROLES[role]["scope"] is None:
            assert (attempt.status_code, result.status_code) == (403, 403), where
            continue
        if not _visible(role, sitting):
            assert (attempt.status_code, result.status_code) == (404, 404), where
            continue
        assert attempt.status_code == 200, where
        body = attempt.get_json()
        if ROLES[role]["named"]:
            assert body["student_id"] == people.ids[sitting.student], where
        else:
            assert body["student_id"] is None, where
            assert body["pseudonym"], where
        if _may_see_figures(role, sitting):
            assert result.status_code == 200, where
            shown = result.get_json()
            assert (shown["overall"], shown["subscores"]) == (sitting.overall, {"reading": sitting.overall}), where
            assert [item["score"] for item in shown["items"]] == [80], where
        else:
            assert (result.status_code, result.get_json()) == (202, {"state": "awaiting_release"}), where


def _report(client, headers, test_id: str, **body) -> tuple[dict, list[dict]]:
    resp = client.post(f"/api/v1/tests/{test_id}/reports", json=body, headers=headers)
    assert resp.status_code == 202, resp.get_json()
    done = wait_until(
        lambda: (
            (b := client.get(resp.headers["Location"], headers=headers).get_json())["state"] in ("succeeded", "failed")
            and b
        )
    )
    assert done["state"] == "succeeded", done
    with urllib.request.urlopen(done["result"]["download_url"]) as download:
        return done, list(csv.DictReader(io.StringIO(download.read().decode("utf-8-sig"))))


# Assigned to the campus's tests (batch of course X) and never started: a report's not_started row.
NOT_STARTED = "student_2"


def _expected_report(people, sittings, role: str, label: str) -> dict[str, int | None]:
    """Student key -> overall (None: not started) of the rows `role`'s report of a test holds."""
    state, campus = label.split(":")
    expected: dict[str, int | None] = {
        s.student: s.overall
        for s in _sittings_of(sittings)
        if s.test == state and _visible(role, s) and people.users[s.student]["campus_id"] == people.ids[campus]
    }
    if campus == "campus" and "student_1" in (ROLES[role]["scope"] or ()):  # same batch and course
        expected[NOT_STARTED] = None
    return expected


@pytest.mark.parametrize("role", [role for role in ROLES if not role.startswith("student")])
def test_reports_hold_exactly_the_rows_the_caller_pages_through(client, people, sittings, worker, role):
    from config import get_settings
    from domain.results import pseudonym

    headers = people.headers[role]
    key = get_settings().pseudonym_key
    for label, test_id in _tests(sittings):
        if ROLES[role]["scope"] is None:
            refused = client.post(f"/api/v1/tests/{test_id}/reports", json={"anonymised": True}, headers=headers)
            assert refused.status_code == 403, (role, refused.get_json())
            continue
        if client.get(f"/api/v1/tests/{test_id}/results", headers=headers).status_code == 404:
            continue  # a test outside the caller's scope
        expected = _expected_report(people, sittings, role, label)
        _, anonymised = _report(client, headers, test_id, anonymised=True)
        by_pseudonym = {pseudonym(people.ids[student], key): overall for student, overall in expected.items()}
        assert [row["pseudonym"] for row in anonymised] == sorted(by_pseudonym), (role, label)
        for row in anonymised:
            overall = by_pseudonym[row["pseudonym"]]
            assert row["overall"] == ("" if overall is None else str(overall)), (role, label, row)
            assert row["started_at"] == ("" if overall is None else now_utc().date().isoformat()), row  # the day
        named = client.post(f"/api/v1/tests/{test_id}/reports", json={"anonymised": False}, headers=headers)
        if not ROLES[role]["named"]:
            assert named.status_code == 403, (role, named.get_json())
            continue
        _, rows = _report(client, headers, test_id, anonymised=False)
        assert {row["roll_number"]: row["overall"] for row in rows} == {
            people.users[student]["roll_number"]: "" if overall is None else str(overall)
            for student, overall in expected.items()
        }, (role, label)


@pytest.mark.parametrize("anonymised", [True, False])
@pytest.mark.parametrize("student", ["student_1", "student_3"])
def test_students_ask_for_no_report_at_all(client, people, sittings, student, anonymised):
    """Refused at the endpoint, named or not (one request each: a student's export quota is small)."""
    test_id = sittings[("test", "released:campus")].attempt_id  # one of their own tests
    resp = client.post(
        f"/api/v1/tests/{test_id}/reports", json={"anonymised": anonymised}, headers=people.headers[student]
    )
    assert (resp.status_code, resp.get_json()["error"]["code"]) == (403, "forbidden")


@pytest.mark.parametrize("role", list(ROLES))
def test_a_named_reports_job_result_reaches_only_those_who_may_read_students(client, people, sittings, worker, role):
    """The report jobs of the campus's released test, asked for by the campus admin: each role
    either does not see the job, sees it without its result, or sees the download."""
    test_id = sittings[("test", "released:campus")].attempt_id
    owner = people.headers["campus_admin"]
    named, _ = _report(client, owner, test_id, anonymised=False)
    anonymous, _ = _report(client, owner, test_id, anonymised=True)
    may_see_job = role in ("superadmin", "content_manager", "campus_admin")
    for job, needs_names in ((named, True), (anonymous, False)):
        resp = client.get(f"/api/v1/jobs/{job['id']}", headers=people.headers[role])
        if not may_see_job:
            assert resp.status_code == 404, (role, resp.get_json())
            continue
        assert resp.status_code == 200, (role, resp.get_json())
        result = resp.get_json()["result"]
        if needs_names and not ROLES[role]["named"]:
            assert result is None, role
        else:
            assert result["download_url"], role


def test_the_matrix_covers_every_results_bearing_endpoint(client):
    """A route added later that answers with a result schema (ResultRow..., Result) fails here
    until the matrix above asks it too."""
    covered = {
        "/api/v1/tests/{test_id}/results",
        "/api/v1/students/{student_id}/results",
        "/api/v1/attempts/{attempt_id}/result",
    }
    spec = client.get("/api/v1/openapi.json").get_json()
    showing = {
        path
        for path, operations in spec["paths"].items()
        for operation in operations.values()
        if isinstance(operation, dict)
        and any("/Result" in str(answer.get("content", {})) for answer in (operation.get("responses") or {}).values())
    }
    assert showing == covered
