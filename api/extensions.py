"""Flask extensions, created once and bound in the app factory."""
from __future__ import annotations

from flask_jwt_extended import JWTManager
from flask_smorest import Api

from api.errors import _from_http_exception
from schemas.common import ErrorSchema


class VersantApi(Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):  # flask-smorest's own handler -> our one format
        return _from_http_exception(error)


rest_api = VersantApi()
jwt = JWTManager()

from flask_limiter import Limiter  # noqa: E402
from flask_limiter.util import get_remote_address  # noqa: E402

# Storage (Redis) is set from config in the app factory via RATELIMIT_STORAGE_URI.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
