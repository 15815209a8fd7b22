import os
import subprocess
import sys

import pytest

from config import ConfigError, load_settings

BASE = {
    "SECRET_KEY": "x" * 40, "MONGO_URI": "mongodb://127.0.0.1:1/", "REDIS_URL": "redis://127.0.0.1:1/0",
    "S3_BUCKET": "b",
}


def test_a_complete_environment_loads_with_defaults():
    settings = load_settings(BASE)
    assert settings.mongo_db == "aiversant"
    assert settings.upload_max_bytes == 20 * 1024 * 1024
    assert settings.job_max_deliveries == 3


@pytest.mark.parametrize("missing", ["SECRET_KEY", "MONGO_URI", "REDIS_URL", "S3_BUCKET"])
def test_a_missing_required_variable_is_named(missing):
    env = {k: v for k, v in BASE.items() if k != missing}
    with pytest.raises(ConfigError, match=f"{missing} is required"):
        load_settings(env)


@pytest.mark.parametrize("name,value,expected", [
    ("UPLOAD_MAX_BYTES", "lots", "UPLOAD_MAX_BYTES is malformed"),
    ("MONGO_URI", "localhost:27017", "MONGO_URI is malformed"),
    ("SECRET_KEY", "short", "SECRET_KEY is malformed: must be at least 32"),
    ("APP_ENV", "staging", "APP_ENV is malformed"),
    ("RATE_LIMITS_ENABLED", "maybe", "RATE_LIMITS_ENABLED is malformed"),
])
def test_a_malformed_variable_is_named(name, value, expected):
    with pytest.raises(ConfigError, match=expected):
        load_settings({**BASE, name: value})


def test_every_problem_is_reported_at_once():
    with pytest.raises(ConfigError) as info:
        load_settings({"UPLOAD_MAX_BYTES": "x"})
    message = str(info.value)
    for name in ("SECRET_KEY", "MONGO_URI", "REDIS_URL", "S3_BUCKET", "UPLOAD_MAX_BYTES"):
        assert name in message


def test_the_api_process_refuses_to_start_naming_the_variable():
    env = {k: v for k, v in os.environ.items() if k != "MONGO_URI"}
    proc = subprocess.run([sys.executable, "-c", "import api.wsgi"], env=env, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode != 0
    assert "MONGO_URI is required but not set" in proc.stderr
