"""The command line prints JSON; the model is hash-checked at load and never downloaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import load_scoring_settings
from workers.scoring import CURRENT_VERSION
from workers.scoring.errors import ModelError
from workers.scoring.recogniser import (
    DEFAULT_MODEL_SHA256,
    ModelLocation,
    WhisperRecogniser,
    model_location,
    verify_model,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TEXT = "The students finished their homework before the library closed."


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workers.scoring", *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_cli_prints_the_score_as_json(read_aloud_clips):
    completed = _cli(str(read_aloud_clips["library"]["correct"]), "--text", TEXT, "--item-type", "read_aloud")
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["scoring_version"] == CURRENT_VERSION
    assert 20 <= result["overall"] <= 80
    assert result["transcript"]


def test_cli_bad_audio_exits_non_zero_with_a_json_error(speech_set):
    not_audio = speech_set.path("cli-not-audio.wav")
    not_audio.write_text("hello")
    completed = _cli(str(not_audio), "--text", TEXT)
    assert completed.returncode == 2
    assert json.loads(completed.stdout)["error"]["code"] == "audio_undecodable"


def test_cli_wrong_model_hash_is_a_json_error(read_aloud_clips):
    completed = _cli(
        str(read_aloud_clips["library"]["correct"]), "--text", TEXT, env={"SCORING_MODEL_SHA256": "0" * 64}
    )
    assert completed.returncode == 2
    assert json.loads(completed.stdout)["error"]["code"] == "model_hash_mismatch"


def test_default_model_is_the_packaged_tiny_en_and_matches_its_hash(monkeypatch):
    monkeypatch.delenv("SCORING_MODEL_DIR", raising=False)
    monkeypatch.delenv("SCORING_MODEL_SHA256", raising=False)
    location = model_location(load_scoring_settings())
    assert location.expected_sha256 == DEFAULT_MODEL_SHA256
    assert verify_model(location) == DEFAULT_MODEL_SHA256
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_a_model_folder_with_other_weights_is_refused(tmp_path, monkeypatch):
    (tmp_path / "model.bin").write_bytes(b"not the weights you expected")
    monkeypatch.setenv("SCORING_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("SCORING_MODEL_SHA256", DEFAULT_MODEL_SHA256)
    with pytest.raises(ModelError) as raised:
        WhisperRecogniser(model_location(load_scoring_settings()), cpu_threads=1)
    assert raised.value.code == "model_hash_mismatch"


def test_a_missing_model_folder_is_refused(tmp_path):
    with pytest.raises(ModelError) as raised:
        verify_model(ModelLocation(tmp_path / "nowhere", None))
    assert raised.value.code == "model_not_found"


def test_the_package_imports_neither_flask_nor_celery():
    code = (
        "import sys, workers.scoring, workers.scoring.engine, workers.scoring.__main__; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'celery')))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert completed.stdout.strip() == "[]"
