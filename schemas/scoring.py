from __future__ import annotations

from typing import Any, ClassVar

from marshmallow import ValidationError, fields, validate, validates_schema

from domain.assessment import SPOKEN_TYPES as SPOKEN_ITEM_TYPES
from domain.assessment import WRITTEN_TYPES as WRITTEN_ITEM_TYPES
from schemas.common import StrictSchema
from schemas.fields import IdField

MAX_DEPTH = 20  # item definitions are a few levels deep
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1  # what MongoDB stores as an integer


class ScoreRefsMixin:
    """Optional links to the assessment an answer belongs to (each must be one the caller may see);
    re-scoring selects by them.
    """

    attempt_id = IdField()
    test_id = IdField()
    item_id = IdField()


class SpokenAudioSchema(StrictSchema):
    audio = fields.Raw(required=True, metadata={"type": "string", "format": "binary", "minLength": 1})


class SpokenScoreFormSchema(ScoreRefsMixin, StrictSchema):
    """The multipart body: the recorded audio and what it is scored against."""

    audio = SpokenAudioSchema._declared_fields["audio"]  # noqa: SLF001 - the one declaration of the audio part
    text = fields.String(
        required=True, validate=validate.Length(min=1, max=2000), metadata={"description": "The expected text"}
    )
    item_type = fields.String(load_default="read_aloud", validate=validate.OneOf(SPOKEN_ITEM_TYPES))
    accepted_answers = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)), load_default=list, validate=validate.Length(max=20)
    )


class StorableDict(fields.Dict):
    """A free-form object that is kept as given, so it must be storable at any depth: no key with
    a NUL character or starting with "$", no integer beyond 64 bits, not nested too deeply.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> dict:
        loaded: dict = super()._deserialize(value, attr, data, **kwargs)
        problem = _unstorable(loaded)
        if problem is not None:
            raise ValidationError(f"This cannot be stored: {problem}.")
        return loaded


def _unstorable(value: Any, depth: int = 0) -> str | None:
    if depth > MAX_DEPTH:
        return f"nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
        return "an integer beyond 64 bits"
    if isinstance(value, dict):
        bad = next((key for key in value if "\x00" in key or key.startswith("$")), None)
        if bad is not None:
            return f"the key {bad!r} (no NUL character, none starting with '$')"
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return next((found for child in children if (found := _unstorable(child, depth + 1)) is not None), None)


class ScoringContextSchema(StrictSchema):
    """Facts about the attempt rather than the item; nothing here chooses how it is scored."""

    elapsed_seconds = fields.Float(
        validate=validate.Range(min=0, min_inclusive=False, max=24 * 3600),
        # apispec drops min_inclusive=False; OpenAPI 3.0 says it with a boolean.
        metadata={"description": "Seconds the student spent typing (typing items)", "exclusiveMinimum": True},
    )


class WrittenScoreSchema(ScoreRefsMixin, StrictSchema):
    item_type = fields.String(required=True, validate=validate.OneOf(WRITTEN_ITEM_TYPES))
    answer = fields.String(required=True, validate=validate.Length(max=20000))
    item = StorableDict(required=True, metadata={"description": "The item definition (workers/writing/README.md)"})
    context = fields.Nested(ScoringContextSchema, load_default=dict)


class RescoreSchema(StrictSchema):
    OPENAPI_RULES: ClassVar[dict[str, Any]] = {"oneOf": [{"required": ["attempt_id"]}, {"required": ["test_id"]}]}
    attempt_id = IdField()
    test_id = IdField()
    force = fields.Boolean(
        load_default=False, metadata={"description": "Also re-score answers already at the current version"}
    )

    @validates_schema
    def _one_target(self, data: dict, **_: object) -> None:
        if bool(data.get("attempt_id")) == bool(data.get("test_id")):
            raise ValidationError("Give exactly one of attempt_id or test_id.", "attempt_id")
