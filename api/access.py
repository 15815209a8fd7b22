"""Who is calling: JWT verification, the current user, and role checks."""
from __future__ import annotations

from functools import wraps
from typing import Callable

from flask_jwt_extended import current_user, verify_jwt_in_request

from api.errors import ApiError

ADMIN_ROLES = ("superadmin", "sub_superadmin", "campus_admin", "course_admin")


def login_required(*roles: str) -> Callable:
    """Require a valid access token; with roles, require one of them (403 otherwise)."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request()
            if roles and current_user["role"] not in roles:
                raise ApiError(403, "forbidden", "Your role may not do this.")
            return view(*args, **kwargs)
        wrapper._access_roles = roles or ("any",)  # read by the access-matrix test
        return wrapper
    return decorate


def user_id() -> str:
    return str(current_user["_id"])


def can_see_owner_scope(user: dict, owner_id: str, scope: dict) -> bool:
    """Owners see their own things; admins see things inside their scope."""
    if str(user["_id"]) == owner_id:
        return True
    role = user["role"]
    if role == "superadmin":
        return True
    if role == "sub_superadmin":
        return True
    # Ids are compared as strings: accounts store them so, a job's scope may hold either form.
    if role == "campus_admin":
        return bool(scope.get("campus_id")) and str(scope.get("campus_id")) == str(user.get("campus_id"))
    if role == "course_admin":
        course_ids = {str(c) for c in user.get("course_ids") or []}
        return bool(scope.get("course_id")) and str(scope.get("course_id")) in course_ids
    return False
