"""The HTTP side of the access policy (domain/access.py decides; this module declares and enforces).

Every endpoint declares its rule with a decorator placed right under `@blp.route`:
- `@rule(module, "read" | "write")`: a signed-in user whose role grants that level on the
  module; the view then narrows every lookup with the policy's scope for the resource kind.
- `@only(*roles)`: a signed-in user with one of these roles (e.g. the audit trail, superadmins).
- `@authenticated`: any signed-in user; what they reach is their own account or records the
  policy's scope gives them (their jobs, their uploads).
- `@public`: no token (login, refresh with its own token check, health, invitation accept).
The route-walking test fails for any endpoint with none of these.

Answers: no/invalid token 401; a role that may never do this 403; a record outside the caller's
scope 404 (its existence is not revealed); inside the scope but an action the caller may not take 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any, Protocol

from flask import g
from flask_jwt_extended import current_user, verify_jwt_in_request

from api.errors import ApiError
from domain import access
from domain.access import MODULES
from store.mongo import get_db

View = Callable[..., Any]

# Endpoints owned by the framework or by modules that declare no rule themselves.
PUBLIC_ENDPOINTS = frozenset(
    {
        "static",
        "api-docs.openapi_json",
        "api-docs.openapi_swagger_ui",
        "api-docs.openapi_redoc",
        "api-docs.openapi_rapidoc",
    }
)


@dataclass(frozen=True)
class AccessRule:
    kind: str  # "module", "roles", "authenticated" or "public"
    module: str | None = None
    action: str | None = None
    roles: tuple[str, ...] = ()


def _declare(view: View, declared: AccessRule, check: Callable[[], None] | None) -> View:
    if check is None:
        view._access_rule = declared  # type: ignore[attr-defined] # noqa: SLF001 - read by declared_rule
        return view

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verify_jwt_in_request()
        check()
        return view(*args, **kwargs)

    wrapper._access_rule = declared  # type: ignore[attr-defined] # noqa: SLF001
    return wrapper


def require(module: str, action: str) -> None:
    """403 unless the caller's role grants `action` on `module`."""
    if not access.allows(current_user, module, action):
        raise ApiError(403, "forbidden", f"Your role may not {action} {module}.")


def rule(module: str, action: str) -> Callable[[View], View]:
    """Declare and enforce: a signed-in user with `action` ("read"/"write") on `module`."""
    if module not in MODULES or action not in access.ACTIONS:
        msg = f"bad access rule {module}/{action}"
        raise ValueError(msg)
    return lambda view: _declare(view, AccessRule("module", module, action), lambda: require(module, action))


def only(*roles: str) -> Callable[[View], View]:
    """Declare and enforce: a signed-in user whose role is one of `roles`."""

    def check() -> None:
        if current_user["role"] not in roles:
            raise ApiError(403, "forbidden", "Your role may not do this.")

    return lambda view: _declare(view, AccessRule("roles", roles=roles), check)


def authenticated(view: View) -> View:
    """Declare and enforce: any signed-in user (their reach is narrowed by the scope queries)."""
    return _declare(view, AccessRule("authenticated"), lambda: None)


def public(view: View) -> View:
    """Declare: no access token needed (the view checks whatever credential it takes). The spec
    says so too: `security: []` overrides the API-wide bearer requirement for this operation.
    """
    apidoc = getattr(view, "_apidoc", {})
    apidoc.setdefault("manual_doc", {})["security"] = []
    view._apidoc = apidoc  # type: ignore[attr-defined] # noqa: SLF001 - what flask-smorest's Blueprint.doc sets
    return _declare(view, AccessRule("public"), None)


def declared_rule(view: View, endpoint: str) -> AccessRule | None:
    """The access rule an endpoint declares; None if it declares none."""
    if endpoint in PUBLIC_ENDPOINTS:
        return AccessRule("public")
    found = getattr(view, "_access_rule", None)
    view_class = getattr(view, "view_class", None)
    if found is None and view_class is not None:  # MethodView: every method must declare
        methods = getattr(view, "methods", None) or ()
        rules = [getattr(getattr(view_class, m.lower()), "_access_rule", None) for m in methods]
        found = rules[0] if rules and all(rules) else None
    return found


# --- scoped lookups ------------------------------------------------------------------------------


class ScopedRecords(Protocol):
    def get(self, db: Any, record_id: str, within: dict[str, Any] | None = None) -> dict | None: ...


def scope(kind: str, action: str = "read") -> dict[str, Any]:
    """The caller's scope on `kind` (what they may see, or with "write" change), as a MongoDB filter."""
    return access.scope_query(current_user, kind, action)


def within_scope(kind: str, query: dict[str, Any], action: str = "read") -> dict[str, Any]:
    return access.within_scope(current_user, kind, query, action)


def visible(records: ScopedRecords, kind: str, record_id: str, what: str, base: dict | None = None) -> dict:
    """The record if the caller may see it; 404 whether it is missing or outside their scope."""
    found = records.get(get_db(), record_id, within_scope(kind, base or {}))
    if found is None:
        raise not_found(what)
    return found


def changeable(records: ScopedRecords, kind: str, record: dict, what: str, base: dict | None = None) -> dict:
    """A record the caller sees, if they may also change it; 403 when they may only see it."""
    if records.get(get_db(), str(record["_id"]), within_scope(kind, base or {}, "write")) is None:
        raise ApiError(403, "forbidden", f"You may see this {what} but not change it.")
    return record


def referenced(
    records: ScopedRecords, kind: str, record_id: str, field: str, what: str, base: dict | None = None
) -> dict:
    """A record named in a request body; missing and out-of-scope look alike (422 on the field)."""
    try:
        return visible(records, kind, record_id, what, base)
    except ApiError:
        raise invalid({field: [f"No such {what}."]}) from None


def not_found(what: str) -> ApiError:
    return ApiError(404, "not_found", f"No such {what}.")


def invalid(details: dict[str, list[str]]) -> ApiError:
    return ApiError(422, "validation_error", "The request is not valid; see details.", details)


def user_id() -> str:
    return str(current_user["_id"])


def request_id() -> str | None:
    found: str | None = g.get("request_id")
    return found
