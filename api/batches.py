"""Batches: in one campus, spanning one or more of its courses; names unique within the campus."""
from __future__ import annotations

from bson import ObjectId
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from pymongo.errors import DuplicateKeyError

from api.errors import ApiError
from api.org import (audit_write, common_filters, duplicate_conflict, find_visible, invalid, page_response,
                     reference_in_scope, refuse_if_dependents, update_record)
from api.policy import rule, within_scope
from schemas.common import ErrorSchema
from schemas.org import BatchCreateSchema, BatchListArgsSchema, BatchListSchema, BatchSchema, BatchUpdateSchema
from store import batches, campuses, courses
from store.mongo import get_db

blp = Blueprint("batches", __name__, url_prefix="/api/v1/batches", description="Batches")
KIND = "batches"
DUPLICATE = {"name_key": "This campus has a batch with this name already."}


def checked_course_ids(campus_id: str, course_ids: list[str]) -> list[str]:
    """The distinct course ids, each a course of the campus that the caller can see."""
    wanted = list(dict.fromkeys(course_ids))
    query = within_scope(current_user, "courses",
                         {"_id": {"$in": [ObjectId(c) for c in wanted]}, "campus_id": campus_id})
    found = {str(doc["_id"]) for doc in get_db()[courses.COLLECTION].find(query, {"_id": 1})}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise invalid({"course_ids": [f"Not courses of this campus: {', '.join(missing)}."]})
    return wanted


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(BatchListArgsSchema, location="query")
@blp.response(200, BatchListSchema)
def list_batches(args: dict):
    filters = common_filters(args, ("active", "campus_id"))
    if args.get("course_id"):
        filters["course_ids"] = args["course_id"]
    return page_response(batches.COLLECTION, KIND, filters, args)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(BatchCreateSchema)
@blp.response(201, BatchSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_batch(body: dict):
    reference_in_scope(campuses.COLLECTION, "campuses", body["campus_id"], "campus_id", "campus")
    body["course_ids"] = checked_course_ids(body["campus_id"], body["course_ids"])
    try:
        batch = batches.create(get_db(), body)
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("batch.create", "batch", batch["_id"], None, batch)
    return batch


@blp.route("/<batch_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, BatchSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_batch(batch_id: str):
    return find_visible(batches.COLLECTION, KIND, batch_id, "batch")


@blp.route("/<batch_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(BatchUpdateSchema)
@blp.response(200, BatchSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_batch(body: dict, batch_id: str):
    batch = find_visible(batches.COLLECTION, KIND, batch_id, "batch")
    if "course_ids" in body:
        body["course_ids"] = checked_course_ids(batch["campus_id"], body["course_ids"])
        _refuse_removing_courses_in_use(batch, body["course_ids"])
    try:
        updated = update_record(batches.COLLECTION, batch, body)
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("batch.update", "batch", batch["_id"], batch, updated)
    return updated


def _refuse_removing_courses_in_use(batch: dict, new_course_ids: list[str]) -> None:
    removed = [c for c in batch["course_ids"] if c not in new_course_ids]
    enrolled = batches.students_in_courses(get_db(), str(batch["_id"]), removed)
    if enrolled:
        raise ApiError(409, "has_dependents",
                       f"{enrolled} students of this batch are in the courses being removed; move them first.",
                       {"dependents": {"students": enrolled}})


@blp.route("/<batch_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_batch(batch_id: str):
    db = get_db()
    batch = find_visible(batches.COLLECTION, KIND, batch_id, "batch")
    refuse_if_dependents("batch", batches.dependents(db, str(batch["_id"])))
    db[batches.COLLECTION].delete_one({"_id": batch["_id"]})
    audit_write("batch.delete", "batch", batch["_id"], batch, None)
