"""The Blueprint every API module uses: flask-smorest's, with arguments parsed strictly, one
`multipart` location for uploads, and a required body that is really required.

- webargs ignores unknown query parameters by default; a misspelt `?per-page=` would be dropped
  without a word while the spec (StrictSchema) says it is refused. Here it is a 422 naming it.
- A multipart body is one schema (location "multipart": its file parts and its text fields
  together), so the spec shows the whole body and an unknown part is refused; flask-smorest
  would document only one of two separate `files` and `form` schemas.
- flask-smorest documents a body as required (`requestBody.required`, the default) but webargs
  loads a missing one as `{}`, so a PATCH without a body would succeed as a no-op and a POST would
  run on defaults. Here a body location declared required refuses a request without that body
  with the one 422 (details keyed by the location), before the view runs.
"""

from __future__ import annotations

from functools import wraps
from typing import TYPE_CHECKING, Any, ClassVar

import marshmallow
from flask import request
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

if TYPE_CHECKING:
    from collections.abc import Callable

MULTIPART = "multipart"
JSON = "json"


class StrictParser(FlaskParser):
    # Instance variables on FlaskParser (so not ClassVar here), overridden for every instance.
    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = {  # noqa: RUF012
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": marshmallow.RAISE,
        "querystring": marshmallow.RAISE,
        "files": marshmallow.RAISE,
        MULTIPART: marshmallow.RAISE,
    }
    __location_map__: dict[str, Any] = {**FlaskParser.__location_map__, MULTIPART: "load_multipart"}  # noqa: RUF012

    def load_multipart(self, req: Any, schema: marshmallow.Schema) -> Any:
        """The text fields and the file parts of a multipart/form-data body, as one mapping."""
        parts: MultiDict = CombinedMultiDict([req.form, req.files])
        if None in parts:  # werkzeug names a part None when its name is missing or unreadable
            parts = MultiDict((name or "", value) for name, value in parts.items(multi=True))
        return self._makeproxy(parts, schema)


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = StrictParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict[str, str]] = {
        **SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        MULTIPART: "multipart/form-data",
    }

    def arguments(
        self, schema: Any, *, location: str = JSON, required: bool = True, **kwargs: Any
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """flask-smorest's `arguments`; a required body is refused (422) when the request has none."""
        parse: Callable[[Callable[..., Any]], Callable[..., Any]] = super().arguments(
            schema, location=location, required=required, **kwargs
        )
        if not required or location not in self.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING:
            return parse
        content_type = kwargs.get("content_type") or self.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING[location]
        return _requiring_body(parse, location, content_type)


def _requiring_body(
    parse: Callable[[Callable[..., Any]], Callable[..., Any]], location: str, content_type: str
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        parsed = parse(view)

        @wraps(parsed)  # keeps flask-smorest's _apidoc on the view
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not _has_body(location, content_type):
                abort(422, messages={location: [f"This request needs a body ({content_type})."]})
            return parsed(*args, **kwargs)

        return wrapper

    return decorator


def _has_body(location: str, content_type: str) -> bool:
    """Whether the request carries a body webargs would load for `location` (it loads `{}` otherwise)."""
    if location == JSON:  # webargs reads a JSON body only under a JSON media type, and "" as none
        return is_json_request(request) and bool(request.get_data(cache=True))
    return request.mimetype == content_type and request.content_length != 0
