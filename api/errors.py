"""One error format for every status >= 400: {"error": {"code", "message", "details"}}."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

log = logging.getLogger("api.errors")

_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


class ApiError(HTTPException):
    """Raise from a view: ApiError(404, "not_found", "No such job.")."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(description=message)
        self.code = status
        self.error_code = code
        self.details = details or {}
        self.extra_headers = headers or {}


def error_response(
    status: int, code: str, message: str, details: dict | None = None, headers: dict | None = None
) -> Response:
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def from_http_exception(exc: HTTPException) -> Response:
    """Any HTTP error (ours, Werkzeug's, webargs' 422) in the one error format."""
    status = exc.code or 500
    if isinstance(exc, ApiError):
        return error_response(status, exc.error_code, exc.description or "", exc.details, exc.extra_headers)
    details: dict[str, Any] = {}
    code = _CODES.get(status, "error")
    message = exc.description or exc.name
    data = getattr(exc, "data", None) or {}
    if "messages" in data:  # webargs validation failure: field -> messages, by location
        details = _flatten_locations(data["messages"])
        message = "The request is not valid; see details."
        code = "validation_error" if status == HTTPStatus.UNPROCESSABLE_ENTITY else code
    headers = {k: v for k, v in (exc.get_headers() or []) if k.lower() != "content-type"}
    allowed = getattr(exc, "valid_methods", None)  # werkzeug's MethodNotAllowed
    if status == HTTPStatus.METHOD_NOT_ALLOWED and allowed:
        headers["Allow"] = ", ".join(allowed)
    return error_response(status, code, message, details, headers)


def _flatten_locations(messages: dict) -> dict:
    # {"json": {"field": [...]}} -> {"field": [...]}; several locations stay keyed by location.
    if len(messages) == 1:
        ((location, fields),) = messages.items()
        return fields if isinstance(fields, dict) else {location: fields}
    return messages


def _unexpected(exc: Exception) -> Response:
    log.error("unhandled error", exc_info=exc)
    return error_response(500, "internal_error", "Something went wrong on our side; it has been logged.")


def register_error_handlers(app: Flask) -> None:
    app.register_error_handler(HTTPException, from_http_exception)
    app.register_error_handler(Exception, _unexpected)
