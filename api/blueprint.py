"""The Blueprint every API module uses: flask-smorest's, with arguments parsed strictly and one
`multipart` location for uploads.

- webargs ignores unknown query parameters by default; a misspelt `?per-page=` would be dropped
  without a word while the spec (StrictSchema) says it is refused. Here it is a 422 naming it.
- A multipart body is one schema (location "multipart": its file parts and its text fields
  together), so the spec shows the whole body and an unknown part is refused; flask-smorest
  would document only one of two separate `files` and `form` schemas.
"""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow
from flask_smorest import Blueprint as SmorestBlueprint
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict

MULTIPART = "multipart"


class StrictParser(FlaskParser):
    DEFAULT_UNKNOWN_BY_LOCATION: ClassVar[dict[str, str | None]] = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": marshmallow.RAISE,
        "querystring": marshmallow.RAISE,
        "files": marshmallow.RAISE,
        MULTIPART: marshmallow.RAISE,
    }
    __location_map__: ClassVar[dict[str, Any]] = {**FlaskParser.__location_map__, MULTIPART: "load_multipart"}

    def load_multipart(self, req: Any, schema: marshmallow.Schema) -> Any:
        """The text fields and the file parts of a multipart/form-data body, as one mapping."""
        return self._makeproxy(CombinedMultiDict([req.form, req.files]), schema)


class Blueprint(SmorestBlueprint):
    ARGUMENTS_PARSER = StrictParser()
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING: ClassVar[dict[str, str]] = {
        **SmorestBlueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
        MULTIPART: "multipart/form-data",
    }
