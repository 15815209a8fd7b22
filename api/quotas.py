"""Per-user quotas on expensive actions (uploads, answers, scoring, rescoring, reminders,
exports): counted in Redis by Flask-Limiter, one counter per user and action shared by every
endpoint of that action, limits from the QUOTA_* settings by role. Over quota: 429 in the one
error format, with Retry-After.

`@quota(action)` goes below the access rule, so the caller is known when it is counted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app
from flask_jwt_extended import current_user

from api.extensions import limiter

if TYPE_CHECKING:
    from collections.abc import Callable

QUOTAS_CONFIG = "VERSANT_QUOTAS"  # app.config key: action -> subject -> limit (Settings.quotas)


def quota(action: str, cost: Callable[[], int] | None = None) -> Callable:
    """Count the request against the caller's quota for `action`: one unit, or `cost()` units
    (e.g. the answers a re-score will score again).
    """
    return limiter.shared_limit(
        lambda: limit_for(action),
        scope=f"quota:{action}",
        key_func=_caller,
        error_message=f"You have reached your {action} quota; try again later.",
        cost=cost or 1,
    )


def limit_for(action: str) -> str:
    """The caller's limit: their own role's line if the setting has one, else student or admin."""
    table: dict[str, str] = current_app.config[QUOTAS_CONFIG][action]
    role = current_user["role"]
    return table.get(role) or table["student" if role == "student" else "admin"]


def _caller() -> str:
    return f"user:{current_user['_id']}"
