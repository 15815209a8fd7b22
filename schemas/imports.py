"""What every file import (roster, item bank) shows the same way: the import record's common
fields, the uploaded file and a row error. Each kind adds only its own fields.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from domain.jobkinds import JOB_STATES as STATES
from schemas.common import ObjectIdStr, StrictSchema, UtcDateTime, list_envelope
from schemas.jobs import JobErrorSchema


class ImportOptionsSchema(StrictSchema):
    """The options every import's form takes; each kind adds its own."""

    dry_run = fields.Boolean(load_default=False, metadata={"description": "Validate and report only; write nothing."})
    sheet = fields.String(
        load_default=None,
        allow_none=False,  # a form field has no null: leave it out
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Workbook sheet to read (default: the first non-empty one)."},
    )


class ImportFileInfoSchema(Schema):
    filename = fields.String()
    size = fields.Integer()


class ImportRecordSchema(Schema):
    """An import: its job's state, options, file and, once finished, its counts (in each kind's schema)."""

    id = ObjectIdStr(attribute="_id")
    job_id = ObjectIdStr()
    state = fields.String(metadata={"enum": list(STATES), "description": "The state of the import's job."})
    error = fields.Nested(JobErrorSchema, allow_none=True)
    dry_run = fields.Boolean()
    sheet = fields.String(allow_none=True)
    file = fields.Nested(ImportFileInfoSchema)
    errors_url = fields.String()
    created_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)


class RowErrorSchema(Schema):
    row = fields.Integer(allow_none=True, metadata={"description": "The file's row number (header included)"})
    column = fields.String(
        allow_none=True, metadata={"description": "As labelled in the file (in an item file, or the content field)"}
    )
    value = fields.String(allow_none=True)
    message = fields.String()


RowErrorListSchema = list_envelope(RowErrorSchema, "RowErrorList")
