"""Recording a spoken answer when things go wrong: a refused microphone is explained in words, and a
failed upload keeps the recording so that a retry sends it without recording again."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.console.conftest import SPOKEN_ANSWER, check_page, sign_in


@pytest.fixture
def sitting(app, client, db):
    """A student with a password, assigned a one-item read-aloud test, signed in through the API
    only to start the attempt (the browser signs in by itself)."""
    from api.identity.tokens import issue_tokens
    from security.passwords import hash_password
    from store import batches, campuses, courses, users
    from tests.conftest import TEST_PASSWORD

    tag = uuid.uuid4().hex[:6]
    campus = str(campuses.create(db, {"name": f"Recording {tag}"})["_id"])
    course = str(courses.create(db, {"name": f"C {tag}", "campus_id": campus})["_id"])
    batch = str(batches.create(db, {"name": f"B {tag}", "campus_id": campus, "course_ids": [course]})["_id"])
    admin = users.create(
        db, {"name": "Admin", "email": f"rec.admin.{tag}@example.edu", "role": "campus_admin", "campus_id": campus}
    )
    student = users.create(
        db,
        {
            "name": "Ravi",
            "email": f"rec.student.{tag}@example.edu",
            "role": "student",
            "roll_number": f"REC{tag}",
            "campus_id": campus,
            "batch_id": batch,
            "course_id": course,
            "password_hash": hash_password(TEST_PASSWORD),
        },
    )
    with app.app_context():
        bearer = {"Authorization": f"Bearer {issue_tokens(admin)['access_token']}"}
        student_bearer = {"Authorization": f"Bearer {issue_tokens(student)['access_token']}"}
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
