"""The web console in a real browser: Debian's headless Chromium driven by Playwright, the app served
on a free port by a real HTTP server, a worker on every queue (messages as outbox files), and a
microphone that plays a spoken WAV made by espeak-ng (Chromium's fake media flags).

Helpers: `axe_check(page)` (axe-core from npm, installed by make: no serious or critical
violation), `fits_a_phone(page)` (no sideways scrolling at 390 px) and `no_token_in_storage(page)`.
A failed test leaves a screenshot of each open page in its tmp folder (the path is printed).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import REPO_ROOT, TEST_PASSWORD, WorkerProcess

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

AXE = REPO_ROOT / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--use-fake-ui-for-media-stream",  # grants the microphone without a prompt
    "--use-fake-device-for-media-stream",
]
SPOKEN_ANSWER = "The library closes at nine on Friday evening."


@dataclass
class Site:
    url: str
    outbox: Path
    ids: dict[str, str] = field(default_factory=dict)
    accounts: dict[str, dict] = field(default_factory=dict)


@pytest.fixture(scope="module")
def outbox_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("console-outbox")


@pytest.fixture(scope="module")
def console_worker(db, tmp_path_factory, outbox_dir) -> Iterator[WorkerProcess]:
    log_dir = tmp_path_factory.mktemp("console-worker")
    # Two pool processes and no send-rate limit: messages other modules left queued in the shared
    # test database are dispatched by this worker's beat too, and must not hold the journey's
    # invitations up behind them.
    process = WorkerProcess(
        log_dir,
        ["-B", "--schedule", str(log_dir / "beat-schedule"), "-c", "2"],
        env={
            "NOTIFY_BACKEND": "outbox",
            "OUTBOX_DIR": str(outbox_dir),
            "SCORING_CPU_THREADS": "2",
            "NOTIFY_RATE_PER_SECOND": "1000",
        },
    ).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def live_url(app) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="module")
def spoken_wav(tmp_path_factory) -> Path:
    """What the fake microphone says: 16-bit PCM WAV, as Chromium's fake capture wants it."""
    folder = tmp_path_factory.mktemp("voice")
    raw, wav = folder / "raw.wav", folder / "answer.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "140", "-w", str(raw), SPOKEN_ANSWER], check=True, timeout=60)
    subprocess.run(
        ["sox", str(raw), "-r", "48000", "-c", "1", "-b", "16", str(wav), "pad", "0.3", "4"], check=True, timeout=60
    )
    return wav


@pytest.fixture(scope="module")
def browser(spoken_wav) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    assert executable, "chromium is installed by `make install` (apt)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=executable, args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={spoken_wav}"]
        )
        yield launched
        launched.close()


@pytest.fixture
def open_pages(request, tmp_path) -> Iterator[list]:
    """Pages a test opens; on failure each is saved as a screenshot in the test's tmp folder."""
    pages: list = []
    yield pages
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for number, page in enumerate(pages):
            path = tmp_path / f"failure-{number}.png"
            page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failed page: {path}")  # noqa: T201 - where to look, in the test output


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def new_page(browser, open_pages, live_url):
    """A page in its own browser context (its own cookies): one per person in a test. The CSP is
    bypassed only so that axe-core can be injected; the console itself runs under it."""

    def make(viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or DESKTOP, bypass_csp=True, base_url=live_url)
        context.set_default_timeout(20_000)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.script_errors = errors
        open_pages.append(page)
        return page

    return make


def axe_check(page) -> None:
    """No serious or critical accessibility violation on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))"
    )
    blocking = [violation for violation in found if violation["impact"] in ("serious", "critical")]
    assert not blocking, json.dumps(blocking, indent=2)


def fits_a_phone(page) -> None:
    """At 390 px nothing makes the page scroll sideways (wide tables scroll inside their own box)."""
    width = page.viewport_size["width"]
    if width != PHONE["width"]:
        page.set_viewport_size(PHONE)
    scroll_width = page.evaluate("document.scrollingElement.scrollWidth")
    page.set_viewport_size({"width": width, "height": page.viewport_size["height"]})
    assert scroll_width <= PHONE["width"], f"{page.url} is {scroll_width} px wide at a phone's 390 px"


def no_token_in_storage(page) -> None:
    storage = page.evaluate("[Object.keys(localStorage), Object.keys(sessionStorage), document.cookie]")
    assert storage[0] == [], storage
    assert storage[1] == [], storage
    assert "aiv_refresh" not in storage[2]  # HttpOnly: no script can read it
    assert "eyJ" not in storage[2]  # no JWT in any readable cookie


def check_page(page) -> None:
    """What every console page must be: accessible, phone-sized, with no token a script can read
    and no script error."""
    axe_check(page)
    fits_a_phone(page)
    no_token_in_storage(page)
    assert not page.script_errors, page.script_errors


def screenshot(page, name: str, directory: Path) -> None:
    page.screenshot(path=str(directory / f"{name}.png"), full_page=True)


def sign_in(page, login: str, password: str = TEST_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Email or roll number").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def invitation_link(outbox: Path, email: str) -> str:
    """The path and query of the invitation link emailed to `email` (from the outbox files)."""
    for path in sorted(outbox.glob("email-*.json")):
        body = json.loads(path.read_text())
        if body.get("to") == email and body.get("template") == "invitation":
            url = body["params"]["invite_url"]
            return url[url.index("/invitations/") :]
    msg = f"no invitation for {email} in {outbox}"
    raise AssertionError(msg)


def unique() -> str:
    return uuid.uuid4().hex[:6]
