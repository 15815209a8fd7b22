from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from domain.assessment import SPOKEN_TYPES as SPOKEN_ITEM_TYPES
from domain.assessment import WRITTEN_TYPES as WRITTEN_ITEM_TYPES
from schemas.common import StrictSchema

_REF = {"validate": validate.Length(min=1, max=64)}


class ScoreRefsMixin:
    """Optional links to the assessment an answer belongs to; re-scoring selects by them."""

    attempt_id = fields.String(**_REF)
    test_id = fields.String(**_REF)
    item_id = fields.String(**_REF)


class SpokenAudioSchema(StrictSchema):
    audio = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class SpokenScoreFormSchema(ScoreRefsMixin, StrictSchema):
    text = fields.String(
        required=True, validate=validate.Length(min=1, max=2000), metadata={"description": "The expected text"}
    )
    item_type = fields.String(load_default="read_aloud", validate=validate.OneOf(SPOKEN_ITEM_TYPES))
    accepted_answers = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)), load_default=list, validate=validate.Length(max=20)
    )


class ScoringContextSchema(StrictSchema):
    """Facts about the attempt rather than the item; nothing here chooses how it is scored."""

    elapsed_seconds = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, max=24 * 3600),
        metadata={"description": "Seconds the student spent typing (typing items)"},
    )


class WrittenScoreSchema(ScoreRefsMixin, StrictSchema):
    item_type = fields.String(required=True, validate=validate.OneOf(WRITTEN_ITEM_TYPES))
    answer = fields.String(required=True, validate=validate.Length(max=20000))
    item = fields.Dict(required=True, metadata={"description": "The item definition (workers/writing/README.md)"})
    context = fields.Nested(ScoringContextSchema, load_default=dict)


class RescoreSchema(StrictSchema):
    attempt_id = fields.String(**_REF)
    test_id = fields.String(**_REF)
    force = fields.Boolean(
        load_default=False, metadata={"description": "Also re-score answers already at the current version"}
    )

    @validates_schema
    def _one_target(self, data: dict, **_: object) -> None:
        if bool(data.get("attempt_id")) == bool(data.get("test_id")):
            raise ValidationError("Give exactly one of attempt_id or test_id.", "attempt_id")
