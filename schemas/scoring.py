from __future__ import annotations

from marshmallow import fields, validate

from schemas.common import StrictSchema

SPOKEN_ITEM_TYPES = ("read_aloud", "repeat", "short_answer", "sentence_builds")
WRITTEN_ITEM_TYPES = ("typing", "sentence_completion", "dictation", "passage_reconstruction", "email_writing")


class SpokenAudioSchema(StrictSchema):
    audio = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})


class SpokenScoreFormSchema(StrictSchema):
    text = fields.String(required=True, validate=validate.Length(min=1, max=2000),
                         metadata={"description": "The expected text"})
    item_type = fields.String(load_default="read_aloud", validate=validate.OneOf(SPOKEN_ITEM_TYPES))
    accepted_answers = fields.List(fields.String(validate=validate.Length(min=1, max=200)),
                                   load_default=list, validate=validate.Length(max=20))


class WrittenScoreSchema(StrictSchema):
    item_type = fields.String(required=True, validate=validate.OneOf(WRITTEN_ITEM_TYPES))
    answer = fields.String(required=True, validate=validate.Length(max=20000))
    item = fields.Dict(required=True, metadata={"description": "The item definition (workers/writing/README.md)"})
    context = fields.Dict(load_default=dict, metadata={"description": "e.g. {\"elapsed_seconds\": 60} for typing"})
