"""Campuses: the top of the organisation."""

from __future__ import annotations

from api.access import rule
from api.blueprint import Blueprint
from api.resource import ScopedResource, common_filters
from schemas.common import ErrorSchema
from schemas.org import CampusCreateSchema, CampusListArgsSchema, CampusListSchema, CampusSchema, CampusUpdateSchema
from store import campuses
from store.mongo import get_db

blp = Blueprint("campuses", __name__, url_prefix="/api/v1/campuses", description="Campuses")
KIND = "campuses"
CAMPUSES = ScopedResource(
    KIND, "campus", campuses.records, duplicates={"name_key": "A campus with this name exists already."}
)


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(CampusListArgsSchema, location="query")
@blp.response(200, CampusListSchema)
def list_campuses(args: dict) -> dict:
    """Campuses the caller may see, paged and searchable."""
    return CAMPUSES.page(common_filters(args), args)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(CampusCreateSchema)
@blp.response(201, CampusSchema)
@blp.alt_response(409, schema=ErrorSchema)
def create_campus(body: dict) -> dict:
    """Create a campus."""
    return CAMPUSES.create(lambda db: campuses.create(db, body))


@blp.route("/<id:campus_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, CampusSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_campus(campus_id: str) -> dict:
    """One campus."""
    return CAMPUSES.get(campus_id)


@blp.route("/<id:campus_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(CampusUpdateSchema)
@blp.response(200, CampusSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_campus(body: dict, campus_id: str) -> dict:
    """Change a campus."""
    return CAMPUSES.update(CAMPUSES.get(campus_id), body)


@blp.route("/<id:campus_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_campus(campus_id: str) -> None:
    """Delete a campus nothing refers to (409 otherwise)."""
    campus = CAMPUSES.get(campus_id)
    CAMPUSES.delete(campus, campuses.dependents(get_db(), campus_id))
