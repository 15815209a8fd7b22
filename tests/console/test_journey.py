"""The whole product through the console in a real browser, as its people use it: an admin imports
a roster and watches the progress bar reach 100%, creates a test and assigns it; a student accepts
the emailed invitation, takes the test (a spoken answer recorded from the microphone, a written one
and a multiple-choice one), reloads mid-test and resumes on the same item, finishes and sees
"awaiting release"; the admin releases the results and the student's page shows them. Every page
on the way is checked with axe-core, at a phone's width, and for tokens a script could read.

UPDATE_SCREENSHOTS=1 writes the README's screenshots (docs/screenshots) from this run.
"""

from __future__ import annotations

import os
import random
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.console.conftest import (
    PHONE,
    SCREENSHOTS,
    SPOKEN_ANSWER,
    check_page,
    invitation_link,
    screenshot,
    sign_in,
)
from tests.support.org import Org


@pytest.fixture
def college(app, client, db):
    """A campus with one course and batch, a campus admin, and three items of the campus's bank
    (read aloud, sentence completion, multiple choice), made through the API."""
    org = Org(db)
    tag = org.suffix
    campus = org.campus("campus", "Console campus")
    org.course("course", "campus", f"BSc {tag}")
    batch = org.batch("batch", "campus", ["course"], f"Batch {tag}")
    admin = org.account("admin", "campus_admin", name="Campus Admin", campus_id=campus)
    bearer = org.issue_headers(app)["admin"]
    bodies = [
        {
            "type": "read_aloud",
            "level": "beginner",
            "content": {"text": SPOKEN_ANSWER},
        },
        {
            "type": "sentence_completion",
            "level": "beginner",
            "content": {"sentence": "The meeting was ___ until Monday.", "acceptable_answers": ["postponed"]},
        },
        {
            "type": "mcq",
            "level": "beginner",
            "content": {"question": "Which word means large?", "options": ["tiny", "huge", "thin"], "answer": 1},
        },
    ]
    items = []
    for body in bodies:
        made = client.post("/api/v1/items", json={**body, "campus_id": campus}, headers=bearer)
        assert made.status_code == 201, made.get_json()
        items.append(made.get_json()["id"])
    return {
        "tag": tag,
        "campus": campus,
        "batch": batch,
        "admin": admin,
        "items": items,
        "student_email": f"asha.{tag}@example.edu",
    }


def _roster(tmp_path, college) -> str:
    path = tmp_path / "roster.csv"
    mobiles = random.sample(range(10_000, 100_000), 2)  # unique: other modules' students hold numbers too
    path.write_text(
        "name,roll_number,email,mobile\n"
        f"Asha Rao,R{college['tag']}1,{college['student_email']},+9198765{mobiles[0]}\n"
        f"Vikram Shah,R{college['tag']}2,vikram.{college['tag']}@example.edu,+9198765{mobiles[1]}\n",
        encoding="utf-8",
    )
    return str(path)


def _shots() -> bool:
    return os.environ.get("UPDATE_SCREENSHOTS") == "1"


def test_a_test_from_roster_to_released_result_in_the_browser(  # noqa: PLR0915 - one journey, step by step
    new_page, college, console_worker, outbox_dir, tmp_path
):
    shots = SCREENSHOTS if _shots() else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    admin = new_page()

    # 1. The admin signs in and imports the roster: the progress bar reaches 100%.
    sign_in(admin, college["admin"]["email"])
    admin.get_by_role("heading", name="Organisation").wait_for()
    check_page(admin)
    screenshot(admin, "admin-organisation", shots)
    admin.goto(f"/admin/batches/{college['batch']}/import")
    admin.get_by_label("Roster file (.csv or .xlsx)").set_input_files(_roster(tmp_path, college))
    admin.get_by_label("Dry run: check every row, write nothing").uncheck()
    admin.get_by_role("button", name="Import the roster").click()
    admin.get_by_role("heading", name="Import summary").wait_for(timeout=60_000)
    bar = admin.get_by_label("Import progress")
    assert bar.get_attribute("value") == "100"
    counts = admin.get_by_role("table", name="Counts").inner_text()
    assert re.search(r"created\s+2", counts), counts  # both rows became students
    assert "100%" in admin.locator(".progress-text").last.inner_text()
    check_page(admin)
    screenshot(admin, "admin-roster-import", shots)

    # 2. The admin creates a test of the three items and assigns it to the batch.
    admin.goto("/admin/tests")
    admin.get_by_label("Title").fill(f"Placement {college['tag']}")
    admin.get_by_label("Items (choose one or more)").select_option(college["items"])
    admin.get_by_role("button", name="Create the test").click()
    admin.get_by_role("heading", name=f"Placement {college['tag']}").wait_for()
    test_url = admin.url
    admin.get_by_label("Batches", exact=True).select_option(college["batch"])
    admin.get_by_role("button", name="Assign", exact=True).click()
    admin.get_by_text("student(s) newly assigned").wait_for()
    check_page(admin)

    # 3. The student accepts the emailed invitation (setting a password signs them in).
    student = new_page()
    student.goto(_invitation(outbox_dir, college["student_email"]))
    student.get_by_label("New password", exact=True).fill("Correct-Horse-Battery-9")
    student.get_by_role("button", name="Set password and sign in").click()
    student.get_by_role("heading", name="My tests").wait_for()
    check_page(student)
    screenshot(student, "student-my-tests", shots)
    student.get_by_role("button", name="Start").click()
    student.get_by_role("heading", name="Test in progress").wait_for()

    # 4. Each item in the order of the student's form: the spoken one recorded from the microphone,
    # the written one typed, the multiple-choice one chosen; a reload mid-test resumes on its item.
    for position in (1, 2, 3):
        if position > 1:
            student.get_by_role("link", name="Next item").click()
        heading = student.get_by_role("heading", name=re.compile(f"Item {position} of 3: "))
        heading.wait_for()
        if position == 2:
            student.reload()
            heading.wait_for()
            assert f"item={position}" in student.url
        kind = heading.inner_text().split(": ", 1)[1]
        ANSWER[kind](student)
        check_page(student)
        if kind == "Read aloud":
            screenshot(student, "student-taking-a-test", shots)

    student.get_by_role("button", name="Finish the test").click()
    student.get_by_role("button", name="Yes, finish now").click()
    student.get_by_text("awaiting release", exact=False).wait_for(timeout=90_000)
    check_page(student)

    # 7. The admin releases; the student's page shows the result by itself.
    admin.goto(test_url)
    admin.get_by_role("button", name="Release the results now").click()
    admin.get_by_text(re.compile("Released [0-9]+ result")).wait_for(timeout=60_000)
    admin.get_by_role("button", name="CSV report").click()
    admin.get_by_role("link", name="Download the CSV report").wait_for(timeout=60_000)
    assert admin.get_by_label("CSV report").get_attribute("value") == "100"
    check_page(admin)
    screenshot(admin, "admin-test-results", shots)
    student.get_by_text(re.compile("Overall:")).wait_for(timeout=90_000)
    overall = int(re.search(r"Overall: (\d+)", student.locator(".overall").inner_text()).group(1))
    assert 20 <= overall <= 80
    assert student.get_by_role("table", name="Feedback on each item").is_visible()
    check_page(student)
    screenshot(student, "student-result", shots)


