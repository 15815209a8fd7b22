"""Organisation resources: campuses, courses, batches, students and admins, in and out."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.access import ADMIN_ROLES, LEVELS, MODULES, TEMPLATES
from schemas.common import ObjectIdStr, PageArgsSchema, StrictSchema, UtcDateTime, list_envelope
from schemas.fields import EmailAddress, IdField, MobileNumber, NameField, PersonName, RollNumber


def _sort_field(*names: str) -> fields.String:
    allowed = [n for name in names for n in (name, f"-{name}")]
    return fields.String(
        load_default=names[0],
        validate=validate.OneOf(allowed),
        metadata={"description": "Field to sort by; prefix with - for descending."},
    )


# ---- campuses
class CampusSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    name = fields.String()
    code = fields.String(allow_none=True)
    active = fields.Boolean()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class CampusCreateSchema(StrictSchema):
    name = NameField(required=True)
    code = fields.String(validate=validate.Length(max=32), allow_none=True)


class CampusUpdateSchema(StrictSchema):
    name = NameField()
    code = fields.String(validate=validate.Length(max=32), allow_none=True)
    active = fields.Boolean()


class CampusListArgsSchema(PageArgsSchema):
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(max=120), metadata={"description": "Name contains"})
    sort = _sort_field("name", "created_at")


# ---- courses
class CourseSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    campus_id = fields.String()
    name = fields.String()
    active = fields.Boolean()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class CourseCreateSchema(StrictSchema):
    campus_id = IdField(required=True)
    name = NameField(required=True)


class CourseUpdateSchema(StrictSchema):
    name = NameField()
    active = fields.Boolean()


class CourseListArgsSchema(PageArgsSchema):
    campus_id = IdField()
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(max=120))
    sort = _sort_field("name", "created_at")


# ---- batches
class BatchSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    campus_id = fields.String()
    course_ids = fields.List(fields.String())
    name = fields.String()
    active = fields.Boolean()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


_COURSE_IDS = {"validate": validate.Length(min=1, max=50)}


class BatchCreateSchema(StrictSchema):
    campus_id = IdField(required=True)
    course_ids = fields.List(IdField(), required=True, **_COURSE_IDS)
    name = NameField(required=True)


class BatchUpdateSchema(StrictSchema):
    course_ids = fields.List(IdField(), **_COURSE_IDS)
    name = NameField()
    active = fields.Boolean()


class BatchListArgsSchema(PageArgsSchema):
    campus_id = IdField()
    course_id = IdField()
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(max=120))
    sort = _sort_field("name", "created_at")


# ---- students
class StudentSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    name = fields.String()
    roll_number = fields.String()
    email = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)
    campus_id = fields.String()
    batch_id = fields.String()
    course_id = fields.String()
    active = fields.Boolean()
    invitation_pending = fields.Function(lambda user: "invitation" in user)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class StudentCreateSchema(StrictSchema):
    name = PersonName(required=True)
    roll_number = RollNumber(required=True)
    email = EmailAddress(allow_none=True)
    mobile = MobileNumber(allow_none=True)
    batch_id = IdField(required=True)
    course_id = IdField(required=True)
    send_invitation = fields.Boolean(load_default=True)


class StudentUpdateSchema(StrictSchema):
    name = PersonName()
    roll_number = RollNumber()
    email = EmailAddress(allow_none=True)
    mobile = MobileNumber(allow_none=True)
    batch_id = IdField()
    course_id = IdField()
    active = fields.Boolean()

    @validates_schema
    def batch_and_course_together(self, data: dict[str, Any], **_: Any) -> None:
        if ("batch_id" in data) != ("course_id" in data):
            raise ValidationError("Change batch_id and course_id together.", "batch_id")


class StudentListArgsSchema(PageArgsSchema):
    campus_id = IdField()
    batch_id = IdField()
    course_id = IdField()
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(max=120), metadata={"description": "Name or roll number contains"})
    sort = _sort_field("name", "roll_number", "created_at")


# ---- admins
Permissions = fields.Dict(
    keys=fields.String(validate=validate.OneOf(MODULES)), values=fields.String(validate=validate.OneOf(list(LEVELS)))
)


class AdminSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    name = fields.String()
    email = fields.String()
    mobile = fields.String(allow_none=True)
    role = fields.String()
    campus_id = fields.String(allow_none=True)
    course_ids = fields.List(fields.String())
    permissions = fields.Dict(allow_none=True)
    permission_template = fields.String(allow_none=True)
    active = fields.Boolean()
    invitation_pending = fields.Function(lambda user: "invitation" in user)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


class _AdminFields(StrictSchema):
    name = PersonName()
    mobile = MobileNumber(allow_none=True)
    campus_id = IdField(allow_none=True)
    course_ids = fields.List(IdField(), validate=validate.Length(max=50))
    permission_template = fields.String(validate=validate.OneOf(list(TEMPLATES)), allow_none=True)
    permissions = Permissions


class AdminCreateSchema(_AdminFields):
    name = PersonName(required=True)
    email = EmailAddress(required=True)
    role = fields.String(required=True, validate=validate.OneOf(ADMIN_ROLES))


class AdminUpdateSchema(_AdminFields):
    email = EmailAddress()
    role = fields.String(validate=validate.OneOf(ADMIN_ROLES))
    active = fields.Boolean()


class AdminListArgsSchema(PageArgsSchema):
    role = fields.String(validate=validate.OneOf(ADMIN_ROLES))
    campus_id = IdField()
    course_id = IdField()
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(max=120), metadata={"description": "Name or email contains"})
    sort = _sort_field("name", "email", "created_at")


CampusListSchema = list_envelope(CampusSchema, "CampusList")
CourseListSchema = list_envelope(CourseSchema, "CourseList")
BatchListSchema = list_envelope(BatchSchema, "BatchList")
StudentListSchema = list_envelope(StudentSchema, "StudentList")
AdminListSchema = list_envelope(AdminSchema, "AdminList")
