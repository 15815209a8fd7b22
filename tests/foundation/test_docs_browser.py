"""Swagger UI in a real headless browser with no network: its scripts come from the API itself,
so the operations render (the CDN it used to load from is unreachable on these machines)."""

from __future__ import annotations

import shutil
import subprocess
import threading

import pytest
from werkzeug.serving import make_server


@pytest.fixture
def live_api(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


def test_swagger_ui_renders_its_operations_offline(live_api, tmp_path):
    browser = shutil.which("chromium")
    assert browser, "chromium is installed by `make install` (apt)"
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path}",
        # Anything not on 127.0.0.1 fails at once: the page must not need the internet.
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--virtual-time-budget=15000",
        "--dump-dom",
        f"{live_api}/api/v1/docs",
    ]
    dom = subprocess.run(command, capture_output=True, text=True, timeout=120, check=True).stdout
    assert "swagger-ui" in dom
    assert dom.count('class="opblock ') > 40  # one block per operation of the spec
    assert "/api/v1/items" in dom
    assert "/api/v1/auth/login" in dom
