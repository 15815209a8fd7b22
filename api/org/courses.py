"""Courses: each in one campus; names unique within the campus."""

from __future__ import annotations

from api.access import invalid, rule, within_scope
from api.blueprint import Blueprint
from api.org.campuses import CAMPUSES
from api.resource import ScopedResource, common_filters
from schemas.common import ErrorSchema
from schemas.org import CourseCreateSchema, CourseListArgsSchema, CourseListSchema, CourseSchema, CourseUpdateSchema
from store import courses
from store.mongo import get_db

blp = Blueprint("courses", __name__, url_prefix="/api/v1/courses", description="Courses")
KIND = "courses"
COURSES = ScopedResource(
    KIND, "course", courses.records, duplicates={"name_key": "This campus has a course with this name already."}
)


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(CourseListArgsSchema, location="query")
@blp.response(200, CourseListSchema)
def list_courses(args: dict) -> dict:
    """Courses the caller may see, paged and searchable."""
    return COURSES.page(common_filters(args, ("active", "campus_id")), args)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(CourseCreateSchema)
@blp.response(201, CourseSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_course(body: dict) -> dict:
    """Create a course in a campus."""
    CAMPUSES.reference(body["campus_id"], "campus_id")
    return COURSES.create(lambda db: courses.create(db, body))


@blp.route("/<id:course_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, CourseSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_course(course_id: str) -> dict:
    """One course."""
    return COURSES.get(course_id)


@blp.route("/<id:course_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(CourseUpdateSchema)
@blp.response(200, CourseSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_course(body: dict, course_id: str) -> dict:
    """Change a course."""
    return COURSES.update(COURSES.get(course_id), body)


@blp.route("/<id:course_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_course(course_id: str) -> None:
    """Delete a course nothing refers to (409 otherwise)."""
    course = COURSES.get(course_id)
    COURSES.delete(course, courses.dependents(get_db(), course_id))


def checked_course_ids(campus_id: str, course_ids: list[str]) -> list[str]:
    """The distinct course ids, each a course of the campus that the caller can see (422 otherwise)."""
    wanted = list(dict.fromkeys(course_ids))
    query = within_scope(KIND, {**courses.id_filter(wanted), "campus_id": campus_id})
    found = courses.records.ids(get_db(), query)
    missing = [course_id for course_id in wanted if course_id not in found]
    if missing:
        raise invalid({"course_ids": [f"Not courses of this campus: {', '.join(missing)}."]})
    return wanted
