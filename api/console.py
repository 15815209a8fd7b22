"""The web console: one page (web/index.html) for every console path, and its own files. The page
is a client of the public API like any other (ADR 0018); nothing here reads or writes data.

Console paths are real paths, so the links in emails (/invitations/accept, /password-reset/confirm,
/tests/<id>, /attempts/<id>/result) open the console directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from flask import Blueprint, send_from_directory

from api.access import public
from config import get_settings

if TYPE_CHECKING:
    from flask import Response

WEB = Path(__file__).resolve().parents[1] / "web"
ASSETS_MAX_AGE = 300
# The first path segment of every page the console has (anything else is the API's, or a 404).
SECTIONS = ", ".join(
    f'"{name}"' for name in ("login", "invitations", "password-reset", "tests", "attempts", "admin", "ops")
)

blp = Blueprint("console", __name__)


def content_security_policy() -> str:
    """Only our own scripts and styles; prompt audio and recordings may come from S3 and blobs."""
    endpoint = get_settings().s3_endpoint_url
    storage = f"{urlparse(endpoint).scheme}://{urlparse(endpoint).netloc}" if endpoint else "https://*.amazonaws.com"
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            f"media-src 'self' blob: {storage}",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


def _page() -> Response:
    response = send_from_directory(WEB, "index.html", max_age=0)
    response.headers["Content-Security-Policy"] = content_security_policy()
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"  # links carry single-use tokens
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@blp.route("/", methods=["GET"])
@public
def home() -> Response:
    return _page()


@blp.route(f"/<any({SECTIONS}):section>", methods=["GET"])
@public
def section_page(section: str) -> Response:  # noqa: ARG001 - the page routes in the browser
    return _page()


@blp.route(f"/<any({SECTIONS}):section>/<path:rest>", methods=["GET"])
@public
def deep_page(section: str, rest: str) -> Response:  # noqa: ARG001 - the page routes in the browser
    return _page()


@blp.route("/console/assets/<path:filename>", methods=["GET"])
@public
def asset(filename: str) -> Response:
    response = send_from_directory(WEB, filename, max_age=ASSETS_MAX_AGE)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
