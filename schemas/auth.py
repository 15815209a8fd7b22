from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.common import ObjectIdStr, StrictSchema, UtcDateTime

SESSION = fields.String(
    load_default="body",
    validate=validate.OneOf(["body", "cookie"]),
    metadata={
        "description": "body: both tokens in the answer. cookie (browsers): the refresh token is set as an HttpOnly, "
        "SameSite=Strict cookie on /api/v1/auth instead, with a readable aiv_csrf cookie whose value goes back "
        "in X-CSRF-Token when refreshing"
    },
)


class LoginSchema(StrictSchema):
    login = fields.String(
        required=True,
        validate=validate.Length(min=1, max=254),
        metadata={"description": "Email address or roll number"},
    )
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=256))
    session = SESSION


class UserSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    name = fields.String()
    email = fields.String(allow_none=True)
    roll_number = fields.String(allow_none=True)
    mobile = fields.String(allow_none=True)
    role = fields.String()
    campus_id = ObjectIdStr(allow_none=True)
    course_ids = fields.List(ObjectIdStr())
    batch_id = fields.String(allow_none=True)
    course_id = fields.String(allow_none=True)
    permissions = fields.Dict(allow_none=True, metadata={"description": "sub_superadmin: module -> none/read/write"})
    active = fields.Boolean()
    created_at = UtcDateTime()


class TokenPairSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String(metadata={"description": "Absent for a cookie session: it is in the cookie"})
    token_type = fields.String()
    expires_in = fields.Integer()
    user = fields.Nested(UserSchema)
