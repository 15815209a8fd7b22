"""HTTP details several blueprints share: ids in paths, multipart bodies, and the one rule every
uploaded file meets on its way to S3 (size, type by its bytes, streamed as it came).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import wraps
from typing import IO, TYPE_CHECKING, Any

from flask import request
from werkzeug.routing import BaseConverter

from api.errors import ApiError
from config import get_settings
from domain.filetypes import AUDIO_TYPES, SNIFF_BYTES, sniff
from domain.ids import ID_PATTERN
from store import files

if TYPE_CHECKING:
    from collections.abc import Callable

    from werkzeug.datastructures import FileStorage


class IdConverter(BaseConverter):
    """`<id:name>` in a route: 24 hex characters in any case, handed to the view in lower case,
    so every id is normalised once, here, before anything compares or stores it.
    """

    regex = ID_PATTERN.strip("^$")

    def to_python(self, value: str) -> str:
        return value.lower()


def id_parameter_schema(_converter: IdConverter) -> dict[str, str]:
    """How the OpenAPI spec describes an `<id:...>` path parameter."""
    return {"type": "string", "pattern": ID_PATTERN}


def link_on(status: int, name: str, path: str, parameter: str) -> dict[str, Any]:
    """`@blp.doc` arguments declaring an OpenAPI link: the answer's `id` is `parameter` of GET `path`."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    link = {"operationRef": f"#/paths/{pointer}/get", "parameters": {parameter: "$response.body#/id"}}
    return {"responses": {status: {"links": {name: link}}}}


def require_multipart(view: Callable[..., Any]) -> Callable[..., Any]:
    """415 for a body that is not multipart/form-data (checked after the access rule). A request
    with no body at all gets the 422 of any missing required body (api/blueprint.py).
    """

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if _has_any_body() and not request.mimetype.startswith("multipart/form-data"):
            raise ApiError(415, "unsupported_media_type", "Send the file as multipart/form-data.")
        return view(*args, **kwargs)

    return wrapper


def _has_any_body() -> bool:
    return bool(request.mimetype) or bool(request.content_length)


@dataclass(frozen=True)
class UploadRule:
    """What an uploaded file must be: its form field, a name for messages, a size limit, and the
    types it may be by its bytes (None: any; the worker judges, e.g. a roster's CSV or XLSX).
    """

    field: str
    what: str
    max_bytes: int
    types: frozenset[str] | None = None


@dataclass(frozen=True)
class StagedUpload:
    key: str
    size: int
    content_type: str


def stage_upload(upload: FileStorage, rule: UploadRule, key: str) -> StagedUpload:
    """The one way an upload reaches S3: 400 when empty, 413 over the limit, 415 when its bytes are
    not of an accepted type (sniffed, never its name), then streamed to `key` as it came.
    """
    size = checked_size(upload.stream, rule.max_bytes, rule.field, rule.what)
    content_type = sniff(upload.stream.read(SNIFF_BYTES), upload.filename)
    upload.stream.seek(0)
    if rule.types is not None and content_type not in rule.types:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"This {rule.what} is not of an accepted type ({content_type}).",
            {"content_type": content_type},
        )
    files.put_stream(key, upload.stream, content_type)
    return StagedUpload(key, size, content_type)


def spoken_audio_rule(what: str = "recording") -> UploadRule:
    """A spoken answer, however it arrives (an attempt's answer or /scoring/spoken): one rule."""
    return UploadRule("audio", what, get_settings().scoring.scoring_max_audio_bytes, AUDIO_TYPES)


def checked_size(stream: IO[bytes], limit: int, field: str, what: str = "file") -> int:
    """The uploaded file's size; 400 when empty, 413 when over `limit` bytes."""
    stream.seek(0, 2)
    size = stream.tell()
    stream.seek(0)
    if size == 0:
        raise ApiError(400, "empty_file", f"The {what} is empty.", {field: ["The file is empty."]})
    if size > limit:
        raise ApiError(
            413,
            "payload_too_large",
            f"A {what} may be at most {limit} bytes.",
            {field: [f"The file has {size} bytes; the limit is {limit}."]},
        )
    return size
