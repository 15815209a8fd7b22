"""Who may do what, and on which records: the one access policy of the API.

Every endpoint declares its rule with a decorator placed right under `@blp.route`:
- `@rule(module, "read" | "write")`: a signed-in user whose role grants that level on the module;
  the view then narrows every lookup with `scope_query(user, kind)`.
- `@only(*roles)`: a signed-in user with one of these roles (e.g. the audit trail, superadmins).
- `@authenticated`: any signed-in user, acting only on themselves (me, logout, password change).
- `@public`: no token (login, refresh with its own token check, health, invitation accept).
Endpoints of other modules that use `api.access.login_required` count as declared too; the
route-walking test fails for any endpoint with none of these.

Answers: no/invalid token 401; a role that may never do this 403; a record outside the caller's
scope 404 (its existence is not revealed); inside the scope but an action the caller may not take 403.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import Any, Callable

from bson import ObjectId
from flask import g
from flask_jwt_extended import current_user, verify_jwt_in_request

from api.errors import ApiError

MODULES = ("campuses", "courses", "batches", "students", "admins",
           "items", "tests", "results", "notifications", "settings")
LEVELS = {"none": 0, "read": 1, "write": 2}


def _grants(default: str = "none", **levels: str) -> dict[str, str]:
    return {module: levels.get(module, default) for module in MODULES}


# Named starting points for a sub-superadmin's permissions (a superadmin may then adjust each module).
TEMPLATES: dict[str, dict[str, str]] = {
    "content_manager": _grants(items="write", tests="write", results="read", notifications="read",
                               campuses="read", courses="read", batches="read"),
    "student_manager": _grants(campuses="read", courses="read", batches="write", students="write",
                               tests="read", results="read", notifications="write"),
    "read_only": _grants(default="read", settings="none"),
}

# What campus and course admins may do inside their scope, and what a student may do with their
# own records (the scope queries below keep each to their part of the organisation).
ROLE_GRANTS: dict[str, dict[str, str]] = {
    "superadmin": _grants(default="write"),
    "campus_admin": _grants(campuses="read", courses="write", batches="write", students="write",
                            admins="write", items="read", tests="write", results="read",
                            notifications="write"),
    "course_admin": _grants(campuses="read", courses="read", batches="read", students="write",
                            items="read", tests="write", results="read", notifications="read"),
    "student": _grants(students="read", tests="read", results="read"),
}

# Which admin roles each role may create, change or remove.
MANAGEABLE_ROLES: dict[str, tuple[str, ...]] = {
    "superadmin": ("superadmin", "sub_superadmin", "campus_admin", "course_admin"),
    "sub_superadmin": ("campus_admin", "course_admin"),
    "campus_admin": ("course_admin",),
}

# Endpoints owned by the framework or by modules that declare no rule themselves.
PUBLIC_ENDPOINTS = frozenset({
    "static", "health.live", "health.ready",
    "api-docs.openapi_json", "api-docs.openapi_swagger_ui",
    "api-docs.openapi_redoc", "api-docs.openapi_rapidoc",
})

_MATCH_NOTHING: dict[str, Any] = {"_id": {"$in": []}}


@dataclass(frozen=True)
class AccessRule:
    kind: str  # "module", "roles", "authenticated" or "public"
    module: str | None = None
    action: str | None = None
    roles: tuple[str, ...] = ()


def permissions_of(user: dict) -> dict[str, str]:
    if user["role"] == "sub_superadmin":
        stored = user.get("permissions") or {}
        return {module: stored.get(module, "none") for module in MODULES}
    return ROLE_GRANTS.get(user["role"], _grants())


def allows(user: dict, module: str, action: str) -> bool:
    return LEVELS[permissions_of(user)[module]] >= LEVELS[action]


def require(user: dict, module: str, action: str) -> None:
    if not allows(user, module, action):
        raise ApiError(403, "forbidden", f"Your role may not {action} {module}.")


def rule(module: str, action: str) -> Callable:
    """Declare and enforce: a signed-in user with `action` ("read"/"write") on `module`."""
    if module not in MODULES or action not in ("read", "write"):
        raise ValueError(f"bad access rule {module}/{action}")

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request()
            require(current_user, module, action)
            return view(*args, **kwargs)
        wrapper._access_rule = AccessRule("module", module, action)
        return wrapper
    return decorate


def only(*roles: str) -> Callable:
    """Declare and enforce: a signed-in user whose role is one of `roles` (e.g. the audit trail)."""
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request()
            if current_user["role"] not in roles:
                raise ApiError(403, "forbidden", "Your role may not do this.")
            return view(*args, **kwargs)
        wrapper._access_rule = AccessRule("roles", roles=roles)
        return wrapper
    return decorate


def authenticated(view: Callable) -> Callable:
    """Declare and enforce: any signed-in user, acting on their own account only."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        verify_jwt_in_request()
        return view(*args, **kwargs)
    wrapper._access_rule = AccessRule("authenticated")
    return wrapper


