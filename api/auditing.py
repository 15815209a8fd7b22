"""Audit from a view: the caller (when signed in) and their address are added to the record.
Also the security events the API notices by itself: sign-in limits reached and bursts of 403.
"""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from flask import request
from flask_jwt_extended import get_current_user

from services import audit
from store.mongo import get_db
from store.redis import get_redis

if TYPE_CHECKING:
    from collections.abc import Mapping

    from flask import Response
    from flask_limiter import RequestLimit

log = logging.getLogger("security")

_CALLER = object()  # the signed-in caller, if any


def audit_event(
    action: str,
    *,
    target_type: str,
    target_id: str = "",
    actor: Mapping[str, Any] | object | None = _CALLER,
    before: dict | None = None,
    after: dict | None = None,
    details: Mapping[str, Any] | None = None,
) -> dict:
    who = _caller() if actor is _CALLER else actor
    return audit.record(
        get_db(),
        action,
        target_type=target_type,
        target_id=target_id,
        actor=who,  # type: ignore[arg-type]
        before=before,
        after=after,
        details=details,
        source=request.remote_addr,
    )


def _caller() -> Mapping[str, Any] | None:
    try:
        user: Mapping[str, Any] | None = get_current_user()
    except RuntimeError:  # no token was verified for this request
        return None
    return user


# --- security events the API notices on its own ---------------------------------------------

FORBIDDEN_BURST = 10  # 403 answers to one caller within FORBIDDEN_WINDOW_SECONDS: probing
FORBIDDEN_WINDOW_SECONDS = 60


def record_breach(limit: RequestLimit) -> None:
    """Flask-Limiter's on_breach: a sign-in limit reached is a security event; a quota is logged."""
    endpoint = request.endpoint or ""
    details = {"limit": str(limit.limit), "path": request.path}
    if endpoint.startswith("auth."):
        audit_event("auth.rate_limited", target_type="endpoint", target_id=endpoint, actor=None, details=details)
    else:
        log.info("quota reached", extra={"quota_event": "exceeded", "endpoint": endpoint, **details})


def watch_forbidden(response: Response) -> Response:
    """after_request: the FORBIDDEN_BURST-th 403 to one caller (user, or address when signed out)
    within the window is recorded once as `access.forbidden_burst`.
    """
    if response.status_code != HTTPStatus.FORBIDDEN:
        return response
    caller = _caller()
    who = f"user:{caller['_id']}" if caller else f"addr:{request.remote_addr}"
    try:
        count = _count_forbidden(f"forbidden:{who}")
    except Exception:  # the answer matters more than the count; the 403 itself is still logged
        log.warning("could not count a 403 for the burst watch", exc_info=True)
        return response
    if count == FORBIDDEN_BURST:
        audit_event(
            "access.forbidden_burst",
            target_type="endpoint",
            target_id=request.endpoint or "",
            actor=caller,
            details={"forbidden": count, "window_seconds": FORBIDDEN_WINDOW_SECONDS, "path": request.path},
        )
    return response


def _count_forbidden(key: str) -> int:
    redis = get_redis()
    pipe = redis.pipeline()
    pipe.incr(key)
    pipe.expire(key, FORBIDDEN_WINDOW_SECONDS, nx=True)
    count, _ = pipe.execute()
    return int(count)
