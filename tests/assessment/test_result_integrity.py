"""A result is computed once, from answers given in time, and released by one forward-only state
machine (domain.results): students cannot stop their own result from being computed, answers
cannot land after the deadline or an item's own time, typing is timed by the server, a passage to
reconstruct is shown for its reading time only, re-scores coalesce, and item feedback waits until
no further attempt can follow.

Most tests here run with no worker, so jobs stay queued exactly where the test wants them; the
engine functions a worker would call are called directly where a step needs one.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from bson import ObjectId

from store import attempts as attempt_store
from store import jobs as job_store
from store.common import utcnow
from tests.identity.conftest import error_of


def _sitting(client, org, make_test, item_ids: list[str], who: str = "student_1", **test: Any) -> dict:
    made = make_test([{"item_ids": item_ids}], **test)
    client.post(
        f"/api/v1/tests/{made['id']}/assignments",
        json={"batch_ids": [org.ids["batch"]]},
        headers=org.headers["campus_admin"],
    )
    started = client.post(f"/api/v1/tests/{made['id']}/attempts", headers=org.headers[who])
    assert started.status_code == 201, started.get_json()
    return {"test": made, "attempt": started.get_json()}


def _answer(client, org, attempt_id: str, item_id: str, body: dict, who: str = "student_1"):
    return client.put(f"/api/v1/attempts/{attempt_id}/answers/{item_id}", json=body, headers=org.headers[who])


def _finish(client, org, attempt_id: str, who: str = "student_1") -> dict:
    resp = client.post(f"/api/v1/attempts/{attempt_id}/finish", headers=org.headers[who])
    assert resp.status_code == 202, resp.get_json()
    return resp.get_json()


def _db():
    from store.mongo import get_db

    return get_db()


# --- a student cannot stop their own result from being computed ------------------------------------


def test_students_cannot_cancel_the_jobs_their_result_depends_on(client, org, make_item, make_test):
    mcq = make_item("mcq")
    sat = _sitting(client, org, make_test, [mcq["id"]], release="immediate")
    answer = _answer(client, org, sat["attempt"]["id"], mcq["id"], {"choice": 1})
    assert answer.status_code == 202
    settle = _finish(client, org, sat["attempt"]["id"])
    for job in (answer.get_json(), settle):
        refused = client.post(f"/api/v1/jobs/{job['id']}/cancel", headers=org.headers["student_1"])
        assert (refused.status_code, error_of(refused)["code"]) == (403, "forbidden"), job["kind"]
        assert job_store.get(_db(), job["id"])["state"] == "queued"  # untouched
        assert client.get(f"/api/v1/jobs/{job['id']}", headers=org.headers["student_1"]).status_code == 200


def test_an_answer_whose_job_was_cancelled_is_settled_unscored_by_the_sweeper(client, org, make_item, make_test):
    """An admin may still cancel a queued scoring job; the answer then counts as not answered,
    with the reason, and the sweeper settles the attempt instead of leaving it `scoring`."""
    from jobs.attempts.results import settle_stuck

    mcq, completion = make_item("mcq"), make_item("sentence_completion")
    sat = _sitting(client, org, make_test, [mcq["id"], completion["id"]], release="immediate")
    attempt_id = sat["attempt"]["id"]
    answer = _answer(client, org, attempt_id, mcq["id"], {"choice": 1}).get_json()
    cancelled = client.post(f"/api/v1/jobs/{answer['id']}/cancel", headers=org.headers["superadmin"])
    assert cancelled.get_json()["state"] == "cancelled"
    _finish(client, org, attempt_id)
    assert attempt_store.get(_db(), attempt_id)["result_state"] == "scoring"  # waits for the mcq answer
    assert settle_stuck(_db(), utcnow() + timedelta(minutes=5)) >= 1
    stored = attempt_store.get(_db(), attempt_id)
    assert stored["result_state"] == "released"
    assert stored["answers"][mcq["id"]]["state"] == "failed"
    result = client.get(f"/api/v1/attempts/{attempt_id}/result", headers=org.headers["student_1"]).get_json()
    unscored = {item["item_id"]: item for item in result["items"]}[mcq["id"]]
    assert unscored["unscored_reason"] == "cancelled"
    assert "could not be scored" in unscored["feedback"]


def test_a_scoring_job_that_ends_without_a_score_settles_its_attempt_at_once(client, org, make_item, make_test):
    """Whichever path ends an answer's job failed or cancelled (its worker, the sweeper), the
    follow-up marks the answer failed with the reason and settles the attempt."""
    import tasks.assessment  # noqa: F401 - declares answer_scoring's follow-up
    from tasks.runtime import finish_job

    mcq = make_item("mcq")
    sat = _sitting(client, org, make_test, [mcq["id"]], release="immediate")
    attempt_id = sat["attempt"]["id"]
    answer = _answer(client, org, attempt_id, mcq["id"], {"choice": 1}).get_json()
    _finish(client, org, attempt_id)
    job = job_store.get(_db(), answer["id"])
    assert finish_job(_db(), job, "failed", error={"code": "worker_lost", "message": "gone"})
    stored = attempt_store.get(_db(), attempt_id)
    assert stored["answers"][mcq["id"]] | {"at": None} == {
        "state": "failed",
        "job_id": answer["id"],
        "reason": "worker_lost",
        "at": None,
    }
    assert stored["result_state"] == "released"


# --- answers arrive in time, or not at all ------------------------------------------------------


def test_the_write_that_stores_an_answer_checks_the_deadline_itself(client, org, make_item, make_test, monkeypatch):
    """The view's early check passes, then the deadline passes before the answer is written (a
    slow upload): the write's own filter refuses it and nothing is stored or queued."""
    import api.assessment.attempts as view

    mcq = make_item("mcq")
    sat = _sitting(client, org, make_test, [mcq["id"]])
    attempt_id = sat["attempt"]["id"]
    _db().attempts.update_one({"_id": ObjectId(attempt_id)}, {"$set": {"deadline": utcnow() - timedelta(minutes=1)}})
    monkeypatch.setattr(view, "_refuse_when_closed", lambda _attempt: None)  # as if it ran before the deadline
    before = _db().jobs.count_documents({"kind": "answer_scoring", "params.attempt_id": attempt_id})
    late = _answer(client, org, attempt_id, mcq["id"], {"choice": 1})
    assert late.status_code == 409, late.get_json()
    assert mcq["id"] not in attempt_store.get(_db(), attempt_id)["answers"]
    assert _db().jobs.count_documents({"kind": "answer_scoring", "params.attempt_id": attempt_id}) == before


