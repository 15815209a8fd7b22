"""Taking a test: every bad input (a clear error, nothing stored half-way), the server-side
deadline and auto-finish, forms drawn per student and stable across a resume, and who sees which
tests, attempts and results."""

from __future__ import annotations

import io
import subprocess
import time
from datetime import timedelta
from random import Random

import pytest
from bson import ObjectId

from store import attempts as attempt_store
from store import items, papers
from store.jobs import NewJob
from tasks.publish import submit
from tests.assessment.conftest import iso, now_utc, speak, wait_until
from tests.identity.conftest import error_of


@pytest.fixture
def sitting(client, org, worker, make_item, make_test):
    """A test (read aloud, mcq, sentence completion) assigned to the batch, and student 1's attempt."""
    read_aloud, mcq, completion = make_item("read_aloud"), make_item("mcq"), make_item("sentence_completion")
    test = make_test([{"item_ids": [read_aloud["id"], mcq["id"], completion["id"]]}], release="immediate")
    client.post(
        f"/api/v1/tests/{test['id']}/assignments",
        json={"batch_ids": [org.ids["batch"]]},
        headers=org.headers["campus_admin"],
    )
    attempt = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=org.headers["student_1"]).get_json()
    items = {item["type"]: item["id"] for item in attempt["items"]}
    return {"test": test, "attempt": attempt, "items": items}


def _put_json(client, org, sitting, item_type, body, who="student_1"):
    return client.put(
        f"/api/v1/attempts/{sitting['attempt']['id']}/answers/{sitting['items'][item_type]}",
        json=body,
        headers=org.headers[who],
    )


def _put_audio(client, org, sitting, item_type, data, who="student_1"):
    return client.put(
        f"/api/v1/attempts/{sitting['attempt']['id']}/answers/{sitting['items'][item_type]}",
        content_type="multipart/form-data",
        data={"audio": (io.BytesIO(data), "answer.webm")},
        headers=org.headers[who],
    )


def _job_of(client, org, resp, who="student_1"):
    return wait_until(
        lambda: (
            (b := client.get(resp.headers["Location"], headers=org.headers[who]).get_json())["state"]
            in ("succeeded", "failed")
            and b
        ),
        timeout=120,
    )


def test_answers_to_the_wrong_place_are_404(client, org, sitting):
    other_item = "0" * 24
    resp = client.put(
        f"/api/v1/attempts/{sitting['attempt']['id']}/answers/{other_item}",
        json={"text": "x"},
        headers=org.headers["student_1"],
    )
    assert resp.status_code == 404
    someone_elses = _put_json(client, org, sitting, "sentence_completion", {"text": "moved"}, who="student_2")
    assert someone_elses.status_code == 404
    assert (
        client.get(f"/api/v1/attempts/{sitting['attempt']['id']}", headers=org.headers["student_2"]).status_code == 404
    )


@pytest.mark.parametrize(
    ("item_type", "body", "field"),
    [
        ("mcq", {"choice": 3}, "choice"),
        ("mcq", {"text": "huge"}, "choice"),
        ("sentence_completion", {"choice": 0}, "text"),
        ("sentence_completion", {"text": "x", "choice": 1}, "text"),
        ("read_aloud", {"text": "I read it"}, "audio"),
    ],
)
def test_answers_of_the_wrong_kind_are_422(client, org, sitting, item_type, body, field):
    resp = _put_json(client, org, sitting, item_type, body)
    assert resp.status_code == 422, resp.get_json()
    assert field in error_of(resp)["details"]
    stored = attempt_store.get(_db(), sitting["attempt"]["id"])
    assert sitting["items"][item_type] not in stored["answers"]  # nothing recorded for a refused answer


def _db():
    from store.mongo import get_db

    return get_db()


def test_the_form_keeps_the_mcq_option_count_and_older_forms_read_the_item(client, org, sitting):
    mcq = sitting["items"]["mcq"]
    stored = attempt_store.get(_db(), sitting["attempt"]["id"])
    assert next(entry for entry in stored["items"] if entry["item_id"] == mcq)["option_count"] == 3
    older = [{k: v for k, v in entry.items() if k != "option_count"} for entry in stored["items"]]
    _db().attempts.update_one({"_id": stored["_id"]}, {"$set": {"items": older}})  # as started before it was kept
    out_of_range = _put_json(client, org, sitting, "mcq", {"choice": 3})
    assert out_of_range.status_code == 422
    assert "3 options" in error_of(out_of_range)["details"]["choice"][0]
    assert _put_json(client, org, sitting, "mcq", {"choice": 2}).status_code == 202


