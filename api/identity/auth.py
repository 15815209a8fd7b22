"""Sign in and out, token refresh, invitations, password reset and change, and who am I."""

from __future__ import annotations

import hashlib
from http import HTTPStatus

from flask import Response, after_this_request, request
from flask_jwt_extended import (
    current_user,
    decode_token,
    get_jwt,
    get_jwt_request_location,
    set_refresh_cookies,
    unset_refresh_cookies,
    verify_jwt_in_request,
)
from flask_limiter.util import get_remote_address

from api.access import authenticated, public
from api.auditing import audit_event
from api.blueprint import Blueprint
from api.errors import ApiError
from api.extensions import limiter
from api.identity.hashing import password_slot
from api.identity.tokens import REFRESH_COOKIE, SessionExpiredError, issue_tokens, revoke_session, rotate_refresh
from domain.masking import mask_login
from schemas.auth import LoginSchema, TokenPairSchema, UserSchema
from schemas.common import ErrorSchema
from schemas.identity import (
    AcceptedSchema,
    InvitationAcceptSchema,
    PasswordChangeSchema,
    PasswordResetRequestSchema,
    TokenPasswordSchema,
)
from security import password_policy
from security.passwords import hash_password, needs_rehash, verify_password
from security.tokens import token_digest
from store import users
from store.common import utcnow
from store.mongo import get_db
from tasks.publish import request_password_reset as hand_over_reset_request

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign in, tokens, current user")

# Per IP limits are looser than per account ones: a campus lab shares one address. Failed sign-ins
# are limited per account AND address together, in widening windows (a backoff: 5 a minute, then
# 20 an hour, then 50 a day), so nobody can lock a user out from elsewhere.
LOGIN_PER_IP, LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS = "30 per minute", "5 per minute;20 per hour;50 per day"
REFRESH_PER_IP, REFRESH_PER_ACCOUNT = "60 per minute", "20 per minute"
TOKEN_PER_IP, TOKEN_PER_TOKEN = "10 per minute", "5 per minute"
RESET_PER_IP, RESET_PER_ACCOUNT = "10 per minute", "3 per hour"


def _hashed(value: str) -> str:
    # Rate-limit keys live in Redis; hash them so no login name is stored there.
    return hashlib.sha256(value.encode("utf-8")).hexdigest()[:32]


def _login_key() -> str:
    body = request.get_json(silent=True)
    login = body.get("login") if isinstance(body, dict) else None
    return "login:" + _hashed(users.normalise_login(login)) if isinstance(login, str) else get_remote_address()


def _login_and_address_key() -> str:
    return f"{_login_key()}:{_hashed(get_remote_address())}"


def _failed(response: Response) -> bool:
    return response.status_code == HTTPStatus.UNAUTHORIZED


def _token_key() -> str:
    body = request.get_json(silent=True)
    token = body.get("token") if isinstance(body, dict) else None
    return "token:" + _hashed(token) if isinstance(token, str) else get_remote_address()


def _refresh_account_key() -> str:
    raw = request.headers.get("Authorization", "").removeprefix("Bearer ").strip() or request.cookies.get(
        REFRESH_COOKIE, ""
    )
    try:
        return "account:" + str(decode_token(raw, allow_expired=True)["sub"])
    except Exception:  # noqa: BLE001 - any undecodable token is keyed by address; the view answers 401
        return get_remote_address()


@blp.route("/auth/login", methods=["POST"])
@public
@limiter.limit(LOGIN_PER_IP)
@limiter.limit(LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS, key_func=_login_and_address_key, deduct_when=_failed)
@blp.arguments(LoginSchema)
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.alt_response(503, schema=ErrorSchema, description="Too many password checks at once; see Retry-After")
def login(body: dict) -> dict:
    """Sign in with an email or roll number and a password; get tokens."""
    user = users.find_by_login(get_db(), body["login"])
    # verify_password checks a dummy hash for unknown users, so both failures cost the same.
    with password_slot():
        valid = verify_password(user.get("password_hash") if user else None, body["password"])
    refused = _refusal(user, valid=valid)
    if refused:
        audit_event(
            "auth.login_failed",
            target_type="user",
            target_id=str(user["_id"]) if user else "",
            actor=None,
            details={"reason": refused, "login": mask_login(body["login"])},
        )
        raise ApiError(401, "invalid_credentials", "The login or password is not right.")
    assert user is not None  # noqa: S101 - _refusal refuses an unknown login above; for the type checker
    audit_event("auth.login", target_type="user", target_id=str(user["_id"]), actor=user)
    _rehash_if_needed(user, body["password"])
    return _answer_with(issue_tokens(user), user, body["session"])


