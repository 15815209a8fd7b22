"""Courses: each in one campus; names unique within the campus."""
from __future__ import annotations

from flask_smorest import Blueprint
from pymongo.errors import DuplicateKeyError

from api.org import (audit_write, common_filters, duplicate_conflict, find_visible, page_response,
                     reference_in_scope, refuse_if_dependents, update_record)
from api.policy import rule
from schemas.common import ErrorSchema
from schemas.org import CourseCreateSchema, CourseListArgsSchema, CourseListSchema, CourseSchema, CourseUpdateSchema
from store import campuses, courses
from store.mongo import get_db

blp = Blueprint("courses", __name__, url_prefix="/api/v1/courses", description="Courses")
KIND = "courses"
DUPLICATE = {"name_key": "This campus has a course with this name already."}


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(CourseListArgsSchema, location="query")
@blp.response(200, CourseListSchema)
def list_courses(args: dict):
    return page_response(courses.COLLECTION, KIND, common_filters(args, ("active", "campus_id")), args)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(CourseCreateSchema)
@blp.response(201, CourseSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_course(body: dict):
    reference_in_scope(campuses.COLLECTION, "campuses", body["campus_id"], "campus_id", "campus")
    try:
        course = courses.create(get_db(), body)
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("course.create", "course", course["_id"], None, course)
    return course


@blp.route("/<course_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, CourseSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_course(course_id: str):
    return find_visible(courses.COLLECTION, KIND, course_id, "course")


@blp.route("/<course_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(CourseUpdateSchema)
@blp.response(200, CourseSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_course(body: dict, course_id: str):
    course = find_visible(courses.COLLECTION, KIND, course_id, "course")
    try:
        updated = update_record(courses.COLLECTION, course, body)
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("course.update", "course", course["_id"], course, updated)
    return updated


@blp.route("/<course_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_course(course_id: str):
    db = get_db()
    course = find_visible(courses.COLLECTION, KIND, course_id, "course")
    refuse_if_dependents("course", courses.dependents(db, str(course["_id"])))
    db[courses.COLLECTION].delete_one({"_id": course["_id"]})
    audit_write("course.delete", "course", course["_id"], course, None)
