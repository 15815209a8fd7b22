"""Sign in and out, and who am I."""
from __future__ import annotations

import time

from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request
from flask_smorest import Blueprint

from api.access import login_required
from api.errors import ApiError
from api.extensions import limiter
from api.tokens import issue_tokens, revoke
from schemas.auth import LoginSchema, TokenPairSchema, UserSchema
from security.passwords import verify_password
from store import users
from store.mongo import get_db

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Sign in, tokens, current user")


@blp.route("/auth/login", methods=["POST"])
@limiter.limit("10 per minute")
@blp.arguments(LoginSchema)
@blp.response(200, TokenPairSchema)
def login(body: dict):
    user = users.find_by_login(get_db(), body["login"])
    # verify_password checks a dummy hash for unknown users, so both failures cost the same.
    valid = verify_password(user.get("password_hash") if user else None, body["password"])
    if not valid or not user.get("active", True):
        raise ApiError(401, "invalid_credentials", "The login or password is not right.")
    return {**issue_tokens(user), "user": user}


@blp.route("/auth/logout", methods=["POST"])
@blp.response(204)
def logout():
    verify_jwt_in_request()
    claims = get_jwt()
    revoke(claims["jti"], int(claims["exp"] - time.time()))


@blp.route("/me", methods=["GET"])
@login_required()
@blp.response(200, UserSchema)
def me():
    return current_user
