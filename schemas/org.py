"""Organisation resources: campuses, courses, batches, students and admins, in and out."""

from __future__ import annotations

from typing import Any, ClassVar

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


COURSE_IDS_LENGTH = validate.Length(min=1, max=50)


class BatchCreateSchema(StrictSchema):
    campus_id = IdField(required=True)
    course_ids = fields.List(IdField(), required=True, validate=COURSE_IDS_LENGTH)
    name = NameField(required=True)


class BatchUpdateSchema(StrictSchema):
    course_ids = fields.List(IdField(), validate=COURSE_IDS_LENGTH)
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

    OPENAPI_RULES: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"required": ["batch_id", "course_id"]},
            {"not": {"anyOf": [{"required": ["batch_id"]}, {"required": ["course_id"]}]}},
        ]
    }

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
class PermissionsSchema(StrictSchema):
    """Module -> level; a module left out keeps its level from the template (or none)."""

    locals().update({module: fields.String(validate=validate.OneOf(list(LEVELS))) for module in MODULES})


Permissions = fields.Nested(PermissionsSchema)


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
    # What each role needs (api/identity/admins.resolved_scope checks the same).
    OPENAPI_RULES: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"properties": {"role": {"enum": ["superadmin"]}}},
            {
                "properties": {"role": {"enum": ["sub_superadmin"]}, "permission_template": {"type": "string"}},
                "required": ["permission_template"],
            },
            {
                "properties": {"role": {"enum": ["sub_superadmin"]}, "permissions": {"minProperties": 1}},
                "required": ["permissions"],
            },
            {
                "properties": {"role": {"enum": ["campus_admin"]}, "campus_id": {"type": "string"}},
                "required": ["campus_id"],
            },
            {
                "properties": {
                    "role": {"enum": ["course_admin"]},
                    "campus_id": {"type": "string"},
                    "course_ids": {"minItems": 1},
                },
                "required": ["campus_id", "course_ids"],
            },
        ]
    }
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
