"""The engine stands alone: no Flask or Celery in its process, and a command line for scripts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.tts.support import probe

ROOT = Path(__file__).resolve().parents[2]


def _python(*arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-W", "error", *arguments], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_workers_tts_loads_neither_flask_nor_celery():
    script = "import json, sys, workers.tts\nprint(json.dumps(sorted(sys.modules)))"
    completed = _python("-c", script)
    assert completed.returncode == 0, completed.stderr  # -W error: importing pydub raises no warning either
    loaded = {name.split(".")[0] for name in json.loads(completed.stdout)}
    assert "workers" in loaded
    assert not loaded & {"flask", "celery", "kombu", "werkzeug", "api", "tasks"}


def test_the_command_line_renders_a_prompt(tmp_path):
    out = tmp_path / "prompt.mp3"
    completed = _python("-m", "workers.tts", "--phrases", "at nine", "the library closes", "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    summary = json.loads(completed.stdout)
    assert summary["voice"] == "espeak-ng:en-us:150wpm"
    assert probe(out.read_bytes())["format"] == "mp3"
    assert summary["bytes"] == out.stat().st_size


def test_the_command_line_reports_an_unusable_recording(tmp_path):
    recording = tmp_path / "notes.webm"
    recording.write_text("not audio")
    completed = _python("-m", "workers.tts", "--recording", str(recording), "--out", str(tmp_path / "out.mp3"))
    assert completed.returncode == 2
    assert json.loads(completed.stdout)["error"]["code"] == "audio_undecodable"
    assert not (tmp_path / "out.mp3").exists()
