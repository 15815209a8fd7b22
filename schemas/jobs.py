from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.jobkinds import JOB_STATES as STATES
from schemas.common import ObjectIdStr, PageArgsSchema, UtcDateTime, list_envelope


class ProgressSchema(Schema):
    done = fields.Integer()
    total = fields.Integer()


class JobErrorSchema(Schema):
    code = fields.String()
    message = fields.String()
    details = fields.Dict()


class JobSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    kind = fields.String()
    state = fields.String(metadata={"enum": list(STATES)})
    progress = fields.Nested(ProgressSchema)
    result = fields.Raw(allow_none=True, metadata={"description": "Kind-specific; see the job kinds."})
    error = fields.Nested(JobErrorSchema, allow_none=True)
    attempts = fields.Integer(attribute="deliveries")
    cancel_requested = fields.Boolean()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    started_at = UtcDateTime(allow_none=True)
    finished_at = UtcDateTime(allow_none=True)


JobListSchema = list_envelope(JobSchema, "JobList")


class JobListArgsSchema(PageArgsSchema):
    state = fields.String(validate=validate.OneOf(STATES))
    kind = fields.String(validate=validate.Length(max=50))
