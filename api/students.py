"""Students: accounts with role `student`, each in one batch and one of that batch's courses."""
from __future__ import annotations

import re

from flask_smorest import Blueprint
from pymongo.errors import DuplicateKeyError

from api.auth import send_single_use_token
from api.org import (audit_write, duplicate_conflict, find_visible, invalid, page_response,
                     reference_in_scope, refuse_if_dependents)
from api.policy import rule
from schemas.common import ErrorSchema
from schemas.org import (StudentCreateSchema, StudentListArgsSchema, StudentListSchema, StudentSchema,
                         StudentUpdateSchema)
from store import batches, courses, users
from store.mongo import get_db

blp = Blueprint("students", __name__, url_prefix="/api/v1/students", description="Students")
KIND = "students"
STUDENT = {"role": "student"}
DUPLICATE = {"roll_number": "This roll number is taken already.",
             "email": "An account with this email exists already."}
# Collections of later features whose records belong to a student (checked before deleting one).
STUDENT_RECORDS = ("attempts", "results")


def placement(batch_id: str, course_id: str) -> dict:
    """campus, batch and course for a student, checked against each other and the caller's scope."""
    batch = reference_in_scope(batches.COLLECTION, "batches", batch_id, "batch_id", "batch")
    if course_id not in batch["course_ids"]:
        raise invalid({"course_id": ["Not a course of this batch."]})
    reference_in_scope(courses.COLLECTION, "courses", course_id, "course_id", "course")
    return {"campus_id": batch["campus_id"], "batch_id": batch_id, "course_id": course_id}


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(StudentListArgsSchema, location="query")
@blp.response(200, StudentListSchema)
def list_students(args: dict):
    filters = {f: args[f] for f in ("active", "campus_id", "batch_id", "course_id") if f in args}
    if args.get("q"):
        pattern = re.escape(args["q"].strip())
        filters["$or"] = [{"name": {"$regex": pattern, "$options": "i"}},
                          {"roll_number": {"$regex": pattern.upper()}}]
    return page_response(users.COLLECTION, KIND, filters, args, STUDENT)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(StudentCreateSchema)
@blp.response(201, StudentSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_student(body: dict):
    send_invitation = body.pop("send_invitation")
    body.update(placement(body["batch_id"], body["course_id"]))
    try:
        student = users.create(get_db(), {**body, "role": "student"})
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("student.create", "student", student["_id"], None, student)
    if send_invitation and (student.get("email") or student.get("mobile")):
        send_single_use_token(student, "invitation")
        student = users.get(get_db(), student["_id"])
    return student


@blp.route("/<student_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, StudentSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_student(student_id: str):
    return find_visible(users.COLLECTION, KIND, student_id, "student", STUDENT)


@blp.route("/<student_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(StudentUpdateSchema)
@blp.response(200, StudentSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_student(body: dict, student_id: str):
    student = find_visible(users.COLLECTION, KIND, student_id, "student", STUDENT)
    if "batch_id" in body:
        body.update(placement(body["batch_id"], body["course_id"]))
    deactivated = body.get("active") is False and student.get("active", True)
    try:
        updated = users.update(get_db(), student["_id"], body, revoke_tokens=deactivated)
    except DuplicateKeyError as exc:
        raise duplicate_conflict(exc, DUPLICATE) from None
    audit_write("student.update", "student", student["_id"], student, updated)
    return updated


@blp.route("/<student_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_student(student_id: str):
    db = get_db()
    student = find_visible(users.COLLECTION, KIND, student_id, "student", STUDENT)
    key = str(student["_id"])
    refuse_if_dependents("student", {name: db[name].count_documents({"student_id": key})
                                     for name in STUDENT_RECORDS})
    users.delete(db, student["_id"])
    audit_write("student.delete", "student", student["_id"], student, None)
