"""Admin accounts: superadmins, sub-superadmins (per-module permissions), campus and course admins."""

from __future__ import annotations

import re
from typing import Any

from flask_jwt_extended import current_user

from api.access import invalid, rule
from api.blueprint import Blueprint
from api.errors import ApiError
from api.org.campuses import CAMPUSES
from api.org.courses import checked_course_ids
from api.org.students import after_contact_change
from api.resource import ScopedResource
from domain.access import ADMIN_ROLES, MODULES, TEMPLATES, grants_beyond, may_manage_role
from schemas.common import ErrorSchema
from schemas.org import AdminCreateSchema, AdminListArgsSchema, AdminListSchema, AdminSchema, AdminUpdateSchema
from services import invitations
from store import users
from store.mongo import get_db

blp = Blueprint("admins", __name__, url_prefix="/api/v1/admins", description="Admin accounts")
KIND = "admins"
ADMINS = ScopedResource(
    KIND,
    "admin",
    users.records,
    base={"role": {"$in": list(ADMIN_ROLES)}},
    duplicates={"email": "An account with this email exists already."},
)
# Changing any of these changes what the account may do: its issued tokens must stop working.
AUTHORITY_FIELDS = ("role", "campus_id", "course_ids", "permissions", "permission_template", "active")
SCOPE_FIELDS = {"role", "campus_id", "course_ids", "permissions", "permission_template"}


def _forbid_role(role: str) -> None:
    if not may_manage_role(current_user, role):
        raise ApiError(403, "forbidden", f"Your role may not manage {role} accounts.")


def _forbid_escalation(account: dict) -> None:
    """403 when the account would hold a permission the caller does not."""
    beyond = grants_beyond(current_user, account)
    if beyond:
        listed = ", ".join(f"{level} on {module}" for module, level in sorted(beyond.items()))
        raise ApiError(403, "forbidden", f"You may not grant what you do not hold: {listed}.", {"permissions": beyond})


def resolved_scope(account: dict) -> dict:
    """The scope and permission fields the account's role needs, checked; others cleared."""
    role = account["role"]
    cleared: dict[str, Any] = {"campus_id": None, "course_ids": [], "permissions": None, "permission_template": None}
    if role == "superadmin":
        return cleared
    if role == "sub_superadmin":
        return {**cleared, **_permissions(account)}
    if not account.get("campus_id"):
        raise invalid({"campus_id": [f"A {role} needs a campus."]})
    CAMPUSES.reference(account["campus_id"], "campus_id")
    if role == "campus_admin":
        return {**cleared, "campus_id": account["campus_id"]}
    if not account.get("course_ids"):
        raise invalid({"course_ids": ["A course_admin needs at least one course."]})
    return {
        **cleared,
        "campus_id": account["campus_id"],
        "course_ids": checked_course_ids(account["campus_id"], account["course_ids"]),
    }


def _permissions(account: dict) -> dict:
    template = account.get("permission_template")
    if not template and not account.get("permissions"):
        raise invalid({"permission_template": ["Give a permission template or permissions."]})
    levels = dict.fromkeys(MODULES, "none")
    levels.update(TEMPLATES.get(template or "", {}))
    levels.update(account.get("permissions") or {})
    return {"permissions": levels, "permission_template": template}


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(AdminListArgsSchema, location="query")
@blp.response(200, AdminListSchema)
def list_admins(args: dict) -> dict:
    """Admin accounts the caller may see, paged and searchable."""
    filters = {name: args[name] for name in ("active", "role", "campus_id") if name in args}
    if args.get("course_id"):
        filters["course_ids"] = args["course_id"]
    if args.get("q"):
        pattern = re.escape(args["q"].strip())
        filters["$or"] = [{"name": {"$regex": pattern, "$options": "i"}}, {"email": {"$regex": pattern.lower()}}]
    return ADMINS.page(filters, args)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(AdminCreateSchema)
@blp.response(201, AdminSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_admin(body: dict) -> dict:
    """Create an admin account of a role the caller may manage; they are invited."""
    _forbid_role(body["role"])
    account = {**body, **resolved_scope(body)}
    _forbid_escalation(account)
    admin = ADMINS.create(lambda db: users.create(db, account))
    db = get_db()
    invitations.issue(db, admin, "invitation")
    return users.get(db, admin["_id"]) or admin


@blp.route("/<id:admin_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, AdminSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_admin(admin_id: str) -> dict:
    """One admin account."""
    return ADMINS.get(admin_id)


@blp.route("/<id:admin_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(AdminUpdateSchema)
@blp.response(200, AdminSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_admin(body: dict, admin_id: str) -> dict:
    """Change an admin account (never beyond the caller's own permissions)."""
    admin = ADMINS.get(admin_id)
    _forbid_role(admin["role"])
    _forbid_role(body.get("role", admin["role"]))
    changes = dict(body)
    if SCOPE_FIELDS & set(body):
        merged = {**admin, **body}
        if "permission_template" in body and "permissions" not in body:
            merged["permissions"] = None  # a new template replaces the earlier per-module choices
        changes.update(resolved_scope(merged))
        _forbid_escalation({**merged, **changes})
    revoke = any(name in body and body[name] != admin.get(name) for name in AUTHORITY_FIELDS)
    moved = users.contact_changes(admin, body)
    updated = ADMINS.update(
        admin,
        changes,
        lambda db, oid, fields: users.update(db, oid, fields, revoke_tokens=revoke, revoke_single_use=moved),
    )
    if moved:
        after_contact_change(ADMINS, admin, updated)
    if revoke:
        ADMINS.audit(
            "authority_changed",
            {name: admin.get(name) for name in ("_id", *AUTHORITY_FIELDS)},
            {name: updated.get(name) for name in ("_id", *AUTHORITY_FIELDS)},
        )
    return updated


@blp.route("/<id:admin_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_admin(admin_id: str) -> None:
    """Remove an admin account."""
    admin = ADMINS.get(admin_id)
    _forbid_role(admin["role"])
    if admin["_id"] == current_user["_id"]:
        raise ApiError(409, "cannot_delete_self", "You cannot delete your own account.")
    ADMINS.delete(admin, {})