def test_the_worker_refuses_an_answer_that_arrived_late(client, org, make_item, make_test):
    from jobs.attempts.answers import score_answer
    from workers.errors import WorkError

    mcq = make_item("mcq")
    sat = _sitting(client, org, make_test, [mcq["id"]])
    attempt_id = sat["attempt"]["id"]
    job = _answer(client, org, attempt_id, mcq["id"], {"choice": 1}).get_json()
    arrived = utcnow()
    _db().attempts.update_one(
        {"_id": ObjectId(attempt_id)}, {"$set": {"deadline": arrived - timedelta(minutes=5)}}
    )  # e.g. written by a process whose clock was wrong
    with pytest.raises(WorkError) as refused:
        score_answer(
            _db(),
            ObjectId(job["id"]),
            attempt_id,
            mcq["id"],
            {"kind": "choice", "choice": 1},
            grace=timedelta(seconds=1),
        )
    assert refused.value.code == "answer_late"


def test_a_settled_result_changes_only_through_an_explicit_rescore(client, org, make_item, make_test):
    from jobs.attempts.results import settle_attempt

    mcq = make_item("mcq")
    sat = _sitting(client, org, make_test, [mcq["id"]], release="immediate")
    attempt_id = sat["attempt"]["id"]
    _finish(client, org, attempt_id)  # nothing answered: settles at the floor
    assert settle_attempt(_db(), attempt_id) == "released"
    settled = attempt_store.get(_db(), attempt_id)["result"]
    _db().attempts.update_one({"_id": ObjectId(attempt_id)}, {"$set": {"result.overall": 99}})
    assert settle_attempt(_db(), attempt_id) == "released"  # a late or repeated settle: no re-total
    assert attempt_store.get(_db(), attempt_id)["result"]["overall"] == 99
    assert settle_attempt(_db(), attempt_id, rescore=True) == "released"
    assert attempt_store.get(_db(), attempt_id)["result"]["overall"] == settled["overall"]


# --- the server's clock for each item -------------------------------------------------------------


