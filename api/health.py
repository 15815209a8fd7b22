"""Liveness and readiness: is the process up, and can it reach MongoDB, Redis and S3."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, jsonify
from flask_smorest import Blueprint

from api.access import public
from store import files
from store.mongo import get_db
from store.redis import get_redis

if TYPE_CHECKING:
    from collections.abc import Callable

blp = Blueprint("health", __name__, url_prefix="/health", description="Health checks")


@blp.route("/live", methods=["GET"])
@public
def live() -> Response:
    return jsonify({"status": "ok"})


def _check(probe: Callable[[], object]) -> dict:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure means this component is down
        return {"state": "down", "reason": type(exc).__name__}
    return {"state": "up"}


@blp.route("/ready", methods=["GET"])
@public
def ready() -> Response:
    components = {
        "mongodb": _check(lambda: get_db().command("ping")),
        "redis": _check(lambda: get_redis().ping()),
        "s3": _check(files.ping),
    }
    ok = all(c["state"] == "up" for c in components.values())
    body: dict = {"status": "ok" if ok else "unavailable", "components": components}
    if not ok:  # the uniform error body, with each component's state in details
        down = ", ".join(name for name, c in components.items() if c["state"] != "up")
        body["error"] = {"code": "unavailable", "message": f"Not ready: {down} not reachable.", "details": components}
    response = jsonify(body)
    response.status_code = 200 if ok else 503
    return response
