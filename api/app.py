"""The Flask app factory: config, extensions, blueprints, errors, request ids."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

from flask import Flask, Response, g, request
from flask_jwt_extended.exceptions import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from api import console, docs, health, jobs, metrics, notifications, ops, scoring, uploads
from api.assessment import attempts, item_imports, items, tests
from api.auditing import watch_forbidden
from api.errors import register_error_handlers
from api.extensions import jwt, limiter, rest_api
from api.http import IdConverter, id_parameter_schema
from api.identity import admins, audit, auth
from api.identity.tokens import CSRF_COOKIE, CSRF_HEADER, REFRESH_COOKIE, csrf_refused
from api.org import batches, campuses, courses, roster_imports, students
from api.quotas import QUOTAS_CONFIG
from api.spec import SchemaRulesPlugin
from config import Settings, get_settings
from observability.errors import init_error_tracking
from observability.logs import request_id_var, setup_logging
from observability.metrics import HTTP_REQUESTS, HTTP_SECONDS, method_label
from services import notify
from tasks.publish import kick_groups

log = logging.getLogger("api.access")
# Multipart framing around an upload; each view checks the file against its own limit
# (UPLOAD_MAX_BYTES, ROSTER_MAX_BYTES).
MULTIPART_OVERHEAD = 64 * 1024
MAX_REQUEST_ID = 64  # a longer X-Request-ID from a client is replaced by our own


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or get_settings()
    setup_logging(settings.log_level)
    init_error_tracking(
        settings.sentry_dsn, environment=settings.app_env, release=settings.sentry_release, component="api"
    )
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        MAX_CONTENT_LENGTH=max(settings.upload_max_bytes, settings.roster_max_bytes) + MULTIPART_OVERHEAD,
        JSON_SORT_KEYS=False,
        JWT_SECRET_KEY=settings.secret_key,
        JWT_ACCESS_TOKEN_EXPIRES=timedelta(seconds=settings.jwt_access_seconds),
        JWT_REFRESH_TOKEN_EXPIRES=timedelta(seconds=settings.jwt_refresh_seconds),
        # Bearer headers for every client; the console may keep its refresh token in an HttpOnly
        # cookie scoped to /api/v1/auth instead, sent back only with the CSRF header (ADR 0018).
        JWT_TOKEN_LOCATION=["headers", "cookies"],
        JWT_ACCESS_COOKIE_NAME="aiv_access_never_set",
        JWT_REFRESH_COOKIE_NAME=REFRESH_COOKIE,
        JWT_REFRESH_COOKIE_PATH="/api/v1/auth",
        JWT_REFRESH_CSRF_COOKIE_NAME=CSRF_COOKIE,
        JWT_REFRESH_CSRF_COOKIE_PATH="/",
        JWT_REFRESH_CSRF_HEADER_NAME=CSRF_HEADER,
        JWT_COOKIE_SECURE=settings.session_cookie_secure,
        JWT_COOKIE_SAMESITE="Strict",
        JWT_COOKIE_CSRF_PROTECT=True,
        JWT_CSRF_IN_COOKIES=True,
        JWT_SESSION_COOKIE=False,
        RATELIMIT_STORAGE_URI=settings.redis_url,
        RATELIMIT_ENABLED=settings.rate_limits_enabled,
        RATELIMIT_HEADERS_ENABLED=True,
        **{QUOTAS_CONFIG: settings.quotas},
        API_TITLE="AI-VERSANT API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1",
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="/docs",
        OPENAPI_SWAGGER_UI_URL=docs.ASSETS_URL,
        API_SPEC_OPTIONS={
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
            },
            "security": [{"bearerAuth": []}],
        },
    )
    if settings.trusted_proxies:
        # Behind N load balancers the client is the Nth address from the right of X-Forwarded-For;
        # without this every client would share the balancer's address in the rate limits.
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    app.url_map.converters["id"] = IdConverter
    jwt.init_app(app)
    limiter.init_app(app)
    rest_api.init_app(app, spec_kwargs={"extra_plugins": [SchemaRulesPlugin()]})
    rest_api.register_converter(IdConverter, id_parameter_schema)
    register_error_handlers(app)
    app.register_error_handler(CSRFError, csrf_refused)  # 403, not Flask-JWT-Extended's 401
    _register_blueprints()
    app.register_blueprint(metrics.blp)
    app.register_blueprint(console.blp)
    _request_ids(app, settings.json_max_bytes)
    app.after_request(watch_forbidden)
    # Messages queued while serving a request (invitations, resets) are published at once.
    notify.use_kicker(kick_groups)
    return app


def _register_blueprints() -> None:
    for module in (
        docs,
        health,
        auth,
        jobs,
        uploads,
        scoring,
        campuses,
        courses,
        batches,
        students,
        admins,
        audit,
        notifications,
        roster_imports,
        items,
        item_imports,
        tests,
        attempts,
        ops,
    ):
        rest_api.register_blueprint(module.blp)
    rest_api.register_blueprint(tests.history_blp)


def _request_ids(app: Flask, json_limit: int) -> None:
    @app.before_request
    def start() -> None:
        if not request.mimetype.startswith("multipart/form-data"):
            # Only file uploads may be large: a JSON body is refused (413) before it is parsed.
            request.max_content_length = json_limit
        supplied = request.headers.get("X-Request-ID", "")
        g.request_id = supplied if 0 < len(supplied) <= MAX_REQUEST_ID and supplied.isprintable() else uuid.uuid4().hex
        g.started = time.monotonic()
        request_id_var.set(g.request_id)

    @app.after_request
    def finish(response: Response) -> Response:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        seconds = time.monotonic() - g.get("started", time.monotonic())
        log.info(
            "request method=%s path=%s status=%s ms=%d",
            request.method,
            request.path,
            response.status_code,
            seconds * 1000,
        )
        # The route's pattern, not the path (ids in paths would make a series per record), and a
        # known method or "other": every label takes a bounded set of values.
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        method = method_label(request.method)
        HTTP_REQUESTS.labels(method, endpoint, str(response.status_code)).inc()
        HTTP_SECONDS.labels(method, endpoint).observe(seconds)
        return response
