"""A test's results pages come from a listing cached in Redis, replaced on every change of a row.

The changes are made by the store functions the workers call (finishing, recording a result,
releasing), so no worker runs here; the pages are read through the API.
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from bson import ObjectId

from store import attempts, listings
from store.common import utcnow
from tests.querylog import QUERY_LOG

pytestmark = pytest.mark.functional


@pytest.fixture
def sat(client, org, make_item, make_test) -> dict[str, Any]:
    """A test of two batches (two courses), started by student_1 (course) and student_3 (course_2)."""
    test = make_test([{"item_ids": [make_item("mcq")["id"]]}])
    assigned = {"batch_ids": [org.ids["batch"], org.ids["batch_2"]]}
    assert client.post(f"/api/v1/tests/{test['id']}/assignments", json=assigned, headers=org.headers["campus_admin"])
    started = {}
    for student in ("student_1", "student_3"):
        resp = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=org.headers[student])
        assert resp.status_code == 201, resp.get_json()
        started[student] = resp.get_json()["id"]
    return {"test": test["id"], "attempts": started}


def results(client, org, test_id: str, who: str = "campus_admin", query: str = "") -> dict:
    resp = client.get(f"/api/v1/tests/{test_id}/results{query}", headers=org.headers[who])
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def attempt_queries(action) -> list[str]:
    with QUERY_LOG.recording() as sent:
        action()
    return [query.name for query in sent if query.collection == attempts.COLLECTION]


def by_student(page: dict) -> dict[str, dict]:
    return {row["student_id"]: row for row in page["items"]}


def test_a_second_read_of_the_same_results_comes_from_the_cache(client, org, sat):
    first = attempt_queries(lambda: results(client, org, sat["test"]))
    assert first  # built from MongoDB
    again = attempt_queries(lambda: results(client, org, sat["test"], query="?page=2&per_page=1"))
    assert again == []
    assert results(client, org, sat["test"], query="?page=2&per_page=1")["total"] == 2


def test_every_change_of_a_row_shows_on_the_next_read(client, org, db, sat):
    test_id, student_1 = sat["test"], org.ids["student_1"]
    attempt_id = ObjectId(sat["attempts"]["student_1"])
    assert by_student(results(client, org, test_id))[student_1]["state"] == "in_progress"

    attempts.finish(db, attempt_id, "student", utcnow())
    row = by_student(results(client, org, test_id))[student_1]
    assert (row["state"], row["result_state"]) == ("finished", "scoring")
    assert row["finished_at"] is not None

    attempts.record_result(db, attempt_id, {"overall": 61, "subscores": {"reading": 61}}, "awaiting_release", utcnow())
    row = by_student(results(client, org, test_id))[student_1]
    assert (row["overall"], row["result_state"]) == (61, "awaiting_release")

    attempts.release_scored(db, test_id, utcnow())
    assert by_student(results(client, org, test_id))[student_1]["result_state"] == "released"


def test_each_scope_filter_and_sort_has_its_own_listing(client, org, db, sat):
    test_id = sat["test"]
    everyone = results(client, org, test_id)
    mine = results(client, org, test_id, who="course_admin")
    assert set(by_student(everyone)) == {org.ids["student_1"], org.ids["student_3"]}
    assert set(by_student(mine)) == {org.ids["student_1"]}
    attempts.finish(db, ObjectId(sat["attempts"]["student_3"]), "student", utcnow())
    attempts.record_result(db, ObjectId(sat["attempts"]["student_3"]), {"overall": 80}, "awaiting_release", utcnow())
    scored = results(client, org, test_id, query="?state=awaiting_release")
    assert [row["student_id"] for row in scored["items"]] == [org.ids["student_3"]]
    best_first = results(client, org, test_id, query="?sort=-result.overall")
    assert best_first["items"][0]["student_id"] == org.ids["student_3"]


def test_with_the_cache_off_every_read_goes_to_mongodb(client, org, settings, monkeypatch, sat):
    monkeypatch.setattr(listings, "get_settings", lambda: dataclasses.replace(settings, results_cache_seconds=0))
    for _ in range(2):
        assert attempt_queries(lambda: results(client, org, sat["test"])) == ["find", "aggregate"]


def test_readers_missing_the_same_listing_together_build_it_once(stack):
    listing = listings.Listing(f"concurrent-{uuid.uuid4().hex[:8]}")
    builds: list[int] = []

    def slow_build() -> list[dict]:
        builds.append(1)
        time.sleep(0.3)
        return [{"n": n} for n in range(5)]

    with ThreadPoolExecutor(max_workers=4) as pool:
        pages = list(pool.map(lambda start: listing.page("owner", {"q": 1}, slow_build, start, start + 2), range(4)))
    assert len(builds) == 1
    assert pages == [([{"n": n} for n in range(start, min(start + 2, 5))], 5) for start in range(4)]
    listing.invalidate("owner")
    assert listing.page("owner", {"q": 1}, slow_build, 0, 1) == ([{"n": 0}], 5)
    assert len(builds) == 2
