"""Every query on the hot read paths uses an index: the server's own `explain` says so.

Each path runs once while the test process records the MongoDB queries it sends (tests/querylog),
then each recorded query is explained on the test server and any plan with a collection scan
fails the test, naming the path, the collection and the query. The paths are those a college's
scale makes hot (issue 14): a test's results pages as each kind of admin pages them, a
student's list of open tests, the attempt lookup every answer makes, a job being polled, and
the report of every assigned student. This module runs on SecantusDB, whose `explain` gives
MongoDB's stage tree; nx-27017 answers with SQLite's plan, so the data-layer pass leaves it out.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from bson import ObjectId

from tests.assessment.conftest import ITEMS, iso, now_utc
from tests.querylog import QUERY_LOG, Query

if TYPE_CHECKING:
    from collections.abc import Callable

pytestmark = pytest.mark.functional


def stages(plan: Any) -> list[str]:
    """Every stage named anywhere in an explain document (find or aggregate, any nesting)."""
    found: list[str] = []
    todo = [plan]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            if isinstance(node.get("stage"), str):
                found.append(node["stage"])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return found


def scans(db, query: Query) -> list[str]:
    """The stages of the query's winning plan; the test fails on any COLLSCAN among them."""
    explained = db.command("explain", query.explainable(), verbosity="queryPlanner")
    winning = [explained.get("queryPlanner", {}).get("winningPlan")]
    winning += [
        stage.get("$cursor", {}).get("queryPlanner", {}).get("winningPlan") for stage in explained.get("stages", [])
    ]
    return stages([plan for plan in winning if plan])


def pins_id(query: Query) -> bool:
    """A find whose flat filter fixes `_id` (to one value or a list): a point lookup on every
    server. SecantusDB's explain calls these COLLSCAN, yet runs them through its primary key:
    0.4 ms against 104 ms for the same find with a top-level $or, at 10,000 documents (ADR 0013).
    """
    found = query.command.get("filter") or {}
    if query.name != "find" or "_id" not in found or any(key.startswith("$") for key in found):
        return False
    return not isinstance(found["_id"], dict) or set(found["_id"]) == {"$in"}


@pytest.fixture(scope="module")
def college(app, org) -> dict[str, Any]:
    """A test assigned to two batches and one named student, two attempts started, a report job
    a superadmin asked for."""
    client = app.test_client()
    admin = org.headers["campus_admin"]
    item_ids = []
    for _ in range(2):
        made = client.post("/api/v1/items", json=ITEMS["mcq"], headers=admin)
        assert made.status_code == 201, made.get_json()
        item_ids.append(made.get_json()["id"])
    body = {
        "title": "Plans",
        "campus_id": org.ids["campus"],
        "sections": [{"item_ids": item_ids}],
        "duration_minutes": 30,
        "window_start": iso(now_utc() - timedelta(hours=1)),
        "window_end": iso(now_utc() + timedelta(hours=2)),
        "release": "manual",
    }
    test = client.post("/api/v1/tests", json=body, headers=admin).get_json()
    assigned = {"batch_ids": [org.ids["batch"], org.ids["batch_2"]], "student_ids": [org.ids["student_2"]]}
    assert client.post(f"/api/v1/tests/{test['id']}/assignments", json=assigned, headers=admin).status_code == 200
    attempt_ids = []
    for student in ("student_1", "student_3"):
        started = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=org.headers[student])
        assert started.status_code == 201, started.get_json()
        attempt_ids.append(started.get_json()["id"])
    report = client.post(
        f"/api/v1/tests/{test['id']}/reports", json={"format": "csv"}, headers=org.headers["superadmin"]
    )
    assert report.status_code == 202, report.get_json()
    return {"test": test["id"], "attempt": attempt_ids[0], "job": report.get_json()["id"]}