def public(view: Callable) -> Callable:
    """Declare: no access token needed (the view checks whatever credential it takes)."""
    view._access_rule = AccessRule("public")
    return view


def declared_rule(view: Callable, endpoint: str) -> AccessRule | None:
    """The access rule an endpoint declares, however it declares it; None if it declares none."""
    if endpoint in PUBLIC_ENDPOINTS:
        return AccessRule("public")
    found = getattr(view, "_access_rule", None)
    if found is None and getattr(view, "_access_roles", None):  # api.access.login_required
        found = AccessRule("authenticated")
    if found is None and hasattr(view, "view_class"):  # MethodView: every method must declare
        rules = [getattr(getattr(view.view_class, m.lower()), "_access_rule", None)
                 for m in view.methods or ()]
        found = rules[0] if rules and all(rules) else None
    return found


def scope_query(user: dict, kind: str) -> dict[str, Any]:
    """The records of `kind` the user may see, as a MongoDB filter (kind: a module name)."""
    role = user["role"]
    if role in ("superadmin", "sub_superadmin"):
        return {}
    if role == "campus_admin":
        return _campus_admin_scope(user.get("campus_id"), kind)
    if role == "course_admin":
        return _course_admin_scope(user.get("campus_id"), list(user.get("course_ids") or []), kind)
    if role == "student" and kind == "students":
        return {"_id": user["_id"]}
    return dict(_MATCH_NOTHING)


def _campus_admin_scope(campus_id: str | None, kind: str) -> dict[str, Any]:
    if not campus_id:
        return dict(_MATCH_NOTHING)
    if kind == "campuses":
        return {"_id": _oid(campus_id)}
    if kind == "admins":
        return {"role": "course_admin", "campus_id": campus_id}
    return {"campus_id": campus_id}


def _course_admin_scope(campus_id: str | None, course_ids: list[str], kind: str) -> dict[str, Any]:
    if kind == "campuses" and campus_id:
        return {"_id": _oid(campus_id)}
    if kind == "courses":
        return {"_id": {"$in": [_oid(c) for c in course_ids]}}
    if kind == "batches":
        return {"course_ids": {"$in": course_ids}}
    if kind == "students":
        return {"course_id": {"$in": course_ids}}
    return dict(_MATCH_NOTHING)


def within_scope(user: dict, kind: str, query: dict[str, Any]) -> dict[str, Any]:
    """`query` narrowed to what the user may see."""
    scope = scope_query(user, kind)
    if not scope:
        return query
    if not query:
        return scope
    return {"$and": [query, scope]}


def may_manage_role(actor: dict, role: str) -> bool:
    return role in MANAGEABLE_ROLES.get(actor["role"], ())


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"No such {what}.")


def request_id() -> str | None:
    return g.get("request_id")


def _oid(value: str | ObjectId) -> ObjectId | None:
    if isinstance(value, ObjectId):
        return value
    return ObjectId(value) if value and ObjectId.is_valid(value) else None
