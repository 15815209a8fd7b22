import os
import subprocess
import sys

import pytest

from config import ConfigError, load_settings

BASE = {
    "SECRET_KEY": "x" * 40,
    "MONGO_URI": "mongodb://127.0.0.1:1/",
    "REDIS_URL": "redis://127.0.0.1:1/0",
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


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("UPLOAD_MAX_BYTES", "lots", "UPLOAD_MAX_BYTES is malformed"),
        ("MONGO_URI", "localhost:27017", "MONGO_URI is malformed"),
        ("SECRET_KEY", "short", "SECRET_KEY is malformed: must be at least 32"),
        ("APP_ENV", "staging", "APP_ENV is malformed"),
        ("RATE_LIMITS_ENABLED", "maybe", "RATE_LIMITS_ENABLED is malformed"),
    ],
)
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