def test_spoken_answers_are_scored_on_the_scoring_queue_and_the_rest_on_the_default_queue(
    client, org, sitting, tmp_path
):
    """A typed or chosen answer must not wait behind a class's recordings (issue 23)."""
    spoken = _put_audio(client, org, sitting, "read_aloud", speak(tmp_path, "the library closes at nine"))
    typed = _put_json(client, org, sitting, "sentence_completion", {"text": "moved"})
    chosen = _put_json(client, org, sitting, "mcq", {"choice": 1})
    queues = {
        name: _db().jobs.find_one({"_id": ObjectId(resp.get_json()["id"])})["queue"]
        for name, resp in (("spoken", spoken), ("typed", typed), ("chosen", chosen))
    }
    assert queues == {"spoken": "scoring", "typed": "default", "chosen": "default"}
    assert {_job_of(client, org, resp)["state"] for resp in (spoken, typed, chosen)} == {"succeeded"}


def test_a_job_naming_an_unknown_queue_is_refused_before_it_is_stored(db):
    before = db.jobs.count_documents({})
    with pytest.raises(ValueError, match="unknown queue"):
        submit(db, NewJob(kind="answer_scoring", owner_id="someone", params={}, queue="fast"))
    assert db.jobs.count_documents({}) == before


def test_audio_to_a_written_item_is_422(client, org, sitting, tmp_path):
    resp = _put_audio(client, org, sitting, "sentence_completion", speak(tmp_path, "moved"))
    assert resp.status_code == 422
    assert "body" in error_of(resp)["details"]


def test_bad_audio_each_gets_its_own_clear_error(client, org, sitting, tmp_path):
    not_audio = _put_audio(client, org, sitting, "read_aloud", b"<html><body>not audio</body></html>" * 40)
    assert (not_audio.status_code, error_of(not_audio)["code"]) == (415, "unsupported_media_type")
    empty = _put_audio(client, org, sitting, "read_aloud", b"")
    assert (empty.status_code, error_of(empty)["code"]) == (400, "empty_file")
    too_large = _put_audio(client, org, sitting, "read_aloud", b"RIFF" + bytes(3 * 1024 * 1024))
    assert (too_large.status_code, error_of(too_large)["code"]) == (413, "payload_too_large")
    corrupt = _put_audio(client, org, sitting, "read_aloud", b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(3000))
    assert corrupt.status_code == 202
    failed = _job_of(client, org, corrupt)
    assert failed["state"] == "failed"
    assert failed["error"]["code"] == "audio_undecodable", failed
    long_file = tmp_path / "long.wav"
    subprocess.run(
        ["sox", "-n", "-r", "8000", "-c", "1", str(long_file), "synth", "65", "sine", "300"], check=True, timeout=60
    )
    too_long = _job_of(client, org, _put_audio(client, org, sitting, "read_aloud", long_file.read_bytes()))
    assert (too_long["state"], too_long["error"]["code"]) == ("failed", "audio_too_long")
    answer = client.get(f"/api/v1/attempts/{sitting['attempt']['id']}", headers=org.headers["student_1"]).get_json()
    assert {i["type"]: i["answer_state"] for i in answer["items"]}["read_aloud"] == "failed"


def test_a_new_answer_replaces_the_earlier_one_and_its_score(client, org, sitting):
    first = _job_of(client, org, _put_json(client, org, sitting, "mcq", {"choice": 0}))
    second = _job_of(client, org, _put_json(client, org, sitting, "mcq", {"choice": 1}))
    assert first["state"] == second["state"] == "succeeded"
    finished = client.post(f"/api/v1/attempts/{sitting['attempt']['id']}/finish", headers=org.headers["student_1"])
    _job_of(client, org, finished)
    result = client.get(f"/api/v1/attempts/{sitting['attempt']['id']}/result", headers=org.headers["student_1"])
    assert result.status_code == 200  # released at once: the test's policy is immediate
    scores = {item["type"]: item["score"] for item in result.get_json()["items"]}
    assert scores["mcq"] == 80


def test_after_finishing_answers_get_409_and_finishing_again_is_the_same_job(client, org, sitting):
    headers = org.headers["student_1"]
    first = client.post(f"/api/v1/attempts/{sitting['attempt']['id']}/finish", headers=headers)
    second = client.post(f"/api/v1/attempts/{sitting['attempt']['id']}/finish", headers=headers)
    assert first.get_json()["id"] == second.get_json()["id"]
    late = _put_json(client, org, sitting, "mcq", {"choice": 1})
    assert (late.status_code, error_of(late)["code"]) == (409, "attempt_finished")
    again = client.post(f"/api/v1/tests/{sitting['test']['id']}/attempts", headers=headers)
    assert (again.status_code, error_of(again)["code"]) == (409, "no_attempts_left")


