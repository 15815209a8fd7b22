"""Recording a spoken answer when things go wrong: a refused microphone is explained in words, and a
failed upload keeps the recording so that a retry sends it without recording again."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.console.conftest import SPOKEN_ANSWER, check_page, sign_in
from tests.support.org import Org


@pytest.fixture
def sitting(app, client, db):
    """A student with a password, assigned a one-item read-aloud test, signed in through the API
    only to start the attempt (the browser signs in by itself)."""
    org = Org(db)
    tag = org.suffix
    campus = org.campus("campus", "Recording")
    org.course("course", "campus", f"C {tag}")
    batch = org.batch("batch", "campus", ["course"], f"B {tag}")
    org.account("admin", "campus_admin", campus_id=campus)
    student = org.student("student", "campus", "batch", "course", name="Ravi")
    org.issue_headers(app)
    bearer, student_bearer = org.headers["admin"], org.headers["student"]
    item = client.post(
        "/api/v1/items",
        json={"type": "read_aloud", "level": "beginner", "campus_id": campus, "content": {"text": SPOKEN_ANSWER}},
        headers=bearer,
    ).get_json()
    now = datetime.now(UTC)
    test = client.post(
        "/api/v1/tests",
        json={
            "title": f"Recording {tag}",
            "campus_id": campus,
            "sections": [{"item_ids": [item["id"]]}],
            "duration_minutes": 30,
            "window_start": (now - timedelta(minutes=5)).isoformat(),
            "window_end": (now + timedelta(hours=1)).isoformat(),
        },
        headers=bearer,
    ).get_json()
    client.post(f"/api/v1/tests/{test['id']}/assignments", json={"batch_ids": [batch]}, headers=bearer)
    attempt = client.post(f"/api/v1/tests/{test['id']}/attempts", headers=student_bearer).get_json()
    return {"email": student["email"], "attempt": attempt["id"]}


def _open_the_item(page, sitting) -> None:
    sign_in(page, sitting["email"])
    page.get_by_role("heading", name="My tests").wait_for()
    page.goto(f"/attempts/{sitting['attempt']}")
    page.get_by_role("heading", name=re.compile("Item 1 of 1: Read aloud")).wait_for()


def test_a_refused_microphone_is_explained(new_page, sitting):
    page = new_page()
    page.add_init_script(
        "navigator.mediaDevices.getUserMedia = () =>"
        " Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"
    )
    _open_the_item(page, sitting)
    page.get_by_role("button", name="Record").click()
    page.get_by_text("The microphone was refused").wait_for()
    assert page.get_by_role("button", name="Record").is_enabled()  # they can try again once allowed
    check_page(page)


def test_a_failed_upload_keeps_the_recording_for_a_retry(new_page, sitting, db):
    page = new_page()
    _open_the_item(page, sitting)
    page.get_by_role("button", name="Record").click()
    page.get_by_text("Recording… speak now").wait_for()
    page.wait_for_timeout(2000)
    page.get_by_role("button", name="Stop").click()
    failures = {"left": 1}

    def flaky(route):
        if failures["left"]:
            failures["left"] -= 1
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(re.compile(r".*/api/v1/attempts/.*/answers/.*"), flaky)
    page.get_by_role("button", name="Upload answer").click()
    page.get_by_text("The upload failed").wait_for()
    page.get_by_text("Your recording is kept").wait_for()
    page.get_by_role("button", name="Upload answer").click()  # the same recording, no new one
    page.get_by_text("Your answer is uploaded").wait_for()
    check_page(page)
    from store import attempts

    stored = attempts.get(db, sitting["attempt"])
    assert next(iter(stored["answers"].values()))["state"] == "received"
