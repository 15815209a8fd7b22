"""Campuses: the top of the organisation."""
from __future__ import annotations

from flask_smorest import Blueprint
from pymongo.errors import DuplicateKeyError

from api.org import (audit_write, common_filters, duplicate_conflict, find_visible, page_response,
                     refuse_if_dependents, update_record)
from api.policy import rule
from schemas.common import ErrorSchema
from schemas.org import CampusCreateSchema, CampusListArgsSchema, CampusListSchema, CampusSchema, CampusUpdateSchema
from store import campuses
from store.mongo import get_db

blp = Blueprint("campuses", __name__, url_prefix="/api/v1/campuses", description="Campuses")
KIND = "campuses"
DUPLICATE = {"name_key": "A campus with this name exists already."}


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(CampusListArgsSchema, location="query")
@blp.response(200, CampusListSchema)
def list_campuses(args: dict):
    return page_response(campuses.COLLECTION, KIND, common_filters(args), args)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(CampusCreateSchema)
@blp.response(201, CampusSchema)
@blp.alt_response(409, schema=ErrorSchema)
def create_campus(body: dict):
    try:
        campus = campuses.create(get_db(), body)
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("campus.create", "campus", campus["_id"], None, campus)
    return campus


@blp.route("/<campus_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, CampusSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_campus(campus_id: str):
    return find_visible(campuses.COLLECTION, KIND, campus_id, "campus")


@blp.route("/<campus_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(CampusUpdateSchema)
@blp.response(200, CampusSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_campus(body: dict, campus_id: str):
    campus = find_visible(campuses.COLLECTION, KIND, campus_id, "campus")
    try:
        updated = update_record(campuses.COLLECTION, campus, body)
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("campus.update", "campus", campus["_id"], campus, updated)
    return updated


@blp.route("/<campus_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_campus(campus_id: str):
    db = get_db()
    campus = find_visible(campuses.COLLECTION, KIND, campus_id, "campus")
    refuse_if_dependents("campus", campuses.dependents(db, campus_id))
    db[campuses.COLLECTION].delete_one({"_id": campus["_id"]})
    audit_write("campus.delete", "campus", campus["_id"], campus, None)
