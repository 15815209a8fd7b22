"""Roster imports: the upload form, the import record and its row errors."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.jobkinds import JOB_STATES as STATES
from schemas.common import ObjectIdStr, StrictSchema, UtcDateTime, list_envelope
from schemas.jobs import JobErrorSchema


class RosterImportFileSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary", "minLength": 1, "description": "The roster, .csv or .xlsx"},
    )


class RosterImportOptionsSchema(StrictSchema):
    dry_run = fields.Boolean(load_default=False, metadata={"description": "Validate and report only; write nothing."})
    send_invitations = fields.Boolean(load_default=True, metadata={"description": "Invite each newly created student."})
    sheet = fields.String(
        load_default=None,
        allow_none=False,  # a form field has no null: leave it out
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Workbook sheet to read (default: the first non-empty one)."},
    )


class RosterImportFormSchema(RosterImportOptionsSchema):
    """The multipart body: the file and the options."""

    file = RosterImportFileSchema._declared_fields["file"]  # noqa: SLF001 - the one declaration of the file part


class RosterImportCountsSchema(Schema):
    rows = fields.Integer()
    created = fields.Integer()
    updated = fields.Integer()
    skipped = fields.Integer(metadata={"description": "Existing students the file did not change."})
    failed = fields.Integer(metadata={"description": "Rows with at least one error."})
    errors = fields.Integer(metadata={"description": "Row errors listed at errors_url."})


class RosterImportFileInfoSchema(Schema):
    filename = fields.String()
    size = fields.Integer()


class RosterImportSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    batch_id = fields.String()
    job_id = ObjectIdStr()
    state = fields.String(metadata={"enum": list(STATES), "description": "The state of the import's job."})
    error = fields.Nested(JobErrorSchema, allow_none=True)
    dry_run = fields.Boolean()
    send_invitations = fields.Boolean()
    sheet = fields.String(allow_none=True)
    file = fields.Nested(RosterImportFileInfoSchema)
    counts = fields.Nested(RosterImportCountsSchema, allow_none=True)
    errors_url = fields.String()
    created_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)


RosterImportListSchema = list_envelope(RosterImportSchema, "RosterImportList")


class RosterErrorSchema(Schema):
    row = fields.Integer(allow_none=True)
    column = fields.String(allow_none=True)
    value = fields.String(allow_none=True)
    message = fields.String()


RosterErrorListSchema = list_envelope(RosterErrorSchema, "RosterErrorList")
