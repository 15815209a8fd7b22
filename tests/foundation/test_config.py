import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigError, load_settings

BASE = {
    "APP_ENV": "development",
    "SECRET_KEY": "x" * 40,
    "MONGO_URI": "mongodb://127.0.0.1:1/",
    "REDIS_URL": "redis://127.0.0.1:1/0",
    "S3_BUCKET": "b",
    "BACKUP_BUCKET": "b-backups",
}


def test_a_complete_environment_loads_with_defaults():
    settings = load_settings(BASE)
    assert settings.mongo_db == "aiversant"
    assert settings.upload_max_bytes == 20 * 1024 * 1024
    assert settings.job_max_deliveries == 3


@pytest.mark.parametrize("missing", ["SECRET_KEY", "MONGO_URI", "REDIS_URL", "S3_BUCKET", "BACKUP_BUCKET"])
def test_a_missing_required_variable_is_named(missing):
    env = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ConfigError, match=f"{missing} is required"):
        load_settings(env)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("UPLOAD_MAX_BYTES", "lots", "UPLOAD_MAX_BYTES is malformed"),
        ("MONGO_URI", "localhost:27017", "MONGO_URI is malformed"),
        ("SECRET_KEY", "short", "SECRET_KEY is malformed: must be at least 32"),
        ("APP_ENV", "staging", "APP_ENV is malformed"),
        ("RATE_LIMITS_ENABLED", "maybe", "RATE_LIMITS_ENABLED is malformed"),
        ("BACKUP_BUCKET", "Backups_Bucket", "BACKUP_BUCKET is malformed: expected an S3 bucket name"),
    ],
)
def test_a_malformed_variable_is_named(name, value, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings({**BASE, name: value})


def test_backups_never_go_to_the_bucket_the_api_presigns_from():
    with pytest.raises(ConfigError, match="BACKUP_BUCKET must not be S3_BUCKET"):
        load_settings({**BASE, "S3_BUCKET": "aiversant", "BACKUP_BUCKET": "aiversant"})
    assert load_settings({**BASE, "S3_BUCKET": "aiversant"}).backup_bucket == "b-backups"


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as info:
        load_settings({"UPLOAD_MAX_BYTES": "x"})
    message = str(info.value)
    for name in ("SECRET_KEY", "MONGO_URI", "REDIS_URL", "S3_BUCKET", "UPLOAD_MAX_BYTES"):
        assert name in message


def test_the_api_process_refuses_to_start_naming_the_variable():
    env = {k: v for k, v in os.environ.items() if k != "MONGO_URI"}
    proc = subprocess.run(
        [sys.executable, "-c", "import api.wsgi"], env=env, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode != 0
    assert "MONGO_URI is required but not set" in proc.stderr


def test_the_speech_scorer_reads_its_settings_from_config():
    from workers.scoring.audio import AudioLimits

    settings = load_settings(
        {**BASE, "SCORING_MAX_AUDIO_SECONDS": "45", "SCORING_CPU_THREADS": "1", "SCORING_DECODE_TIMEOUT": "7"}
    )
    limits = AudioLimits.from_settings(settings.scoring)
    assert (limits.max_duration_s, limits.decode_timeout_s) == (45.0, 7.0)
    assert settings.scoring.scoring_cpu_threads == 1


def test_scoring_settings_load_without_the_app_settings_and_are_validated():
    from config import load_scoring_settings

    assert load_scoring_settings({}).scoring_max_audio_seconds == 120
    with pytest.raises(ConfigError, match="SCORING_CPU_THREADS is malformed"):
        load_scoring_settings({"SCORING_CPU_THREADS": "many"})
    with pytest.raises(ConfigError, match="SCORING_MAX_AUDIO_BYTES is malformed"):
        load_settings({**BASE, "SCORING_MAX_AUDIO_BYTES": "big"})


PRODUCTION = {**BASE, "APP_ENV": "production", "BREVO_API_KEY": "xkeysib-real", "FLOWER_BASIC_AUTH": "ops:long-pass"}


def _example_env() -> dict[str, str]:
    """The variables .env.example sets, as `make run` reads them."""
    from dotenv import dotenv_values

    values = dotenv_values(Path(__file__).resolve().parents[2] / ".env.example")
    return {name: value for name, value in values.items() if value}


def test_a_production_environment_with_real_secrets_starts():
    assert load_settings(PRODUCTION).is_production


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": "dev-only-secret-key-change-me-0123456789abcdef"}, "SECRET_KEY is the example value"),
        ({"DEV_ADMIN_EMAIL": "admin@aiversant.local"}, "DEV_ADMIN_EMAIL/DEV_ADMIN_PASSWORD"),
        ({"DEV_ADMIN_PASSWORD": "dev-admin-password-1"}, "DEV_ADMIN_EMAIL/DEV_ADMIN_PASSWORD"),
        ({"FLOWER_BASIC_AUTH": "admin:flower-dev-password"}, "FLOWER_BASIC_AUTH is the example"),
        ({"BREVO_API_KEY": ""}, "BREVO_API_KEY is required in production"),
        ({"NOTIFY_BACKEND": "outbox"}, "BREVO_API_KEY is required in production"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is malformed: must be at least 32"),
    ],
)
def test_production_refuses_unsafe_settings_naming_them(change, named):
    with pytest.raises(ConfigError, match=named):
        load_settings({**PRODUCTION, **change})


def test_the_example_configuration_does_not_start_in_production():
    with pytest.raises(ConfigError) as refused:
        load_settings({**_example_env(), "APP_ENV": "production"})
    for named in ("SECRET_KEY", "DEV_ADMIN_EMAIL", "FLOWER_BASIC_AUTH", "BREVO_API_KEY"):
        assert named in str(refused.value)


def test_the_refused_examples_are_the_ones_in_env_example():
    from config.settings import EXAMPLE_FLOWER_BASIC_AUTH, EXAMPLE_SECRET_KEYS

    example = _example_env()
    assert example["SECRET_KEY"] in EXAMPLE_SECRET_KEYS
    assert example["FLOWER_BASIC_AUTH"] in EXAMPLE_FLOWER_BASIC_AUTH


def test_an_api_process_in_production_with_the_example_key_does_not_start():
    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "dev-only-secret-key-change-me-0123456789abcdef"}
    proc = subprocess.run(
        [sys.executable, "-c", "import api.wsgi"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode != 0
    assert "SECRET_KEY is the example value" in proc.stderr
