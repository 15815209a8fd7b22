"""Tests (sections, window, release), assignments, attempts, answers and results, in and out.

What goes out to a student is built from `domain.assessment.student_prompt`: these schemas
only shape it. No schema here has a field for a reference text, an accepted answer or the
correct option.
"""

from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.assessment import ITEM_TYPES, LEVELS
from schemas.common import ObjectIdStr, PageArgsSchema, StrictSchema, UtcDateTime, list_envelope
from schemas.fields import IdField
from schemas.items import MODULE

RELEASES = ("immediate", "manual", "scheduled")
TEST_KINDS = ("practice", "online")
MAX_SECTIONS, MAX_ITEMS_PER_SECTION = 20, 100


class SectionSchema(StrictSchema):
    # Fixed (item_ids, nothing to draw by) or drawn (type and count, optionally level/module).
    _DRAWN = ("type", "count", "level", "module")
    OPENAPI_RULES: ClassVar[dict[str, Any]] = {
        "oneOf": [
            {"required": ["item_ids"], "not": {"anyOf": [{"required": [name]} for name in _DRAWN]}},
            {"required": ["type", "count"], "not": {"required": ["item_ids"]}},
        ]
    }
    """A fixed list of items, or a draw of `count` items of a `type` (and level, module)."""

    item_ids = fields.List(IdField(), validate=validate.Length(min=1, max=MAX_ITEMS_PER_SECTION))
    type = fields.String(validate=validate.OneOf(ITEM_TYPES))
    count = fields.Integer(validate=validate.Range(min=1, max=MAX_ITEMS_PER_SECTION))
    level = fields.String(validate=validate.OneOf(LEVELS))
    module = fields.String(validate=MODULE)

    @validates_schema
    def _fixed_or_drawn(self, data: dict[str, Any], **_: Any) -> None:
        fixed = "item_ids" in data
        drawn = {"type", "count", "level", "module"} & set(data)
        if fixed == bool(drawn):
            msg = "Give either item_ids, or type and count (with level and module if you like)."
            raise ValidationError(msg, "item_ids")
        if drawn and not {"type", "count"} <= set(data):
            msg = "A drawn section needs type and count."
            raise ValidationError(msg, "type")


class _TestFields(StrictSchema):
    # A scheduled release says when (the window's order is a comparison OpenAPI cannot state).
    OPENAPI_RULES: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"not": {"required": ["release"], "properties": {"release": {"enum": ["scheduled"]}}}},
            {"required": ["release_at"], "properties": {"release_at": {"type": "string"}}},
        ]
    }
    title = fields.String(validate=validate.Length(min=1, max=200))
    kind = fields.String(validate=validate.OneOf(TEST_KINDS))
    sections = fields.List(fields.Nested(SectionSchema), validate=validate.Length(min=1, max=MAX_SECTIONS))
    duration_minutes = fields.Integer(validate=validate.Range(min=1, max=600))
    window_start = fields.AwareDateTime(default_timezone=None)
    window_end = fields.AwareDateTime(default_timezone=None)
    attempts_allowed = fields.Integer(validate=validate.Range(min=1, max=10))
    release = fields.String(validate=validate.OneOf(RELEASES))
    release_at = fields.AwareDateTime(allow_none=True)

    @validates_schema
    def _window_and_release(self, data: dict[str, Any], **_: Any) -> None:
        if "window_start" in data and "window_end" in data and data["window_end"] <= data["window_start"]:
            msg = "The window must end after it starts."
            raise ValidationError(msg, "window_end")
        if data.get("release") == "scheduled" and not data.get("release_at"):
            msg = "A scheduled release needs release_at."
            raise ValidationError(msg, "release_at")


