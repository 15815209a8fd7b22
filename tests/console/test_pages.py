"""Every console page an admin or operator opens, checked the same way (axe-core, a phone's width, no
readable token, no script error), and what each shows from the API: the ops overview, the item
bank with its item import, the password reset pages, and a page the role may not open."""

from __future__ import annotations

import os
import re

import pytest

from tests.console.conftest import SCREENSHOTS, check_page, screenshot, sign_in, unique


@pytest.fixture
def superadmin(make_user):
    return make_user("superadmin", email=f"ops.{unique()}@example.edu")


def test_an_operator_sees_queues_failures_and_the_outbox(new_page, superadmin, db, tmp_path):
    from bson import ObjectId

    from store import jobs

    failed = jobs.create(db, jobs.NewJob(kind="upload", owner_id="console", params={}), queue="default")
    jobs.finish(db, ObjectId(failed["_id"]), "failed", error={"code": "file_unreadable", "message": "Unreadable."})
    page = new_page()
    sign_in(page, superadmin["email"])
    page.get_by_role("heading", name="Organisation").wait_for()
    page.get_by_role("link", name="Operations").click()
    page.get_by_role("heading", name="Operations").wait_for()
    page.get_by_role("table", name="Messages waiting per queue").wait_for()
    assert page.get_by_role("cell", name="scoring", exact=True).is_visible()
    assert page.get_by_role("cell", name="file_unreadable").first.is_visible()
    assert page.get_by_role("link", name=re.compile("Open Flower")).get_attribute("href").startswith("http")
    check_page(page)
    screenshot(page, "ops", SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else tmp_path)


def test_the_item_bank_and_an_item_import_dry_run(new_page, superadmin, console_worker, tmp_path):
    rows = tmp_path / "items.csv"
    rows.write_text("type,level,text\nread_aloud,beginner,Please read this sentence.\nread_aloud,expert,Bad level.\n")
    page = new_page()
    sign_in(page, superadmin["email"])
    page.get_by_role("heading", name="Organisation").wait_for()
    page.goto("/admin/items")
    page.get_by_role("heading", name="Item bank").wait_for()
    check_page(page)
    page.get_by_label("Item file (.csv or .xlsx)").set_input_files(str(rows))
    page.get_by_role("button", name="Import items").click()
    page.get_by_role("heading", name="Dry run summary").wait_for(timeout=60_000)
    errors = page.get_by_role("table", name="Errors by row and column")
    errors.wait_for()
    assert "level" in errors.inner_text()
    check_page(page)


def test_password_reset_pages_say_the_same_for_every_login(new_page):
    page = new_page()
    page.goto("/password-reset")
    page.get_by_label("Email or roll number").fill(f"nobody.{unique()}@example.edu")
    page.get_by_role("button", name="Send me a link").click()
    page.get_by_text("If an account matches").wait_for()
    check_page(page)
    page.goto(f"/password-reset/confirm?token=not-a-real-token-{unique()}{unique()}{unique()}")
    page.get_by_label("New password", exact=True).fill("Correct-Horse-Battery-9")
    page.get_by_role("button", name="Set new password").click()
    page.get_by_text("This link is not valid").wait_for()
    check_page(page)


def test_a_student_cannot_open_admin_pages(new_page, make_user):
    student = make_user("student", email=f"student.{unique()}@example.edu", roll_number=f"S{unique()}")
    page = new_page()
    sign_in(page, student["email"])
    page.get_by_role("heading", name="My tests").wait_for()
    page.goto("/admin")
    page.get_by_role("heading", name="Not for your account").wait_for()
    check_page(page)


def test_dark_mode_follows_the_system_and_stays_accessible(browser, live_url, open_pages):
    context = browser.new_context(color_scheme="dark", bypass_csp=True, base_url=live_url)
    page = context.new_page()
    page.script_errors = []
    open_pages.append(page)
    page.goto("/login")
    page.get_by_role("heading", name="Sign in").wait_for()
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(20, 23, 28)"  # the dark palette's background
    check_page(page)