def _rehash_if_needed(user: dict, password: str) -> None:
    """A hash made with earlier parameters is replaced by one with the current ones, now that the
    password is known to be right (tokens already issued stay valid).
    """
    if needs_rehash(user["password_hash"]):
        with password_slot():
            users.update(get_db(), user["_id"], {"password_hash": hash_password(password)})


def _answer_with(pair: dict, user: dict, session: str) -> dict:
    """The token pair for the answer's body; a cookie session keeps its refresh token out of the body
    and sets it (and the CSRF cookie) on the response instead.
    """
    if session != "cookie":
        return {**pair, "user": user}
    refresh_token = pair.pop("refresh_token")

    @after_this_request
    def set_cookie(response: Response) -> Response:
        set_refresh_cookies(response, refresh_token)
        return response

    return {**pair, "user": user}


def _refusal(user: dict | None, *, valid: bool) -> str | None:
    """Why a sign-in is refused (for the audit trail only; the caller hears the same for all)."""
    if user is None:
        return "unknown_login"
    if not user.get("password_hash"):
        return "no_password_yet"
    if not valid:
        return "wrong_password"
    if not user.get("active", True):
        return "inactive"
    return None


@blp.route("/auth/refresh", methods=["POST"])
@public
@limiter.limit(REFRESH_PER_IP)
@limiter.limit(REFRESH_PER_ACCOUNT, key_func=_refresh_account_key)
@blp.response(200, TokenPairSchema)
@blp.alt_response(401, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
def refresh() -> dict:
    """Send the refresh token as Bearer; get a new pair. The old refresh token stops working, and
    using it again revokes every token of that sign-in. A cookie session sends no Bearer: its cookie
    and the X-CSRF-Token header (the aiv_csrf cookie's value; 403 without it) instead, and gets its
    new refresh token as a cookie again.
    """
    verify_jwt_in_request(refresh=True)
    from_cookie = get_jwt_request_location() == "cookies"
    try:
        pair = rotate_refresh(current_user, get_jwt())
    except SessionExpiredError:
        audit_event("auth.session_expired", target_type="user", target_id=str(current_user["_id"]))
        raise ApiError(
            401,
            "session_expired",
            "This sign-in has reached its maximum age; sign in again.",
            headers={"WWW-Authenticate": "Bearer"},
        ) from None
    if pair is None:
        audit_event("auth.refresh_token_reused", target_type="user", target_id=str(current_user["_id"]))
        raise ApiError(
            401,
            "token_reused",
            "This refresh token was already used; sign in again.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return _answer_with(pair, current_user, "cookie" if from_cookie else "body")


@blp.route("/auth/logout", methods=["POST"])
@authenticated
@blp.response(204)
def logout() -> None:
    """Revokes this token and every token of the same sign-in (the refresh token too), and clears a
    cookie session's cookies.
    """
    revoke_session(get_jwt())

    @after_this_request
    def clear_cookies(response: Response) -> Response:
        unset_refresh_cookies(response)
        return response

    audit_event("auth.logout", target_type="user", target_id=str(current_user["_id"]))


@blp.route("/auth/invitations/accept", methods=["POST"])
@public
@limiter.limit(TOKEN_PER_IP)
@limiter.limit(TOKEN_PER_TOKEN, key_func=_token_key)
@blp.arguments(InvitationAcceptSchema)
@blp.response(200, TokenPairSchema)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.alt_response(503, schema=ErrorSchema, description="Too many password checks at once; see Retry-After")
def accept_invitation(body: dict) -> dict:
    """Accept an invitation: set a password and sign in."""
    user = _set_password_with_token("invitation", body["token"], body["password"])
    audit_event("invitation.accepted", target_type="user", target_id=str(user["_id"]), actor=user)
    return _answer_with(issue_tokens(user), user, body["session"])


@blp.route("/auth/password-reset", methods=["POST"])
@public
@limiter.limit(RESET_PER_IP)
@limiter.limit(RESET_PER_ACCOUNT, key_func=_login_key)
@blp.arguments(PasswordResetRequestSchema)
@blp.response(202, AcceptedSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.alt_response(503, schema=ErrorSchema)
def request_password_reset(body: dict) -> dict:
    """Always 202, in the same time: a worker looks the account up and sends the link, so the
    answer does not say whether the account exists.
    """
    try:
        hand_over_reset_request(users.normalise_login(body["login"]))
    except Exception as exc:
        raise ApiError(503, "unavailable", "Password resets cannot be requested right now; try again.") from exc
    return {"status": "accepted"}


@blp.route("/auth/password-reset/confirm", methods=["POST"])
@public
@limiter.limit(TOKEN_PER_IP)
@limiter.limit(TOKEN_PER_TOKEN, key_func=_token_key)
@blp.arguments(TokenPasswordSchema)
@blp.response(204)
@blp.alt_response(400, schema=ErrorSchema)
@blp.alt_response(429, schema=ErrorSchema)
@blp.alt_response(503, schema=ErrorSchema, description="Too many password checks at once; see Retry-After")
def confirm_password_reset(body: dict) -> None:
    """Sets the new password; every token issued before stops working."""
    user = _set_password_with_token("password_reset", body["token"], body["password"])
    audit_event("auth.password_reset_completed", target_type="user", target_id=str(user["_id"]), actor=user)


@blp.route("/me", methods=["GET"])
@authenticated
@blp.response(200, UserSchema)
def me() -> dict:
    """The signed-in account."""
    return dict(current_user)


@blp.route("/me/password", methods=["POST"])
@authenticated
@blp.arguments(PasswordChangeSchema)
@blp.response(200, TokenPairSchema, description="A new pair: every earlier token stops working")
@blp.alt_response(422, schema=ErrorSchema)
@blp.alt_response(503, schema=ErrorSchema, description="Too many password checks at once; see Retry-After")
def change_password(body: dict) -> dict:
    """Change one's own password; every earlier token stops working."""
    user = current_user
    with password_slot():
        current_is_right = verify_password(user.get("password_hash"), body["current_password"])
    if not current_is_right:
        raise ApiError(
            422,
            "validation_error",
            "The request is not valid; see details.",
            {"current_password": ["This is not your current password."]},
        )
    _check_policy(body["new_password"], user, field="new_password")
    with password_slot():
        new_hash = hash_password(body["new_password"])
    updated = users.update(get_db(), user["_id"], {"password_hash": new_hash}, revoke_tokens=True)
    if updated is None:  # the account was removed meanwhile
        raise ApiError(401, "unauthorized", "The token no longer matches an active account.")
    audit_event("auth.password_changed", target_type="user", target_id=str(user["_id"]))
    return {**issue_tokens(updated), "user": updated}


def _set_password_with_token(purpose: str, raw_token: str, password: str) -> dict:
    db = get_db()
    digest = token_digest(raw_token)
    user = users.find_by_single_use_token(db, purpose, digest, utcnow())
    if user is None:
        raise ApiError(400, "invalid_token", "This link is not valid: it was used already or has expired.")
    _check_policy(password, user, field="password")
    with password_slot():
        new_hash = hash_password(password)
    updated = users.consume_single_use_token(db, purpose, digest, utcnow(), new_hash)
    if updated is None:  # used by a concurrent request in between
        raise ApiError(400, "invalid_token", "This link is not valid: it was used already or has expired.")
    return updated


def _check_policy(password: str, user: dict, field: str) -> None:
    found = password_policy.problems(password, user)
    if found:
        raise ApiError(422, "validation_error", "The password does not meet the policy; see details.", {field: found})
