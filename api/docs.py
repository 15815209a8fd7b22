"""Swagger UI's own files, served from the pip package that ships them (swagger-ui-bundle), so
/api/v1/docs renders with no network: nothing is loaded from a CDN.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import send_from_directory
from swagger_ui_bundle import swagger_ui_path

from api.access import public
from api.blueprint import Blueprint

if TYPE_CHECKING:
    from flask import Response

ASSETS_URL = "/api/v1/docs/assets/"
blp = Blueprint("docs_assets", __name__, url_prefix=ASSETS_URL.rstrip("/"), description="Swagger UI assets")


@blp.route("/<path:filename>", methods=["GET"])
@blp.doc(hide=True)
@public
def asset(filename: str) -> Response:
    """One of Swagger UI's own files, served locally."""
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)
