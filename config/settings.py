"""Settings from the environment, parsed and validated once at start-up.

Every variable is declared once here (name, type, default, whether required); a
missing or malformed one stops start-up with a message naming it. `.env.example`
documents the same variables for people.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from dataclasses import dataclass, field, fields
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from limits import parse_many  # Flask-Limiter's own parser: a bad QUOTA_* fails at start-up, not per request

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

_REQUIRED = object()
_MIN_SECRET_LENGTH = 32
_FERNET_KEY_BYTES = 32


class ConfigError(RuntimeError):
    """Raised at start-up when the environment does not describe a runnable app."""


def _int(value: str) -> int:
    return int(value.strip())


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true/false")


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"expected one of {', '.join(allowed)}")
        return value

    return parse


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not re.match(rf"^({'|'.join(schemes)})://[^\s/]+", value):
            raise ValueError(f"expected a {' or '.join(schemes)} URL")
        return value

    return parse


def _optional_url(*schemes: str) -> Callable[[str], str]:
    parse_url = _url(*schemes)
    return lambda value: parse_url(value) if value else ""


def _secret(value: str) -> str:
    if len(value) < _MIN_SECRET_LENGTH:
        raise ValueError(f"must be at least {_MIN_SECRET_LENGTH} characters")
    return value


def _basic_auth(value: str) -> str:
    if value and not re.match(r"^[^:\s]+:\S+$", value):
        raise ValueError("expected user:password")
    return value


def _str(value: str) -> str:
    return value


def _bucket_name(value: str) -> str:
    # S3's rules for a bucket name (lower-case letters, digits, dots and hyphens; 3-63 characters).
    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", value):
        raise ValueError("expected an S3 bucket name: 3-63 lower-case letters, digits, dots or hyphens")
    return value


QUOTA_ACTIONS = ("uploads", "answers", "scoring", "rescore", "reminders", "exports")
# Who a quota line names: "student", "admin" (every admin role) or one admin role, which wins.
QUOTA_SUBJECTS = ("student", "admin", "superadmin", "sub_superadmin", "campus_admin", "course_admin")


def _quota(value: str) -> str:
    # "student=60/hour;admin=600/hour": per-user limits in Flask-Limiter's notation.
    subjects = {}
    for part in filter(None, (piece.strip() for piece in value.split(";"))):
        subject, _, limit = part.partition("=")
        if subject.strip() not in QUOTA_SUBJECTS:
            raise ValueError(f"{subject.strip()!r} is not one of {', '.join(QUOTA_SUBJECTS)}")
        parse_many(limit.replace(",", ";"))
        subjects[subject.strip()] = limit.strip()
    if not {"student", "admin"} <= set(subjects):
        raise ValueError("give a limit for both student and admin, e.g. student=60/hour;admin=600/hour")
    return value


def _fernet_keys(value: str) -> str:
    # Comma-separated Fernet keys (32 bytes, url-safe base64): the first seals, all open.
    for index, key in enumerate((key.strip() for key in value.split(",")), start=1):
        try:
            valid = len(base64.urlsafe_b64decode(key.encode("ascii"))) == _FERNET_KEY_BYTES
        except (ValueError, UnicodeEncodeError):
            valid = False
        if not valid:
            raise ValueError(f"key {index} is not a Fernet key (32 bytes, url-safe base64)")
    return value


def _positive_float(value: str) -> float:
    number = float(value.strip())
    if number <= 0:
        raise ValueError("must be a positive number")
    return number


def _int_between(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value.strip())
        if not low <= number <= high:
            raise ValueError(f"must be between {low} and {high}")
        return number

    return parse


def _sms_sender(value: str) -> str:
    # Brevo: up to 11 alphanumeric characters, or up to 15 digits.
    if not re.fullmatch(r"[A-Za-z0-9 ]{1,11}|\+?[0-9]{1,15}", value):
        raise ValueError("expected up to 11 letters/digits or up to 15 digits")
    return value


def _env(parse: Callable[[str], Any], default: Any = _REQUIRED) -> Any:
    """A setting read from the environment variable named like the field, in upper case."""
    return field(default=None, metadata={"parse": parse, "default": default})


@dataclass(frozen=True)
class ScoringSettings:
    """Speech scoring (workers/scoring). Loaded with the rest at start-up, and on its own by
    `get_scoring_settings()` so that `python -m workers.scoring` runs without the app's settings.
    """

    scoring_model_dir: str = _env(_str, "")  # a CTranslate2 Whisper folder; "" = the packaged tiny.en
    scoring_model_sha256: str = _env(_str, "")  # expected SHA-256 of model.bin
    scoring_cpu_threads: int = _env(_int_between(1, 64), 2)
    scoring_max_audio_bytes: int = _env(_int, 20 * 1024 * 1024)
    scoring_max_audio_seconds: int = _env(_int, 120)
    scoring_decode_timeout: int = _env(_int, 20)


@dataclass(frozen=True)
class Settings:
    app_env: str = _env(_choice("development", "test", "production"), "production")
    secret_key: str = _env(_secret)
    log_level: str = _env(_choice("DEBUG", "INFO", "WARNING", "ERROR"), "INFO")

    mongo_uri: str = _env(_url("mongodb", "mongodb+srv"))
    mongo_db: str = _env(_str, "aiversant")
    redis_url: str = _env(_url("redis", "rediss"))

    s3_endpoint_url: str = _env(_optional_url("http", "https"), "")
    s3_bucket: str = _env(_str)
    s3_region: str = _env(_str, "us-east-1")
    aws_access_key_id: str = _env(_str, "")
    aws_secret_access_key: str = _env(_str, "")
    s3_presign_seconds: int = _env(_int, 900)
    # Server-side encryption of every object we write: "none", "AES256" (S3-managed keys) or
    # "aws:kms" with S3_KMS_KEY_ID (empty = the account's default KMS key).
    s3_server_side_encryption: str = _env(_choice("none", "AES256", "aws:kms"), "none")
    s3_kms_key_id: str = _env(_str, "")
    # Where `python -m store backup` writes: never S3_BUCKET, which the API reads and presigns from;
    # production gives the API's credentials no access to it (README, Backups).
    backup_bucket: str = _env(_bucket_name)

    upload_max_bytes: int = _env(_int, 20 * 1024 * 1024)
    # Bodies that are not file uploads (JSON, forms) are refused above this many bytes, before parsing.
    json_max_bytes: int = _env(_int_between(1024, 20 * 1024 * 1024), 1024 * 1024)
    upload_allowed_types: str = _env(
        _str,
        "text/csv,text/plain,application/pdf,image/png,image/jpeg,"
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
        "audio/webm,audio/ogg,audio/mpeg,audio/mp4,audio/wav,video/webm",
    )

    roster_max_bytes: int = _env(_int, 20 * 1024 * 1024)
    roster_max_rows: int = _env(_int, 50_000)
    roster_chunk_rows: int = _env(_int, 500)
    roster_default_region: str = _env(_str, "IN")

    job_lease_seconds: int = _env(_int, 20)
    job_queued_republish_seconds: int = _env(_int, 120)
    job_max_deliveries: int = _env(_int, 3)
    job_sweep_interval_seconds: int = _env(_int, 15)
    broker_visibility_timeout: int = _env(_int, 30)

    jwt_access_seconds: int = _env(_int, 900)
    jwt_refresh_seconds: int = _env(_int, 14 * 24 * 3600)
    rate_limits_enabled: bool = _env(_bool, default=True)
    # Password hashing is CPU-bound: at most this many argon2 runs at once per API process (threads
    # beyond wait up to PASSWORD_WAIT_SECONDS, then get 503 + Retry-After), so a class signing in
    # together cannot starve every other request of the CPU.
    password_concurrency: int = _env(_int_between(1, 64), 2)
    password_wait_seconds: float = _env(_positive_float, 3.0)
    # The web console keeps its refresh token in an HttpOnly cookie: Secure (HTTPS only) unless this
    # is false, which only a development machine serving plain http://127.0.0.1 needs.
    session_cookie_secure: bool = _env(_bool, default=True)
    # After this long a session ends however often its refresh token was rotated: sign in again.
    session_max_seconds: int = _env(_int_between(900, 90 * 24 * 3600), 30 * 24 * 3600)
    # How many reverse proxies (load balancers) sit in front of gunicorn and set X-Forwarded-*:
    # 0 = none, the peer address is the client. Never more than really exist, or clients can
    # pick their own address and escape the per-address limits.
    trusted_proxies: int = _env(_int_between(0, 5), 0)

    # Per-user quotas on expensive actions (QUOTA_<ACTION>, see QUOTA_ACTIONS).
    quota_uploads: str = _env(_quota, "student=60/hour;admin=600/hour")
    quota_answers: str = _env(_quota, "student=600/hour;admin=600/hour")
    quota_scoring: str = _env(_quota, "student=120/hour;admin=1200/hour")
    quota_rescore: str = _env(_quota, "student=1/hour;admin=100000/hour")  # answers re-scored, not requests
    quota_reminders: str = _env(_quota, "student=1/hour;admin=20/hour")
    quota_exports: str = _env(_quota, "student=1/hour;admin=60/hour")

    # Notifications (workers/notifications). auto = brevo when BREVO_API_KEY is set, else outbox.
    notify_backend: str = _env(_choice("auto", "outbox", "brevo"), "auto")
    brevo_api_key: str = _env(_str, "")
    brevo_api_host: str = _env(_url("http", "https"), "https://api.brevo.com/v3")
    mail_from_email: str = _env(_str, "no-reply@ai-versant.local")
    mail_from_name: str = _env(_str, "AI-VERSANT")
    sms_sender: str = _env(_sms_sender, "VERSANT")
    outbox_dir: str = _env(_str, "./var/outbox")
    notify_email_batch_size: int = _env(_int_between(1, 1000), 1000)
    notify_rate_per_second: float = _env(_positive_float, 10.0)
    notify_claim_seconds: int = _env(_int_between(1, 3600), 60)
    notify_dispatch_interval_seconds: int = _env(_int_between(1, 3600), 30)
    notify_reminder_hour_utc: int = _env(_int_between(0, 23), 3)
    app_base_url: str = _env(_url("http", "https"), "http://127.0.0.1:8000")

    # Assessment: answers accepted this long after an attempt's deadline (network, upload time);
    # how often beat finishes attempts past their deadline and releases scheduled results; the
    # key of anonymised report pseudonyms ("" = derived from SECRET_KEY).
    answer_grace_seconds: int = _env(_int_between(0, 600), 15)
    attempt_sweep_interval_seconds: int = _env(_int_between(1, 3600), 30)
    report_pseudonym_key: str = _env(_str, "")
    # How long a test's results listing stays in Redis after it was built (store/listings.py);
    # any change to an attempt of the test replaces it sooner. 0 = no cache.
    results_cache_seconds: int = _env(_int_between(0, 24 * 3600), 600)

    # Operations: commands slower than these are logged with their shape and counted
    # (observability/slow.py); /metrics on the API needs `Authorization: Bearer METRICS_TOKEN`
    # ("" = no /metrics); a worker or beat with METRICS_PORT serves its own on that port.
    slow_query_ms: int = _env(_int_between(1, 600_000), 100)
    slow_redis_ms: int = _env(_int_between(1, 600_000), 50)
    slow_s3_ms: int = _env(_int_between(1, 600_000), 1000)
    metrics_token: str = _env(_str, "")
    metrics_port: int = _env(_int_between(0, 65535), 0)
    # Error tracking: Sentry, on when SENTRY_DSN is set (observability/errors.py); the release tag
    # ("" = what sentry-sdk detects, e.g. the git commit).
    sentry_dsn: str = _env(_str, "")
    sentry_release: str = _env(_str, "")

    # Keys that seal the secrets queued messages carry (invitation and reset links): comma-
    # separated Fernet keys, the first seals and all open (rotation). "" = derived from SECRET_KEY.
    field_encryption_keys: str = _env(_fernet_keys, "")

    flower_basic_auth: str = _env(_basic_auth, "")
    # Where operators open Flower (the ops page links to it).
    flower_url: str = _env(_url("http", "https"), "http://127.0.0.1:5555")
    dev_admin_email: str = _env(_str, "")
    dev_admin_password: str = _env(_str, "")

    scoring: ScoringSettings = field(default_factory=ScoringSettings)  # the SCORING_* variables

    @property
    def allowed_upload_types(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.upload_allowed_types.split(",") if t.strip())

    @property
    def quotas(self) -> dict[str, dict[str, str]]:
        """Action -> subject ("student", "admin" or an admin role) -> Flask-Limiter limit."""
        return {action: _quota_table(getattr(self, f"quota_{action}")) for action in QUOTA_ACTIONS}

    @property
    def pseudonym_key(self) -> bytes:
        """The key of anonymised pseudonyms: REPORT_PSEUDONYM_KEY, or one derived from SECRET_KEY
        (never the secret itself).
        """
        if self.report_pseudonym_key:
            return self.report_pseudonym_key.encode("utf-8")
        return hmac.new(self.secret_key.encode("utf-8"), b"report-pseudonyms", hashlib.sha256).digest()

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def notification_backend(self) -> str:
        """The sender in use: "brevo" or "outbox" (auto picks brevo when a key is set)."""
        if self.notify_backend == "auto":
            return "brevo" if self.brevo_api_key else "outbox"
        return self.notify_backend


def _quota_table(value: str) -> dict[str, str]:
    pairs = (part.partition("=") for part in value.split(";") if part.strip())
    return {subject.strip(): limit.strip().replace(",", ";") for subject, _, limit in pairs}


# The example values shipped in .env.example (a test keeps these in step with the file): a
# production process that finds one of them was started with the example configuration.
EXAMPLE_SECRET_KEYS = frozenset({"dev-only-secret-key-change-me-0123456789abcdef"})
EXAMPLE_FLOWER_BASIC_AUTH = frozenset({"admin:flower-dev-password"})


def _cross_checks(values: dict[str, Any]) -> list[str]:
    """Problems that involve more than one variable."""
    problems = []
    if values.get("s3_kms_key_id") and values.get("s3_server_side_encryption") != "aws:kms":
        problems.append("S3_KMS_KEY_ID needs S3_SERVER_SIDE_ENCRYPTION=aws:kms")
    if values.get("notify_backend") == "brevo" and not values.get("brevo_api_key"):
        problems.append("NOTIFY_BACKEND=brevo needs BREVO_API_KEY")
    if values.get("backup_bucket") and values.get("backup_bucket") == values.get("s3_bucket"):
        problems.append("BACKUP_BUCKET must not be S3_BUCKET: backups hold password hashes and answers")
    if values.get("app_env") == "production":
        problems += _production_problems(values)
    return problems


def _production_problems(values: dict[str, Any]) -> list[str]:
    """What production refuses to start with: example secrets, the development admin, and messages
    that would silently go to files instead of people.
    """
    problems = []
    if values.get("secret_key") in EXAMPLE_SECRET_KEYS:
        problems.append("SECRET_KEY is the example value from .env.example; set a random secret of 32+ characters")
    if values.get("dev_admin_email") or values.get("dev_admin_password"):
        problems.append(
            "DEV_ADMIN_EMAIL/DEV_ADMIN_PASSWORD create a development superadmin; leave them empty in production"
        )
    if not values.get("session_cookie_secure", True):
        problems.append("SESSION_COOKIE_SECURE=false sends the console's refresh cookie over plain HTTP")
    if values.get("flower_basic_auth") in EXAMPLE_FLOWER_BASIC_AUTH:
        problems.append("FLOWER_BASIC_AUTH is the example user:password from .env.example; set your own")
    backend = values.get("notify_backend")
    if backend == "outbox" or (backend == "auto" and not values.get("brevo_api_key")):
        problems.append(
            "BREVO_API_KEY is required in production: without it messages would only be written to "
            "OUTBOX_DIR (the development backend)"
        )
    return problems


def _parse(cls: type, environ: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """The values of `cls`'s environment fields, and every problem found."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for spec in fields(cls):
        if "parse" not in spec.metadata:
            continue
        name = spec.name.upper()
        raw = environ.get(name)
        if raw is None or raw == "":
            default = spec.metadata["default"]
            if default is _REQUIRED:
                problems.append(f"{name} is required but not set")
                continue
            values[spec.name] = default
            continue
        try:
            values[spec.name] = spec.metadata["parse"](raw)
        except ValueError as exc:
            problems.append(f"{name} is malformed: {exc}")
    return values, problems


def _fail_on(problems: list[str]) -> None:
    if problems:
        raise ConfigError("invalid configuration: " + "; ".join(problems))


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Parse every declared variable; collect all problems before failing."""
    environ = os.environ if environ is None else environ
    values, problems = _parse(Settings, environ)
    scoring, scoring_problems = _parse(ScoringSettings, environ)
    problems += scoring_problems + _cross_checks(values)
    _fail_on(problems)
    return Settings(**values, scoring=ScoringSettings(**scoring))


def load_scoring_settings(environ: Mapping[str, str] | None = None) -> ScoringSettings:
    values, problems = _parse(ScoringSettings, os.environ if environ is None else environ)
    _fail_on(problems)
    return ScoringSettings(**values)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use (app factory / worker start)."""
    return load_settings()


@lru_cache(maxsize=1)
def get_scoring_settings() -> ScoringSettings:
    """The speech scorer's settings, loaded on first use (without the app's required settings)."""
    return load_scoring_settings()
