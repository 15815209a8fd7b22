"""Admin accounts: superadmins, sub-superadmins (per-module permissions), campus and course admins."""
from __future__ import annotations

import re

from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from pymongo.errors import DuplicateKeyError

from api.auth import send_single_use_token
from api.batches import checked_course_ids
from api.errors import ApiError
from api.org import (audit_write, duplicate_conflict, find_visible, invalid, page_response,
                     reference_in_scope)
from api.policy import MODULES, TEMPLATES, may_manage_role, rule
from schemas.common import ErrorSchema
from schemas.org import AdminCreateSchema, AdminListArgsSchema, AdminListSchema, AdminSchema, AdminUpdateSchema
from store import campuses, users
from store.mongo import get_db

blp = Blueprint("admins", __name__, url_prefix="/api/v1/admins", description="Admin accounts")
KIND = "admins"
ADMINS = {"role": {"$in": list(users.ADMIN_ROLES)}}
DUPLICATE = {"email": "An account with this email exists already."}
# Changing any of these changes what the account may do: its issued tokens must stop working.
AUTHORITY_FIELDS = ("role", "campus_id", "course_ids", "permissions", "permission_template", "active")


def _forbid_role(role: str) -> None:
    if not may_manage_role(current_user, role):
        raise ApiError(403, "forbidden", f"Your role may not manage {role} accounts.")


def resolved_scope(account: dict) -> dict:
    """The scope and permission fields the account's role needs, checked; others cleared."""
    role = account["role"]
    cleared = {"campus_id": None, "course_ids": [], "permissions": None, "permission_template": None}
    if role == "superadmin":
        return cleared
    if role == "sub_superadmin":
        return {**cleared, **_permissions(account)}
    if not account.get("campus_id"):
        raise invalid({"campus_id": [f"A {role} needs a campus."]})
    reference_in_scope(campuses.COLLECTION, "campuses", account["campus_id"], "campus_id", "campus")
    if role == "campus_admin":
        return {**cleared, "campus_id": account["campus_id"]}
    if not account.get("course_ids"):
        raise invalid({"course_ids": ["A course_admin needs at least one course."]})
    return {**cleared, "campus_id": account["campus_id"],
            "course_ids": checked_course_ids(account["campus_id"], account["course_ids"])}


def _permissions(account: dict) -> dict:
    template = account.get("permission_template")
    if not template and not account.get("permissions"):
        raise invalid({"permission_template": ["Give a permission template or permissions."]})
    levels = {module: "none" for module in MODULES}
    levels.update(TEMPLATES.get(template or "", {}))
    levels.update(account.get("permissions") or {})
    return {"permissions": levels, "permission_template": template}


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(AdminListArgsSchema, location="query")
@blp.response(200, AdminListSchema)
def list_admins(args: dict):
    filters = {f: args[f] for f in ("active", "role", "campus_id") if f in args}
    if args.get("course_id"):
        filters["course_ids"] = args["course_id"]
    if args.get("q"):
        pattern = re.escape(args["q"].strip())
        filters["$or"] = [{"name": {"$regex": pattern, "$options": "i"}},
                          {"email": {"$regex": pattern.lower()}}]
    return page_response(users.COLLECTION, KIND, filters, args, ADMINS)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(AdminCreateSchema)
@blp.response(201, AdminSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_admin(body: dict):
    _forbid_role(body["role"])
    account = {**body, **resolved_scope(body)}
    try:
        admin = users.create(get_db(), account)
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("admin.create", "admin", admin["_id"], None, admin)
    send_single_use_token(admin, "invitation")
    return users.get(get_db(), admin["_id"])


@blp.route("/<admin_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, AdminSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_admin(admin_id: str):
    return find_visible(users.COLLECTION, KIND, admin_id, "admin", ADMINS)


@blp.route("/<admin_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(AdminUpdateSchema)
@blp.response(200, AdminSchema)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_admin(body: dict, admin_id: str):
    admin = find_visible(users.COLLECTION, KIND, admin_id, "admin", ADMINS)
    _forbid_role(admin["role"])
    _forbid_role(body.get("role", admin["role"]))
    changes = dict(body)
    if {"role", "campus_id", "course_ids", "permissions", "permission_template"} & set(body):
        merged = {**admin, **body}
        if "permission_template" in body and "permissions" not in body:
            merged["permissions"] = None  # a new template replaces the earlier per-module choices
        changes.update(resolved_scope(merged))
    revoke = any(field in body and body[field] != admin.get(field) for field in AUTHORITY_FIELDS)
    try:
        updated = users.update(get_db(), admin["_id"], changes, revoke_tokens=revoke)
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("admin.update", "admin", admin["_id"], admin, updated)
    return updated


@blp.route("/<admin_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(403, schema=ErrorSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_admin(admin_id: str):
    admin = find_visible(users.COLLECTION, KIND, admin_id, "admin", ADMINS)
    _forbid_role(admin["role"])
    if admin["_id"] == current_user["_id"]:
        raise ApiError(409, "cannot_delete_self", "You cannot delete your own account.")
    users.delete(get_db(), admin["_id"])
    audit_write("admin.delete", "admin", admin["_id"], admin, None)