def hot_paths(client, org, db, college: dict[str, Any]) -> dict[str, Callable[[], Any]]:
    from config import get_settings
    from jobs.attempts import reports

    key = get_settings().pseudonym_key

    def get(path: str, who: str) -> Callable[[], Any]:
        def call() -> Any:
            resp = client.get(path, headers=org.headers[who])
            assert resp.status_code == 200, (path, who, resp.get_json())
            return resp.get_json()

        return call

    results = f"/api/v1/tests/{college['test']}/results"
    return {
        "results page, campus admin": get(results, "campus_admin"),
        "results page, course admin": get(results, "course_admin"),
        "results page, superadmin": get(results, "superadmin"),
        "results page 2, campus admin": get(results + "?page=2&per_page=1", "campus_admin"),
        "a student's open tests": get("/api/v1/me/tests", "student_1"),
        "a student's open tests (named on the test)": get("/api/v1/me/tests", "student_2"),
        "an attempt, as its student (every answer looks it up)": get(
            f"/api/v1/attempts/{college['attempt']}", "student_1"
        ),
        "a job polled by its owner": get(f"/api/v1/jobs/{college['job']}", "superadmin"),
        "a job polled by an admin of its campus": get(f"/api/v1/jobs/{college['job']}", "campus_admin"),
        "the report of every assigned student": lambda: reports.write_report(
            db,
            college["test"],
            "plans",
            requester_id=org.ids["superadmin"],
            file_format="csv",
            anonymised=False,
            key=key,
        ),
        "the report of a course admin's students": lambda: reports.write_report(
            db,
            college["test"],
            "plans",
            requester_id=org.ids["course_admin"],
            file_format="csv",
            anonymised=True,
            key=key,
        ),
    }


def test_every_query_on_a_hot_path_uses_an_index(client, org, db, college):
    scanned, explained = [], 0
    for label, path in hot_paths(client, org, db, college).items():
        with QUERY_LOG.recording() as sent:
            path()
        assert sent, f"{label}: no query recorded (is the listener registered before the clients?)"
        for query in sent:
            if pins_id(query):
                explained += 1
                continue
            plan = scans(db, query)
            assert plan, f"{label}: no plan for {query.name} on {query.collection}: {query.explainable()}"
            explained += 1
            if "COLLSCAN" in plan:
                scanned.append(f"{label}: {query.collection} {query.explainable()} -> {plan}")
    assert not scanned, "queries that scan a whole collection:\n" + "\n".join(scanned)
    assert explained >= len(hot_paths(client, org, db, college))


def test_the_check_sees_a_scan(db):
    """The check itself: a filter on a field no index covers is reported as a scan."""
    from store import attempts

    with QUERY_LOG.recording() as sent:
        attempts.records.find_one(db, {"no_such_indexed_field": 1})
        attempts.records.count(db, {"no_such_indexed_field": 1})
        attempts.records.count(db, {"test_id": "x", "student_id": "y"})
    assert [query.name for query in sent] == ["find", "aggregate", "aggregate"]
    assert "COLLSCAN" in scans(db, sent[0])
    assert "COLLSCAN" in scans(db, sent[1])
    assert "IXSCAN" in scans(db, sent[2])
    assert "COLLSCAN" not in scans(db, sent[2])


@pytest.mark.parametrize(
    ("filter_", "pinned"),
    [
        ({"_id": ObjectId()}, True),
        ({"_id": ObjectId(), "student_id": "s"}, True),
        ({"_id": {"$in": [ObjectId()]}, "role": "student"}, True),
        ({"_id": ObjectId(), "$or": [{"a": 1}, {"b": 1}]}, False),
        ({"$and": [{"_id": ObjectId()}, {"student_id": "s"}]}, False),
        ({"_id": {"$gt": ObjectId()}}, False),
        ({"student_id": "s"}, False),
    ],
)
def test_only_a_flat_filter_that_fixes_the_id_counts_as_a_point_lookup(filter_, pinned):
    assert pins_id(Query("find", "attempts", {"find": "attempts", "filter": filter_})) is pinned
