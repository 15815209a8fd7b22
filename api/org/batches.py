"""Batches: in one campus, spanning one or more of its courses; names unique within the campus."""

from __future__ import annotations

from api.access import rule
from api.blueprint import Blueprint
from api.errors import ApiError
from api.org.campuses import CAMPUSES
from api.org.courses import checked_course_ids
from api.resource import ScopedResource, common_filters
from schemas.common import ErrorSchema
from schemas.org import BatchCreateSchema, BatchListArgsSchema, BatchListSchema, BatchSchema, BatchUpdateSchema
from store import batches
from store.mongo import get_db

blp = Blueprint("batches", __name__, url_prefix="/api/v1/batches", description="Batches")
KIND = "batches"
BATCHES = ScopedResource(
    KIND, "batch", batches.records, duplicates={"name_key": "This campus has a batch with this name already."}
)


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(BatchListArgsSchema, location="query")
@blp.response(200, BatchListSchema)
def list_batches(args: dict) -> dict:
    """Batches the caller may see, paged and searchable."""
    filters = common_filters(args, ("active", "campus_id"))
    if args.get("course_id"):
        filters["course_ids"] = args["course_id"]
    return BATCHES.page(filters, args)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(BatchCreateSchema)
@blp.response(201, BatchSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_batch(body: dict) -> dict:
    """Create a batch of one or more courses."""
    CAMPUSES.reference(body["campus_id"], "campus_id")
    body["course_ids"] = checked_course_ids(body["campus_id"], body["course_ids"])
    return BATCHES.create(lambda db: batches.create(db, body))


@blp.route("/<id:batch_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, BatchSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_batch(batch_id: str) -> dict:
    """One batch."""
    return BATCHES.get(batch_id)


@blp.route("/<id:batch_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(BatchUpdateSchema)
@blp.response(200, BatchSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_batch(body: dict, batch_id: str) -> dict:
    """Change a batch."""
    batch = BATCHES.get(batch_id)
    if "course_ids" in body:
        body["course_ids"] = checked_course_ids(batch["campus_id"], body["course_ids"])
        _refuse_removing_courses_in_use(batch, body["course_ids"])
    return BATCHES.update(batch, body)


def _refuse_removing_courses_in_use(batch: dict, new_course_ids: list[str]) -> None:
    removed = [course_id for course_id in batch["course_ids"] if course_id not in new_course_ids]
    enrolled = batches.students_in_courses(get_db(), batch_id=str(batch["_id"]), course_ids=removed)
    if enrolled:
        raise ApiError(
            409,
            "has_dependents",
            f"{enrolled} students of this batch are in the courses being removed; move them first.",
            {"dependents": {"students": enrolled}},
        )


@blp.route("/<id:batch_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_batch(batch_id: str) -> None:
    """Delete a batch nothing refers to (409 otherwise)."""
    batch = BATCHES.get(batch_id)
    BATCHES.delete(batch, batches.dependents(get_db(), batch_id))