class TestCreateSchema(_TestFields):
    title = fields.String(required=True, validate=validate.Length(min=1, max=200))
    campus_id = IdField(required=True)
    kind = fields.String(load_default="online", validate=validate.OneOf(TEST_KINDS))
    sections = fields.List(
        fields.Nested(SectionSchema), required=True, validate=validate.Length(min=1, max=MAX_SECTIONS)
    )
    duration_minutes = fields.Integer(required=True, validate=validate.Range(min=1, max=600))
    window_start = fields.AwareDateTime(required=True)
    window_end = fields.AwareDateTime(required=True)
    attempts_allowed = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10))
    release = fields.String(load_default="immediate", validate=validate.OneOf(RELEASES))


class TestUpdateSchema(_TestFields):
    active = fields.Boolean()


class TestSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    title = fields.String()
    campus_id = fields.String()
    kind = fields.String()
    sections = fields.List(fields.Dict())
    duration_minutes = fields.Integer()
    window_start = UtcDateTime()
    window_end = UtcDateTime()
    attempts_allowed = fields.Integer()
    release = fields.String()
    release_at = UtcDateTime(allow_none=True)
    released_at = UtcDateTime(allow_none=True)
    batch_ids = fields.List(fields.String())
    student_ids = fields.List(fields.String())
    active = fields.Boolean()
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


TestListSchema = list_envelope(TestSchema, "TestList")


class TestListArgsSchema(PageArgsSchema):
    campus_id = IdField()
    batch_id = IdField()
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(max=120), metadata={"description": "Title contains"})
    sort = fields.String(
        load_default="-window_start",
        validate=validate.OneOf(["window_start", "-window_start", "title", "-title", "created_at", "-created_at"]),
    )


class AssignmentSchema(StrictSchema):
    OPENAPI_RULES: ClassVar[dict[str, Any]] = {
        "anyOf": [
            {"required": ["batch_ids"], "properties": {"batch_ids": {"minItems": 1}}},
            {"required": ["student_ids"], "properties": {"student_ids": {"minItems": 1}}},
        ]
    }
    batch_ids = fields.List(IdField(), load_default=list, validate=validate.Length(max=200))
    student_ids = fields.List(IdField(), load_default=list, validate=validate.Length(max=5000))

    @validates_schema
    def _something(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("batch_ids") and not data.get("student_ids"):
            msg = "Give batch_ids or student_ids."
            raise ValidationError(msg, "batch_ids")


class AssignedSchema(Schema):
    assigned = fields.Integer(metadata={"description": "Students newly assigned (each is sent test_assigned)"})
    job_id = fields.String(allow_none=True, metadata={"description": "The job that sends their messages"})


# --- students -------------------------------------------------------------------------------


class MyTestSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    title = fields.String()
    window_start = UtcDateTime()
    window_end = UtcDateTime()
    duration_minutes = fields.Integer()
    attempts_left = fields.Integer()
    state = fields.String(metadata={"enum": ["not_started", "in_progress", "finished"]})


MyTestListSchema = list_envelope(MyTestSchema, "MyTestList")


class AttemptItemSchema(Schema):
    id = fields.String()
    type = fields.String()
    prompt = fields.Dict(
        metadata={"description": "Only what a student may see; for a clocked item, only when it is opened"}
    )
    prompt_audio_url = fields.String(allow_none=True)
    time_limit_seconds = fields.Integer(allow_none=True)
    options = fields.List(fields.String(), allow_none=True)
    answer_state = fields.String(metadata={"enum": ["unanswered", "received", "scored", "failed"]})
    clocked = fields.Boolean(
        metadata={
            "description": "Served one at a time: open it (GET /attempts/<id>/items/<item_id>) to see its prompt; "
            "its clock starts then"
        }
    )
    opened_at = UtcDateTime(allow_none=True, metadata={"description": "When the item was first opened"})
    prompt_plays = fields.Integer(
        allow_none=True, metadata={"description": "How often the prompt audio may be played (null: no audio)"}
    )
    answer_by = UtcDateTime(
        allow_none=True, metadata={"description": "The server's time limit for this answer (item limit or deadline)"}
    )
    shown_until = UtcDateTime(metadata={"description": "Content shown for a while (a passage to reconstruct) until"})
    content_hidden = fields.Boolean(metadata={"description": "That content's time is over: it is no longer shown"})


class AttemptSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    test_id = fields.String()
    student_id = fields.String(allow_none=True, metadata={"description": "Only to callers who may read students"})
    pseudonym = fields.String(metadata={"description": "To callers who may not read students (times to the day)"})
    number = fields.Integer()
    state = fields.String(metadata={"enum": ["in_progress", "finished"]})
    started_at = UtcDateTime()
    deadline = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)
    result_state = fields.String()
    items = fields.List(fields.Nested(AttemptItemSchema))