def _speak(student) -> None:
    student.get_by_role("button", name="Record").click()
    student.get_by_text("Recording… speak now").wait_for()
    student.wait_for_timeout(3500)
    student.get_by_role("button", name="Stop").click()
    student.get_by_role("button", name="Upload answer").click()
    student.get_by_text("Your answer is uploaded").wait_for(timeout=30_000)
    assert student.get_by_label("Upload", exact=True).get_attribute("value") == "100"


def _write(student) -> None:
    student.get_by_label("Your answer").fill("postponed")
    student.get_by_text("1 word", exact=True).wait_for()
    student.get_by_role("button", name="Save answer").click()
    student.get_by_text(re.compile("^Saved")).wait_for()


def _choose(student) -> None:
    student.get_by_label("huge").check()
    student.get_by_role("button", name="Save answer").click()
    student.get_by_text(re.compile("^Saved")).wait_for()


ANSWER = {"Read aloud": _speak, "Sentence completion": _write, "Multiple choice": _choose}


def _invitation(outbox_dir, email: str) -> str:
    deadline = datetime.now(UTC) + timedelta(seconds=120)
    while True:
        try:
            return invitation_link(outbox_dir, email)
        except AssertionError as missing:
            if datetime.now(UTC) > deadline:
                raise AssertionError(f"{missing}; the outbox holds: {_messages_for(email)}") from None
            time.sleep(0.5)


def _messages_for(email: str) -> list[dict]:
    """What the database holds for this address (a failure says where the invitation stopped)."""
    from store.mongo import get_db

    db = get_db()
    found = list(db.notifications.find({"recipient.email": email}, {"kind": 1, "state": 1, "next_attempt_at": 1}))
    requests = list(db.notification_requests.find({}, {"state": 1, "released_at": 1, "expanded_at": 1}).limit(5))
    return [*found, {"requests": requests}]


def test_the_console_is_usable_at_a_phones_width_and_signs_in_with_a_cookie(new_page, college):
    page = new_page(PHONE)
    sign_in(page, college["admin"]["email"], "wrong password")
    page.get_by_text("The login or password is not right.").wait_for()
    check_page(page)
    sign_in(page, college["admin"]["email"])
    page.get_by_role("heading", name="Organisation").wait_for()
    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    assert cookies["aiv_refresh"]["httpOnly"]
    assert cookies["aiv_refresh"]["sameSite"] == "Strict"
    page.reload()  # the access token was only in memory: the cookie brings the session back
    page.get_by_role("heading", name="Organisation").wait_for()
    check_page(page)
    page.get_by_role("button", name=re.compile("Sign out")).click()
    page.get_by_role("heading", name="Sign in").wait_for()
    assert "aiv_refresh" not in {cookie["name"] for cookie in page.context.cookies()}


def test_errors_are_shown_next_to_their_field(new_page, college, tmp_path):
    page = new_page()
    sign_in(page, college["admin"]["email"])
    page.get_by_role("heading", name="Organisation").wait_for()
    page.goto("/admin/tests")
    page.get_by_label("Title").fill("No items")
    page.get_by_role("button", name="Create the test").click()
    field_error = page.locator('[data-field="sections"] .field-error')
    field_error.wait_for()
    assert field_error.inner_text().strip()
    assert page.get_by_label("Items (choose one or more)").get_attribute("aria-invalid") == "true"
    check_page(page)