@pytest.fixture
def typing_item(client, org):
    resp = client.post(
        "/api/v1/items",
        json={"type": "typing", "level": "beginner", "content": {"passage": "The quick brown fox jumps over the dog."}},
        headers=org.headers["campus_admin"],
    )
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_typing_is_timed_by_the_server_and_a_disagreeing_client_is_only_flagged(client, org, make_test, typing_item):
    sat = _sitting(client, org, make_test, [typing_item["id"]])
    attempt_id, item_id = sat["attempt"]["id"], typing_item["id"]
    listed = {item["id"]: item for item in sat["attempt"]["items"]}[item_id]
    assert (listed["clocked"], listed["prompt"]) == (True, {})  # not served with the attempt
    unopened = _answer(client, org, attempt_id, item_id, {"text": "The quick brown fox.", "elapsed_seconds": 1})
    assert (unopened.status_code, error_of(unopened)["code"]) == (409, "item_not_opened")
    opened = client.get(f"/api/v1/attempts/{attempt_id}/items/{item_id}", headers=org.headers["student_1"])
    assert opened.status_code == 200, opened.get_json()
    assert opened.get_json()["prompt"]["passage"].startswith("The quick brown fox")
    # The student took a minute by the server's clock and claims one second.
    _db().attempts.update_one(
        {"_id": ObjectId(attempt_id)}, {"$set": {f"answers.{item_id}.opened_at": utcnow() - timedelta(seconds=60)}}
    )
    job = _answer(client, org, attempt_id, item_id, {"text": "The quick brown fox jumps.", "elapsed_seconds": 1})
    assert job.status_code == 202, job.get_json()
    answer = job_store.get(_db(), job.get_json()["id"])["params"]["answer"]
    assert 60 <= answer["elapsed_seconds"] < 90
    assert (answer["client_elapsed_seconds"], answer["timing_disagrees"]) == (1, True)


def test_a_passage_to_reconstruct_is_shown_for_its_reading_time_only(client, org, make_test):
    passage = "Our library will close early on Friday because the heating system is being repaired."
    item = client.post(
        "/api/v1/items",
        json={
            "type": "passage_reconstruction",
            "level": "beginner",
            "content": {"passage": passage, "reading_seconds": 30},
        },
        headers=org.headers["campus_admin"],
    ).get_json()
    sat = _sitting(client, org, make_test, [item["id"]])
    attempt_id, path = sat["attempt"]["id"], f"/api/v1/attempts/{sat['attempt']['id']}/items/{item['id']}"
    assert passage not in str(sat["attempt"])
    first = client.get(path, headers=org.headers["student_1"]).get_json()
    assert first["prompt"]["passage"] == passage
    assert "shown_until" in first
    again = client.get(path, headers=org.headers["student_1"]).get_json()
    assert again["prompt"]["passage"] == passage  # a reload within the reading time
    assert again["opened_at"] == first["opened_at"]  # the clock started once
    _db().attempts.update_one(
        {"_id": ObjectId(attempt_id)}, {"$set": {f"answers.{item['id']}.opened_at": utcnow() - timedelta(seconds=31)}}
    )
    later = client.get(path, headers=org.headers["student_1"]).get_json()
    assert later["content_hidden"] is True
    assert passage not in str(later)
    whole = client.get(f"/api/v1/attempts/{attempt_id}", headers=org.headers["student_1"]).get_json()
    assert passage not in str(whole)


def test_an_answer_past_the_items_time_limit_is_refused(client, org, make_item, make_test, monkeypatch):
    import api.assessment.attempts as view

    timed = make_item("sentence_completion", time_limit_seconds=20)
    sat = _sitting(client, org, make_test, [timed["id"]])
    attempt_id, item_id = sat["attempt"]["id"], timed["id"]
    client.get(f"/api/v1/attempts/{attempt_id}/items/{item_id}", headers=org.headers["student_1"])
    in_time = _answer(client, org, attempt_id, item_id, {"text": "postponed"})
    assert in_time.status_code == 202, in_time.get_json()
    _db().attempts.update_one(
        {"_id": ObjectId(attempt_id)}, {"$set": {f"answers.{item_id}.opened_at": utcnow() - timedelta(seconds=25)}}
    )  # 20 s limit + 1 s grace are over
    late = _answer(client, org, attempt_id, item_id, {"text": "moved"})
    assert (late.status_code, error_of(late)["code"]) == (409, "item_time_over")
    # The write checks the item's clock itself too, should the view's check have passed a moment earlier.
    monkeypatch.setattr(view, "_item_clock", lambda _attempt, _entry, _now: None)
    raced = _answer(client, org, attempt_id, item_id, {"text": "moved"})
    assert (raced.status_code, error_of(raced)["code"]) == (409, "item_time_over")
    stored = attempt_store.get(_db(), attempt_id)["answers"][item_id]
    assert stored["job_id"] == in_time.get_json()["id"]  # the answer given in time stands


# --- release: one forward-only state machine ------------------------------------------------------