class TextAnswerSchema(StrictSchema):
    text = fields.String(validate=validate.Length(max=20000))
    elapsed_seconds = fields.Float(validate=validate.Range(min=0, max=36000), metadata={"description": "typing"})
    choice = fields.Integer(validate=validate.Range(min=0, max=20), metadata={"description": "mcq: option index"})

    @validates_schema
    def _text_or_choice(self, data: dict[str, Any], **_: Any) -> None:
        if ("text" in data) == ("choice" in data):
            msg = "Give text (a written answer) or choice (a multiple-choice answer)."
            raise ValidationError(msg, "text")


class AudioAnswerSchema(Schema):
    audio = fields.Raw(required=True, metadata={"type": "string", "format": "binary", "minLength": 1})


class ResultItemSchema(Schema):
    item_id = fields.String()
    type = fields.String()
    score = fields.Integer(allow_none=True)
    feedback = fields.String()
    unscored_reason = fields.String(
        metadata={"description": "Why the answer could not be scored (it counts as not answered)"}
    )


class ResultSchema(Schema):
    overall = fields.Integer(allow_none=True)
    subscores = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True))
    items = fields.List(fields.Nested(ResultItemSchema))
    item_feedback_held = fields.Boolean(
        metadata={
            "description": "True while a student could still take another attempt at the test (attempts left and "
            "the window open): per-item feedback would give the answers away, so `items` is empty until then"
        }
    )


class ResultPendingSchema(Schema):
    state = fields.String(metadata={"enum": ["in_progress", "scoring", "awaiting_release"]})


# --- admins -----------------------------------------------------------------------------------


class ResultRowSchema(Schema):
    """One attempt as the caller may see it (domain.results): figures once scored (a student's own
    once released); the student by id, name and roll number to callers who may read students, else
    by `pseudonym`, with times to the day.
    """

    attempt_id = fields.String()
    student_id = fields.String(metadata={"description": "Only to callers who may read students"})
    roll_number = fields.String(allow_none=True, metadata={"description": "Only to callers who may read students"})
    name = fields.String(allow_none=True, metadata={"description": "Only to callers who may read students"})
    pseudonym = fields.String(
        metadata={
            "description": "Instead of the student's id, name and roll number, to callers who may not read students"
        }
    )
    batch_id = fields.String(allow_none=True)
    number = fields.Integer()
    state = fields.String()
    result_state = fields.String()
    overall = fields.Integer(allow_none=True)
    subscores = fields.Dict(allow_none=True)
    started_at = UtcDateTime()
    finished_at = UtcDateTime(allow_none=True)
    test_id = fields.String()
    test_title = fields.String(allow_none=True)


ResultRowListSchema = list_envelope(ResultRowSchema, "ResultRowList")


class ResultListArgsSchema(PageArgsSchema):
    batch_id = IdField()
    state = fields.String(validate=validate.OneOf(["in_progress", "scoring", "awaiting_release", "released"]))
    sort = fields.String(
        load_default="-started_at",
        validate=validate.OneOf(["started_at", "-started_at", "result.overall", "-result.overall", "number"]),
    )


class ReportRequestSchema(StrictSchema):
    format = fields.String(load_default="csv", validate=validate.OneOf(["csv", "xlsx"]))
    anonymised = fields.Boolean(load_default=False)
