"""Liveness and readiness: is the process up, and can it reach MongoDB, Redis and S3.

`live` and `ready` are public and say only yes or no; which component is down (and how) is for
signed-in operators at `components`: it tells an attacker what the system runs on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Response, jsonify

from api.access import only, public
from api.blueprint import Blueprint
from api.errors import error_response
from schemas.common import ErrorSchema
from schemas.health import HealthComponentsSchema, HealthSchema
from store import files
from store.mongo import get_db
from store.redis import get_redis

if TYPE_CHECKING:
    from collections.abc import Callable

blp = Blueprint("health", __name__, url_prefix="/health", description="Health checks")


@blp.route("/live", methods=["GET"])
@public
@blp.response(200, HealthSchema)
def live() -> Response:
    """The process is up (no dependency is checked)."""
    return jsonify({"status": "ok"})


def _check(probe: Callable[[], object]) -> dict:
    try:
        probe()
    except Exception as exc:  # noqa: BLE001 - any failure means this component is down
        return {"state": "down", "reason": type(exc).__name__}
    return {"state": "up"}


def _components() -> dict[str, dict]:
    return {
        "mongodb": _check(lambda: get_db().command("ping")),
        "redis": _check(lambda: get_redis().ping()),
        "s3": _check(files.ping),
    }


def _down(components: dict[str, dict]) -> list[str]:
    return [name for name, component in components.items() if component["state"] != "up"]


@blp.route("/ready", methods=["GET"])
@public
@blp.response(200, HealthSchema)
@blp.alt_response(503, schema=ErrorSchema)
def ready() -> Response:
    """For load balancers and probes: 200 or 503, nothing about what is behind it."""
    if not _down(_components()):
        return jsonify({"status": "ok"})
    return error_response(503, "unavailable", "Not ready.")


@blp.route("/components", methods=["GET"])
@only("superadmin", "sub_superadmin")
@blp.response(200, HealthComponentsSchema)
@blp.alt_response(503, schema=ErrorSchema)
def components() -> Response:
    """Each component's state, for operators: which one is down and the kind of failure."""
    states = _components()
    down = _down(states)
    if not down:
        return jsonify({"status": "ok", "components": states})
    return error_response(503, "unavailable", f"Not ready: {', '.join(down)} not reachable.", states)
