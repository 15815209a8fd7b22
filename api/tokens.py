"""Flask-JWT-Extended wiring: how a token becomes a user, and which tokens no longer count."""
from __future__ import annotations

from flask_jwt_extended import create_access_token, create_refresh_token

from api.errors import error_response
from api.extensions import jwt
from store import users
from store.mongo import get_db
from store.redis import get_redis


def issue_tokens(user: dict) -> dict:
    from config import get_settings
    claims = {"role": user["role"], "tv": user.get("token_version", 1)}
    identity = str(user["_id"])
    return {
        "access_token": create_access_token(identity=identity, additional_claims=claims),
        "refresh_token": create_refresh_token(identity=identity, additional_claims=claims),
        "token_type": "Bearer",
        "expires_in": get_settings().jwt_access_seconds,
    }


def revoke(jti: str, seconds_left: int) -> None:
    get_redis().set(f"revoked:{jti}", "1", ex=max(seconds_left, 1))


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
    return get_redis().exists(f"revoked:{payload['jti']}") == 1


def _unauthorized(message: str):
    return error_response(401, "unauthorized", message, headers={"WWW-Authenticate": "Bearer"})


@jwt.unauthorized_loader
def _missing(reason: str):
    return _unauthorized("Sign in first: this needs an access token.")


@jwt.invalid_token_loader
def _invalid(reason: str):
    return _unauthorized("The token is not valid.")


@jwt.expired_token_loader
def _expired(_header: dict, _payload: dict):
    return _unauthorized("The token has expired.")


@jwt.revoked_token_loader
def _revoked(_header: dict, _payload: dict):
    return _unauthorized("The token has been revoked.")


@jwt.user_lookup_error_loader
def _user_gone(_header: dict, _payload: dict):
    return _unauthorized("The token no longer matches an active account.")


@jwt.needs_fresh_token_loader
def _needs_fresh(_header: dict, _payload: dict):
    return _unauthorized("Sign in again to do this.")


@jwt.token_verification_failed_loader
def _failed(_header: dict, _payload: dict):
    return _unauthorized("The token is not valid.")
