"""Flask-JWT-Extended wiring: how a token becomes a user, and which tokens no longer count.

Token families: a login (or invitation accept) starts a family; both tokens carry its id
(`fam`). Redis keeps `token_family:<fam>` = the jti of the one refresh token that may still be used,
expiring with the refresh lifetime. Refreshing swaps that jti atomically for the new one. A
refresh token that is not the current one has been used already (stolen or replayed), so the
whole family is revoked: `token_family_revoked:<fam>` makes every access and refresh token of the
family fail. Logout revokes the family the same way. Independently, a user's `token_version`
(the `tv` claim) invalidates all their tokens at once on deactivation, password or role change.

Every token also carries the sign-in time (`sat`). A family lives at most SESSION_MAX_SECONDS
from it: tokens issued near the end expire with the session, and a refresh after it is refused
(`SessionExpiredError`), however often the refresh token was rotated.
"""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import TYPE_CHECKING

from flask_jwt_extended import create_access_token, create_refresh_token, decode_token

from api.errors import error_response
from api.extensions import jwt
from config import get_settings
from store import users
from store.mongo import get_db
from store.redis import get_redis

if TYPE_CHECKING:
    from flask import Response

# The console's cookie session (ADR 0018): the refresh token in an HttpOnly cookie scoped to
# /api/v1/auth, and a readable CSRF cookie whose value must come back in the CSRF header.
REFRESH_COOKIE, CSRF_COOKIE, CSRF_HEADER = "aiv_refresh", "aiv_csrf", "X-CSRF-Token"

# Compare-and-swap of the family's current refresh jti: 1 if swapped, 0 if the jti was not current.
_ROTATE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0
"""


class SessionExpiredError(Exception):
    """The sign-in is older than SESSION_MAX_SECONDS: no more refreshes."""


def _refresh_seconds() -> int:
    return get_settings().jwt_refresh_seconds


def issue_tokens(user: dict) -> dict:
    """A new access + refresh pair starting a new family (sign-in)."""
    family = uuid.uuid4().hex
    pair, refresh_jti = _new_pair(user, family, signed_in_at=_now())
    get_redis().set(_family_key(family), refresh_jti, ex=_refresh_seconds())
    return pair


def rotate_refresh(user: dict, claims: dict) -> dict | None:
    """Exchange the refresh token described by `claims` for a new pair in the same family.

    None when that refresh token is not the family's current one (already used): the family
    is then revoked, so whoever holds the newer tokens must sign in again. SessionExpiredError when
    the sign-in is older than SESSION_MAX_SECONDS (the family is revoked too).
    """
    family = claims.get("fam")
    if not family:
        return None
    signed_in_at = int(claims.get("sat", claims["iat"]))
    if _session_seconds_left(signed_in_at) <= 0:
        revoke_family(family)
        raise SessionExpiredError
    pair, refresh_jti = _new_pair(user, family, signed_in_at)
    swapped = get_redis().register_script(_ROTATE)(
        keys=[_family_key(family)], args=[claims["jti"], refresh_jti, _refresh_seconds()]
    )
    if not swapped:
        revoke_family(family)
        return None
    return pair


def _now() -> int:
    return int(time.time())


def _session_seconds_left(signed_in_at: int) -> int:
    return signed_in_at + get_settings().session_max_seconds - _now()


def _new_pair(user: dict, family: str, signed_in_at: int) -> tuple[dict, str]:
    claims = {"role": user["role"], "tv": user.get("token_version", 1), "fam": family, "sat": signed_in_at}
    identity = str(user["_id"])
    left = _session_seconds_left(signed_in_at)
    access_seconds = min(get_settings().jwt_access_seconds, left)
    refresh_token = create_refresh_token(
        identity=identity, additional_claims=claims, expires_delta=timedelta(seconds=min(_refresh_seconds(), left))
    )
    pair = {
        "access_token": create_access_token(
            identity=identity, additional_claims=claims, expires_delta=timedelta(seconds=access_seconds)
        ),
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "expires_in": access_seconds,
    }
    return pair, decode_token(refresh_token)["jti"]


def revoke(jti: str, seconds_left: int) -> None:
    get_redis().set(f"revoked:{jti}", "1", ex=max(seconds_left, 1))


def revoke_family(family: str) -> None:
    redis = get_redis()
    redis.set(_family_revoked_key(family), "1", ex=_refresh_seconds())
    redis.delete(_family_key(family))


def revoke_session(claims: dict) -> None:
    """Logout: this token, and through its family every token issued since the sign-in."""
    revoke(claims["jti"], int(claims["exp"] - time.time()))
    if claims.get("fam"):
        revoke_family(claims["fam"])


def _family_key(family: str) -> str:
    return f"token_family:{family}"


def _family_revoked_key(family: str) -> str:
    return f"token_family_revoked:{family}"


@jwt.user_lookup_loader
def _load_user(_header: dict, payload: dict) -> dict | None:
    user = users.get(get_db(), payload["sub"])
    if user is None or not user.get("active", True):
        return None
    if payload.get("tv") != user.get("token_version", 1):
        return None  # password, role or status changed since this token was issued
    return user


@jwt.token_in_blocklist_loader
def _is_revoked(_header: dict, payload: dict) -> bool:
    keys = [f"revoked:{payload['jti']}"]
    if payload.get("fam"):
        keys.append(_family_revoked_key(payload["fam"]))
    return get_redis().exists(*keys) > 0


def _unauthorized(message: str) -> Response:
    return error_response(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


def csrf_refused(_error: Exception) -> Response:
    """A cookie-sent refresh token without the matching CSRF header (another site's request)."""
    return error_response(
        403, "csrf_failed", f"Send the {CSRF_HEADER} header with the value of the {CSRF_COOKIE} cookie."
    )


@jwt.unauthorized_loader
def _missing(_reason: str) -> Response:
    return _unauthorized("Sign in first: this needs an access token.")


@jwt.invalid_token_loader
def _invalid(_reason: str) -> Response:
    return _unauthorized("The token is not valid.")


@jwt.expired_token_loader
def _expired(_header: dict, _payload: dict) -> Response:
    return _unauthorized("The token has expired.")


@jwt.revoked_token_loader
def _revoked(_header: dict, _payload: dict) -> Response:
    return _unauthorized("The token has been revoked.")


@jwt.user_lookup_error_loader
def _user_gone(_header: dict, _payload: dict) -> Response:
    return _unauthorized("The token no longer matches an active account.")


@jwt.needs_fresh_token_loader
def _needs_fresh(_header: dict, _payload: dict) -> Response:
    return _unauthorized("Sign in again to do this.")


@jwt.token_verification_failed_loader
def _failed(_header: dict, _payload: dict) -> Response:
    return _unauthorized("The token is not valid.")
