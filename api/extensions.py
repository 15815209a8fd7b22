"""Flask extensions, created once and bound in the app factory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_smorest import Api

from api.auditing import record_breach
from api.errors import from_http_exception
from schemas.common import ErrorSchema

if TYPE_CHECKING:
    from flask import Response
    from werkzeug.exceptions import HTTPException


class VersantApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error: HTTPException) -> Response:  # flask-smorest's own handler
        return from_http_exception(error)


rest_api = VersantApi()
jwt = JWTManager()
# Storage (Redis) is set from config in the app factory via RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True, on_breach=record_breach)