def test_the_deadline_is_the_servers_and_beat_finishes_the_attempt(client, org, worker, make_item, make_test):
    item = make_item("sentence_completion")
    test = make_test(
        [{"item_ids": [item["id"]]}], window_end=iso(now_utc() + timedelta(seconds=3)), release="immediate"
    )
    client.post(
        f"/api/v1/tests/{test['id']}/assignments",
        json={"student_ids": [org.ids["student_3"]]},
        headers=org.headers["campus_admin"],
    )
    headers = org.headers["student_3"]
    attempt = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=headers).get_json()
    assert attempt["deadline"] <= test["window_end"]  # the earlier of start + duration and the window's end
    time.sleep(5)  # past the deadline and the 1 s grace
    late = client.put(f"/api/v1/attempts/{attempt['id']}/answers/{item['id']}", json={"text": "moved"}, headers=headers)
    assert late.status_code == 409
    # Past the deadline (and the grace), or already finished by the beat sweep: either way, closed.
    assert error_of(late)["code"] in ("deadline_passed", "attempt_finished")
    finished = wait_until(
        lambda: (
            (b := client.get(f"/api/v1/attempts/{attempt['id']}", headers=headers).get_json())["state"] == "finished"
            and b
        ),
        timeout=30,
    )
    assert finished["state"] == "finished"
    result = wait_until(
        lambda: client.get(f"/api/v1/attempts/{attempt['id']}/result", headers=headers).status_code == 200, timeout=30
    )
    assert result
    closed = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=headers)
    assert (closed.status_code, error_of(closed)["code"]) == (409, "test_not_open")


def test_each_student_gets_their_own_draw_and_a_resume_gives_the_same_items(client, org, worker, make_item, make_test):
    for _ in range(6):
        make_item("mcq", module="draw_check")
    test = make_test([{"type": "mcq", "count": 3, "module": "draw_check"}])
    client.post(
        f"/api/v1/tests/{test['id']}/assignments",
        json={"batch_ids": [org.ids["batch"]]},
        headers=org.headers["campus_admin"],
    )
    pool = items.ids_for_draw(
        _db(), {"campus_id": {"$in": [org.ids["campus"], None]}, "type": "mcq", "module": "draw_check"}
    )
    seeds = set()
    for who in ("student_1", "student_2"):
        started = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=org.headers[who]).get_json()
        resumed = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=org.headers[who]).get_json()
        form = [item["id"] for item in started["items"]]
        assert [item["id"] for item in resumed["items"]] == form
        stored = attempt_store.get(_db(), started["id"])
        # The student's own form, drawn from the bank with a seed kept on the attempt: reproducible.
        assert form == Random(stored["seed"]).sample(pool, 3)
        seeds.add(stored["seed"])
    assert len(seeds) == 2


def test_a_draw_asking_for_more_items_than_the_bank_has_is_422_naming_the_section(client, org):
    resp = client.post(
        "/api/v1/tests",
        headers=org.headers["campus_admin"],
        json={
            "title": "Too many",
            "campus_id": org.ids["campus"],
            "duration_minutes": 10,
            "window_start": iso(now_utc()),
            "window_end": iso(now_utc() + timedelta(hours=1)),
            "sections": [{"type": "read_aloud", "count": 1}, {"type": "typing", "count": 99, "level": "advanced"}],
        },
    )
    assert resp.status_code == 422, resp.get_json()
    assert list(error_of(resp)["details"]["sections"]) == ["1"]


def test_a_window_that_ends_before_it_starts_is_422(client, org):
    resp = client.post(
        "/api/v1/tests",
        headers=org.headers["campus_admin"],
        json={
            "title": "Backwards",
            "campus_id": org.ids["campus"],
            "duration_minutes": 10,
            "window_start": iso(now_utc()),
            "window_end": iso(now_utc() - timedelta(hours=1)),
            "sections": [{"type": "read_aloud", "count": 1}],
        },
    )
    assert resp.status_code == 422
    assert "window_end" in error_of(resp)["details"]


def test_assigning_a_batch_outside_the_assigners_scope_is_404(client, org, make_item, make_test):
    test = make_test([{"item_ids": [make_item("mcq")["id"]]}])
    resp = client.post(
        f"/api/v1/tests/{test['id']}/assignments",
        json={"batch_ids": [org.ids["other_batch"]]},
        headers=org.headers["campus_admin"],
    )
    assert resp.status_code == 404
    assert client.get(f"/api/v1/tests/{test['id']}", headers=org.headers["campus_admin"]).get_json()["batch_ids"] == []


