"""Students: accounts with role `student`, each in one batch and one of that batch's courses."""

from __future__ import annotations

import re

from flask_jwt_extended import current_user

from api.access import invalid, rule
from api.blueprint import Blueprint
from api.org.batches import BATCHES
from api.org.courses import COURSES
from api.resource import ScopedResource
from schemas.common import ErrorSchema
from schemas.org import (
    StudentCreateSchema,
    StudentListArgsSchema,
    StudentListSchema,
    StudentSchema,
    StudentUpdateSchema,
)
from services import invitations
from store import attempts, users
from store.mongo import get_db

blp = Blueprint("students", __name__, url_prefix="/api/v1/students", description="Students")
KIND = "students"
STUDENTS = ScopedResource(
    KIND,
    "student",
    users.records,
    base={"role": "student"},
    duplicates={
        "roll_number": "This roll number is taken already.",
        "email": "An account with this email exists already.",
    },
)


def placement(batch_id: str, course_id: str) -> dict:
    """campus, batch and course for a student, checked against each other and the caller's scope."""
    batch = BATCHES.reference(batch_id, "batch_id")
    if course_id not in batch["course_ids"]:
        raise invalid({"course_id": ["Not a course of this batch."]})
    COURSES.reference(course_id, "course_id")
    return {"campus_id": batch["campus_id"], "batch_id": batch_id, "course_id": course_id}


@blp.route("", methods=["GET"])
@rule(KIND, "read")
@blp.arguments(StudentListArgsSchema, location="query")
@blp.response(200, StudentListSchema)
def list_students(args: dict) -> dict:
    """Students the caller may see, paged and searchable by name or roll number."""
    filters = {name: args[name] for name in ("active", "campus_id", "batch_id", "course_id") if name in args}
    if args.get("q"):
        pattern = re.escape(args["q"].strip())
        filters["$or"] = [{"name": {"$regex": pattern, "$options": "i"}}, {"roll_number": {"$regex": pattern.upper()}}]
    return STUDENTS.page(filters, args)


@blp.route("", methods=["POST"])
@rule(KIND, "write")
@blp.arguments(StudentCreateSchema)
@blp.response(201, StudentSchema)
@blp.alt_response(409, schema=ErrorSchema)
@blp.alt_response(422, schema=ErrorSchema)
def create_student(body: dict) -> dict:
    """Create a student; they are invited by email and SMS."""
    send_invitation = body.pop("send_invitation")
    body.update(placement(body["batch_id"], body["course_id"]))
    student = STUDENTS.create(lambda db: users.create(db, {**body, "role": "student"}))
    if send_invitation and (student.get("email") or student.get("mobile")):
        db = get_db()
        invitations.issue(db, student, "invitation", actor=current_user)
        student = users.get(db, student["_id"]) or student
    return student


@blp.route("/<id:student_id>", methods=["GET"])
@rule(KIND, "read")
@blp.response(200, StudentSchema)
@blp.alt_response(404, schema=ErrorSchema)
def get_student(student_id: str) -> dict:
    """One student."""
    return STUDENTS.get(student_id)


@blp.route("/<id:student_id>", methods=["PATCH"])
@rule(KIND, "write")
@blp.arguments(StudentUpdateSchema)
@blp.response(200, StudentSchema)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def update_student(body: dict, student_id: str) -> dict:
    """Change a student; a new email or mobile voids pending links."""
    student = STUDENTS.get(student_id)
    if "batch_id" in body:
        body.update(placement(body["batch_id"], body["course_id"]))
    deactivated = body.get("active") is False and student.get("active", True)
    moved = users.contact_changes(student, body)
    updated = STUDENTS.update(
        student,
        body,
        lambda db, oid, changes: users.update(db, oid, changes, revoke_tokens=deactivated, revoke_single_use=moved),
    )
    if moved:
        after_contact_change(STUDENTS, student, updated)
    return updated


def after_contact_change(resource: ScopedResource, before: dict, after: dict) -> None:
    """Links sent to the old address stopped working: say so in the audit trail, and send a pending
    invitation again, to the new address.
    """
    resource.audit("single_use_tokens_revoked", before, after)
    if "invitation" in before and not after.get("password_hash"):
        invitations.issue(get_db(), after, "invitation", actor=current_user)


@blp.route("/<id:student_id>", methods=["DELETE"])
@rule(KIND, "write")
@blp.response(204)
@blp.alt_response(404, schema=ErrorSchema)
@blp.alt_response(409, schema=ErrorSchema)
def delete_student(student_id: str) -> None:
    """Delete a student with no attempts (409 otherwise)."""
    student = STUDENTS.get(student_id)
    STUDENTS.delete(student, {"attempts": attempts.count_for_student(get_db(), student_id)})