def _finished_unanswered(client, org, make_item, make_test, **test: Any) -> dict:
    sat = _sitting(client, org, make_test, [make_item("mcq")["id"]], **test)
    _finish(client, org, sat["attempt"]["id"])
    return sat


def test_a_release_between_a_settles_read_and_its_write_still_releases_the_result(
    client, org, make_item, make_test, monkeypatch
):
    from jobs.attempts import results

    sat = _finished_unanswered(client, org, make_item, make_test, release="manual")
    test_id, attempt_id = sat["test"]["id"], sat["attempt"]["id"]
    real_get = results.papers.get
    calls = {"n": 0}

    def stale_then_released(db, wanted, *args):
        stale = real_get(db, wanted, *args)
        calls["n"] += 1
        if calls["n"] == 1:  # the settle has read the test; now the release runs, then the settle writes
            assert results.release_test(db, test_id)["released"] == 0
        return stale

    monkeypatch.setattr(results.papers, "get", stale_then_released)
    assert results.settle_attempt(_db(), attempt_id) == "released"
    assert attempt_store.get(_db(), attempt_id)["result_state"] == "released"


def test_a_release_before_the_settle_and_a_settle_before_the_release_both_end_released(
    client, org, make_item, make_test
):
    from jobs.attempts import results

    early = _finished_unanswered(client, org, make_item, make_test, release="manual")
    assert results.settle_attempt(_db(), early["attempt"]["id"]) == "awaiting_release"
    assert results.release_test(_db(), early["test"]["id"])["released"] == 1
    late = _finished_unanswered(client, org, make_item, make_test, release="manual")
    results.release_test(_db(), late["test"]["id"])
    assert results.settle_attempt(_db(), late["attempt"]["id"]) == "released"
    for sat in (early, late):
        assert attempt_store.get(_db(), sat["attempt"]["id"])["result_state"] == "released"


def test_switching_the_release_mode_and_rescoring_never_takes_a_released_result_back(client, org, make_item, make_test):
    from jobs.attempts import results

    sat = _finished_unanswered(client, org, make_item, make_test, release="immediate")
    assert results.settle_attempt(_db(), sat["attempt"]["id"]) == "released"
    switched = client.patch(
        f"/api/v1/tests/{sat['test']['id']}", json={"release": "manual"}, headers=org.headers["campus_admin"]
    )
    assert switched.status_code == 200, switched.get_json()
    assert results.settle_attempt(_db(), sat["attempt"]["id"], rescore=True) == "released"
    assert attempt_store.get(_db(), sat["attempt"]["id"])["result_state"] == "released"


# --- item feedback waits until no further attempt can follow --------------------------------------


def test_item_feedback_is_held_while_another_attempt_can_follow(client, org, make_item, make_test):
    from jobs.attempts.results import settle_attempt

    mcq = make_item("mcq")
    made = make_test([{"item_ids": [mcq["id"]]}], release="immediate", attempts_allowed=2)
    client.post(
        f"/api/v1/tests/{made['id']}/assignments",
        json={"batch_ids": [org.ids["batch"]]},
        headers=org.headers["campus_admin"],
    )
    shown = []
    for _ in range(2):
        attempt = client.post(f"/api/v1/tests/{made['id']}/attempts", headers=org.headers["student_2"]).get_json()
        _finish(client, org, attempt["id"], who="student_2")
        assert settle_attempt(_db(), attempt["id"]) == "released"
        result = client.get(f"/api/v1/attempts/{attempt['id']}/result", headers=org.headers["student_2"]).get_json()
        shown.append(result)
    first, last = shown
    assert first["overall"] is not None  # the figures are released...
    assert (first["items"], first["item_feedback_held"]) == ([], True)  # ...the right/wrong per item is not
    assert (len(last["items"]), last["item_feedback_held"]) == (1, False)  # no attempt left: shown
    admin = client.get(f"/api/v1/attempts/{attempt['id']}/result", headers=org.headers["campus_admin"])
    assert len(admin.get_json()["items"]) == 1


# --- re-scoring is bounded work ---------------------------------------------------------------------


def test_identical_rescores_coalesce_into_one_job(client, org, make_item, make_test):
    mcq = make_item("mcq")
    sat = _sitting(client, org, make_test, [mcq["id"]])
    headers = org.headers["superadmin"]
    ids = set()
    for _ in range(10):
        resp = client.post("/api/v1/scoring/rescore", json={"test_id": sat["test"]["id"]}, headers=headers)
        assert resp.status_code == 202, resp.get_json()
        ids.add(resp.get_json()["id"])
    assert len(ids) == 1
    forced = client.post("/api/v1/scoring/rescore", json={"test_id": sat["test"]["id"], "force": True}, headers=headers)
    assert forced.get_json()["id"] not in ids  # not identical: its own job
    job_store.finish(_db(), ObjectId(ids.pop()), "succeeded", result={})
    after = client.post("/api/v1/scoring/rescore", json={"test_id": sat["test"]["id"]}, headers=headers)
    assert after.get_json()["state"] == "queued"  # the earlier one ended: a new request is new work