def test_who_sees_which_tests_and_results(client, org, worker, make_item, make_test):
    test = make_test([{"item_ids": [make_item("mcq")["id"]]}])
    unassigned = make_test([{"item_ids": [make_item("mcq")["id"]]}])
    client.post(
        f"/api/v1/tests/{test['id']}/assignments",
        json={"batch_ids": [org.ids["batch"]]},
        headers=org.headers["campus_admin"],
    )
    started = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=org.headers["student_1"]).get_json()

    def status(who: str, path: str) -> int:
        return client.get(path, headers=org.headers[who]).status_code

    assert status("course_admin", f"/api/v1/tests/{test['id']}") == 200  # its course's batch
    assert status("course_admin_2", f"/api/v1/tests/{test['id']}") == 404  # another course
    assert status("course_admin", f"/api/v1/tests/{test['id']}/results") == 200
    assert status("course_admin", f"/api/v1/attempts/{started['id']}/result") == 202
    assert status("course_admin_2", f"/api/v1/attempts/{started['id']}") == 404
    assert status("other_campus_admin", f"/api/v1/tests/{test['id']}") == 404
    assert status("student_1", f"/api/v1/tests/{test['id']}") == 403  # the admin view names other students
    assert status("student_1", "/api/v1/tests") == 403
    assert (
        client.post(f"/api/v1/tests/{unassigned['id']}/attempts", headers=org.headers["student_1"]).status_code == 404
    )
    assert client.post("/api/v1/tests", json={}, headers=org.headers["course_admin"]).status_code == 403
    mine = client.get("/api/v1/me/tests", headers=org.headers["student_1"]).get_json()
    assert test["id"] in {t["id"] for t in mine["items"]}
    assert unassigned["id"] not in {t["id"] for t in mine["items"]}
    other = client.get("/api/v1/me/tests", headers=org.headers["other_student"]).get_json()
    assert test["id"] not in {t["id"] for t in other["items"]}


def test_a_rescore_totals_the_attempt_again(client, org, sitting):
    _job_of(client, org, _put_json(client, org, sitting, "mcq", {"choice": 1}))
    _job_of(
        client,
        org,
        client.post(f"/api/v1/attempts/{sitting['attempt']['id']}/finish", headers=org.headers["student_1"]),
    )
    db = _db()
    db.attempts.update_one({"_id": ObjectId(sitting["attempt"]["id"])}, {"$set": {"result.overall": 99}})
    resp = client.post(
        "/api/v1/scoring/rescore",
        json={"attempt_id": sitting["attempt"]["id"], "force": True},
        headers=org.headers["superadmin"],
    )
    assert resp.status_code == 202
    done = _job_of(client, org, resp, who="superadmin")
    assert done["state"] == "succeeded", done
    assert done["result"]["rescored"] == 1
    assert done["result"]["attempts_updated"] == 1
    result = client.get(f"/api/v1/attempts/{sitting['attempt']['id']}/result", headers=org.headers["student_1"])
    assert 20 <= result.get_json()["overall"] <= 80


def test_a_campus_or_batch_a_test_refers_to_cannot_be_deleted(client, org, sitting):
    headers = org.headers["superadmin"]
    for path in (f"campuses/{org.ids['campus']}", f"batches/{org.ids['batch']}", f"courses/{org.ids['course']}"):
        refused = client.delete(f"/api/v1/{path}", headers=headers)
        assert refused.status_code == 409, path
        assert error_of(refused)["details"]["dependents"]["tests"] >= 1, path


def test_a_students_history_and_the_reminders_find_the_assigned_tests(client, org, db, sitting):
    from jobs.notifications.reminders import remind_test

    history = client.get(f"/api/v1/students/{org.ids['student_1']}/results", headers=org.headers["course_admin"])
    assert history.status_code == 200, history.get_json()
    rows = history.get_json()["items"]
    assert [(row["test_id"], row["test_title"]) for row in rows][:1] == [
        (sitting["test"]["id"], sitting["test"]["title"])
    ]
    assert (
        client.get(f"/api/v1/students/{org.ids['student_3']}/results", headers=org.headers["course_admin"]).status_code
        == 404
    )  # another course's student
    # The daily reminder reads the same tests and attempts: student 2 has not started, student 1 has.
    test = papers.get(db, sitting["test"]["id"])
    summary = remind_test(db, test)
    assert summary.students == 1
