"""The item bank: one content schema per item type, the item in and out, and its list filters.

Written types take the writing engine's item definitions (workers/writing/README.md); spoken
types what the speech engine needs; `mcq` a question, 2-6 options and the correct option's index.
The same schemas check an item created through the API and a row of an item import file.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from domain.assessment import ITEM_TYPES, LEVELS
from schemas.common import ObjectIdStr, PageArgsSchema, StrictSchema, UtcDateTime, list_envelope
from schemas.fields import IdField

_GAP = re.compile(r"_{2,}|\[blank\]|\{blank\}", re.IGNORECASE)
MODULE = validate.Regexp(r"^[a-z][a-z0-9_]{0,39}$", error="Lower-case letters, digits and _ only (e.g. listening).")


def _text(max_length: int, **kwargs: Any) -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=max_length), **kwargs)


def _texts(max_length: int, min_items: int, max_items: int, **kwargs: Any) -> fields.List:
    return fields.List(
        fields.String(validate=validate.Length(min=1, max=max_length)),
        validate=validate.Length(min=min_items, max=max_items),
        **kwargs,
    )


class ReadAloudContent(StrictSchema):
    text = _text(2000)


class RepeatContent(StrictSchema):
    text = _text(500)


class SentenceBuildsContent(StrictSchema):
    phrases = _texts(120, 2, 8, required=True, metadata={"description": "Spoken to the student in a shuffled order"})
    text = _text(600, metadata={"description": "The sentence the phrases make"})


class ShortAnswerContent(StrictSchema):
    question = _text(500)
    accepted_answers = _texts(200, 1, 20, required=True)


class StoryRetellingContent(StrictSchema):
    story = _text(3000)
    key_ideas = _texts(300, 1, 20)


class OpenQuestionContent(StrictSchema):
    question = _text(1000)


class TypingContent(StrictSchema):
    passage = _text(5000)


class SentenceCompletionContent(StrictSchema):
    sentence = _text(500, metadata={"description": "The gap written ___, [blank] or {blank}"})
    acceptable_answers = _texts(200, 1, 20, required=True)

    @validates_schema
    def _has_a_gap(self, data: dict[str, Any], **_: Any) -> None:
        if "sentence" in data and len(_GAP.findall(data["sentence"])) != 1:
            msg = "The sentence needs exactly one gap: ___, [blank] or {blank}."
            raise ValidationError(msg, "sentence")


class DictationContent(StrictSchema):
    text = _text(1000)


class PassageReconstructionContent(StrictSchema):
    passage = _text(3000)
    key_ideas = _texts(300, 1, 20)
    reading_seconds = fields.Integer(
        validate=validate.Range(min=5, max=600),
        metadata={"description": "How long the passage is shown once the item is opened (default 30)"},
    )


class EmailPoint(StrictSchema):
    id = fields.String(required=True, validate=validate.Length(min=1, max=40))
    description = _text(300)
    keywords = _texts(100, 1, 30)
    all_of = fields.List(_texts(100, 1, 30), validate=validate.Length(min=1, max=10))

    @validates_schema
    def _keywords_or_groups(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("keywords") and not data.get("all_of"):
            msg = "Give keywords or all_of groups."
            raise ValidationError(msg, "keywords")


class EmailWritingContent(StrictSchema):
    prompt = _text(3000)
    points = fields.List(fields.Nested(EmailPoint), required=True, validate=validate.Length(min=1, max=10))
    min_words = fields.Integer(validate=validate.Range(min=1, max=1000))
    max_words = fields.Integer(validate=validate.Range(min=1, max=2000))


class McqContent(StrictSchema):
    question = _text(1000)
    options = _texts(300, 2, 6, required=True)
    answer = fields.Integer(required=True, metadata={"description": "Index of the correct option (from 0)"})
    passage = fields.String(validate=validate.Length(min=1, max=5000))
    audio_text = fields.String(
        validate=validate.Length(min=1, max=2000), metadata={"description": "Spoken, never shown"}
    )

    @validates_schema
    def _answer_is_an_option(self, data: dict[str, Any], **_: Any) -> None:
        if "options" in data and "answer" in data and not 0 <= data["answer"] < len(data["options"]):
            msg = f"The answer must be the index of one of the {len(data['options'])} options (from 0)."
            raise ValidationError(msg, "answer")


CONTENT_SCHEMAS: dict[str, type[Schema]] = {
    "read_aloud": ReadAloudContent,
    "repeat": RepeatContent,
    "sentence_builds": SentenceBuildsContent,
    "short_answer": ShortAnswerContent,
    "story_retelling": StoryRetellingContent,
    "open_question": OpenQuestionContent,
    "typing": TypingContent,
    "sentence_completion": SentenceCompletionContent,
    "dictation": DictationContent,
    "passage_reconstruction": PassageReconstructionContent,
    "email_writing": EmailWritingContent,
    "mcq": McqContent,
}


def load_content(item_type: str, content: Any) -> dict[str, Any]:
    """The item's content checked against its type's schema; ValidationError keyed by field otherwise."""
    if not isinstance(content, dict):
        msg = "Not an object."
        raise ValidationError(msg)
    loaded: dict[str, Any] = CONTENT_SCHEMAS[item_type]().load(content)
    return loaded


class _ItemFields(StrictSchema):
    level = fields.String(validate=validate.OneOf(LEVELS))
    module = fields.String(load_default=None, allow_none=True, validate=MODULE)
    time_limit_seconds = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=5, max=3600))
    content = fields.Dict(metadata={"description": "By type: see the item bank in the README"})


class ItemCreateSchema(_ItemFields):
    type = fields.String(required=True, validate=validate.OneOf(ITEM_TYPES))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    campus_id = IdField(
        load_default=None, allow_none=True, metadata={"description": "Omit for the shared bank (superadmins)"}
    )
    content = fields.Dict(required=True, metadata={"description": "By type: see the item bank in the README"})

    @validates_schema
    def _content_fits_the_type(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("type") in CONTENT_SCHEMAS and "content" in data:
            _check_content(data["type"], data["content"])


class ItemUpdateSchema(_ItemFields):
    active = fields.Boolean()


def _check_content(item_type: str, content: Any) -> None:
    try:
        load_content(item_type, content)
    except ValidationError as error:
        raise ValidationError({"content": error.messages}) from None


class PromptAudioSchema(Schema):
    state = fields.String(metadata={"enum": ["none", "pending", "ready", "failed"]})
    source = fields.String(allow_none=True, metadata={"enum": ["tts", "upload"]})
    duration_seconds = fields.Float(allow_none=True)
    error = fields.Dict(allow_none=True)
    url = fields.String(allow_none=True, metadata={"description": "A short-lived link to the audio, when ready"})


class ItemSchema(Schema):
    id = ObjectIdStr(attribute="_id")
    type = fields.String()
    level = fields.String()
    module = fields.String(allow_none=True)
    campus_id = fields.String(allow_none=True)
    time_limit_seconds = fields.Integer(allow_none=True)
    content = fields.Dict()
    version = fields.Integer()
    family_id = fields.String()
    replaces = fields.String(allow_none=True, metadata={"description": "The version this one was edited from"})
    used = fields.Boolean(metadata={"description": "A test uses it: edits make a new version, deletes retire it"})
    retired = fields.Boolean()
    active = fields.Boolean()
    prompt_audio = fields.Nested(PromptAudioSchema)
    created_at = UtcDateTime()
    updated_at = UtcDateTime()


ItemListSchema = list_envelope(ItemSchema, "ItemList")


class ItemListArgsSchema(PageArgsSchema):
    type = fields.String(validate=validate.OneOf(ITEM_TYPES))
    level = fields.String(validate=validate.OneOf(LEVELS))
    module = fields.String(validate=MODULE)
    campus_id = IdField()
    shared = fields.Boolean(metadata={"description": "Only shared items (true) or only campus items (false)"})
    retired = fields.Boolean(load_default=False, metadata={"description": "List retired versions instead"})
    q = fields.String(validate=validate.Length(max=120), metadata={"description": "Text in the item's content"})
    sort = fields.String(
        load_default="-created_at",
        validate=validate.OneOf(["created_at", "-created_at", "type", "-type", "level", "-level"]),
    )


class ItemAudioFormSchema(Schema):
    audio = fields.Raw(required=True, metadata={"type": "string", "format": "binary", "minLength": 1})