def test_the_rescore_quota_counts_answers_not_requests(app, client, org, make_item, make_test, monkeypatch):
    from api.quotas import QUOTAS_CONFIG

    small = {**app.config[QUOTAS_CONFIG], "rescore": {"student": "1/hour", "admin": "3/hour"}}
    monkeypatch.setitem(app.config, QUOTAS_CONFIG, small)
    sat = _sitting(client, org, make_test, [make_item("mcq")["id"]])
    for n in range(2):  # two answers scored, as a scoring job would store them
        _db().scores.insert_one(
            {"attempt_id": sat["attempt"]["id"], "test_id": sat["test"]["id"], "kind": "mcq", "n": n}
        )
    headers = org.headers["superadmin"]
    first = client.post("/api/v1/scoring/rescore", json={"attempt_id": sat["attempt"]["id"]}, headers=headers)
    assert first.status_code == 202  # 2 of 3 answers used
    joined = client.post("/api/v1/scoring/rescore", json={"attempt_id": sat["attempt"]["id"]}, headers=headers)
    assert joined.get_json()["id"] == first.get_json()["id"]  # joining costs nothing
    other = client.post(
        "/api/v1/scoring/rescore", json={"attempt_id": sat["attempt"]["id"], "force": True}, headers=headers
    )
    assert other.status_code == 429  # 2 more answers would exceed 3


def test_switching_to_immediate_release_releases_what_awaits_release(client, org, make_item, make_test):
    sat = _finished_unanswered(client, org, make_item, make_test, release="manual")
    switched = client.patch(
        f"/api/v1/tests/{sat['test']['id']}", json={"release": "immediate"}, headers=org.headers["campus_admin"]
    )
    assert switched.status_code == 200, switched.get_json()
    assert _db().jobs.count_documents({"kind": "results_release", "params.test_id": sat["test"]["id"]}) == 1


# --- a score is filed only under an assessment the caller may see -----------------------------------


def test_a_score_cannot_be_filed_under_another_campus_assessment(client, org, make_item, make_test):
    sat = _sitting(client, org, make_test, [make_item("mcq")["id"]])
    body = {
        "item_type": "sentence_completion",
        "answer": "postponed",
        "item": {"sentence": "It was ___ until Monday.", "acceptable_answers": ["postponed"]},
    }
    for ref, value in (("attempt_id", sat["attempt"]["id"]), ("test_id", sat["test"]["id"])):
        foreign = client.post(
            "/api/v1/scoring/written", json={**body, ref: value}, headers=org.headers["other_campus_admin"]
        )
        assert (foreign.status_code, list(error_of(foreign)["details"])) == (422, [ref]), foreign.get_json()
        own = client.post("/api/v1/scoring/written", json={**body, ref: value}, headers=org.headers["campus_admin"])
        assert own.status_code == 202, own.get_json()


def test_an_answers_audio_meets_the_one_upload_rule(client, org, make_item, make_test):
    """Answer audio is parsed like every other upload (an unknown part is refused) and sniffed
    like /scoring/spoken's (not audio by its bytes: 415)."""
    import io

    read_aloud = make_item("read_aloud")
    sat = _sitting(client, org, make_test, [read_aloud["id"]])
    path = f"/api/v1/attempts/{sat['attempt']['id']}/answers/{read_aloud['id']}"
    wav = b"RIFF\x24\x08\x00\x00WAVEfmt " + bytes(3000)
    extra = client.put(
        path,
        content_type="multipart/form-data",
        data={"audio": (io.BytesIO(wav), "a.wav"), "note": "hello"},
        headers=org.headers["student_1"],
    )
    assert (extra.status_code, list(error_of(extra)["details"])) == (422, ["note"]), extra.get_json()
    text = client.put(
        path,
        content_type="multipart/form-data",
        data={"audio": (io.BytesIO(b"plain text, not audio\n" * 50), "a.wav")},
        headers=org.headers["student_1"],
    )
    assert (text.status_code, error_of(text)["code"]) == (415, "unsupported_media_type")
    assert read_aloud["id"] not in attempt_store.get(_db(), sat["attempt"]["id"])["answers"]
