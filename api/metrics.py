"""`GET /metrics`: the API's Prometheus metrics, for a scraper holding METRICS_TOKEN.

Not public and not in the OpenAPI spec (an operations endpoint, like Flower's): without
METRICS_TOKEN configured it does not exist (404); with it, anything but
`Authorization: Bearer <METRICS_TOKEN>` gets 401. Under gunicorn the samples of every worker
process are read from PROMETHEUS_MULTIPROC_DIR (observability/metrics.py).
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, request

from api.access import public
from api.errors import error_response
from config import get_settings
from observability.metrics import scrape

blp = Blueprint("metrics", __name__)


@blp.route("/metrics", methods=["GET"])
@public
def metrics() -> Response:
    token = get_settings().metrics_token
    if not token:
        return error_response(404, "not_found", "No such resource.")
    supplied = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(supplied.encode(), token.encode()):
        return error_response(401, "unauthorized", "A valid metrics token is required.")
    body, content_type = scrape()
    return Response(body, content_type=content_type)
