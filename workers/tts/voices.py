"""Voices: anything that turns text into WAV bytes. espeak-ng is the one shipped today.

A better voice (a neural model, a cloud service) replaces it by implementing `Voice`: a ``name``
recorded with every rendered clip, and ``synthesise(text) -> WAV bytes``. Any sample rate, width or
channel count will do; the renderer decodes and normalises whatever comes back.
"""

from __future__ import annotations

import re
import subprocess
from typing import ClassVar, Protocol

from workers.tts import errors
from workers.tts.errors import TtsError

# espeak-ng voice names such as en-us, en-gb-x-rp, en+f3: never something that reads as an option.
_VOICE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_+-]{0,39}")
# espeak-ng's own range for -s.
MIN_WORDS_PER_MINUTE = 80
MAX_WORDS_PER_MINUTE = 450
_STDERR_SHOWN = 500


class Voice(Protocol):
    name: str

    def synthesise(self, text: str) -> bytes:
        """``text`` spoken, as the bytes of a WAV file; TtsError when it cannot be."""
        ...


class EspeakVoice:
    """Debian's espeak-ng, run as a child process per text (no shell; the text is one argument after ``--``).

    Robotic but offline, fast and deterministic. ``executable`` and ``timeout_seconds`` are class
    attributes so a subclass can point elsewhere.
    """

    executable: ClassVar[str] = "espeak-ng"
    timeout_seconds: ClassVar[float] = 30.0

    def __init__(self, voice: str = "en-us", words_per_minute: int = 150) -> None:
        if not _VOICE_NAME.fullmatch(voice):
            raise ValueError(f"not an espeak-ng voice name: {voice!r}")
        if not MIN_WORDS_PER_MINUTE <= words_per_minute <= MAX_WORDS_PER_MINUTE:
            raise ValueError(f"words_per_minute must be {MIN_WORDS_PER_MINUTE}-{MAX_WORDS_PER_MINUTE}")
        self.voice = voice
        self.words_per_minute = words_per_minute
        self.name = f"espeak-ng:{voice}:{words_per_minute}wpm"

    def synthesise(self, text: str) -> bytes:
        command = [self.executable, "-v", self.voice, "-s", str(self.words_per_minute), "--stdout", "--", text]
        try:
            completed = subprocess.run(  # noqa: S603 - fixed arguments, no shell; the text is one argument after --
                command,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=self.timeout_seconds,
                check=False,
            )
        except OSError as exc:
            raise TtsError(
                errors.TTS_UNAVAILABLE,
                f"{self.executable} cannot be run on this worker (apt-get install espeak-ng).",
                {"executable": self.executable, "reason": exc.strerror or str(exc)},
            ) from exc
        except subprocess.TimeoutExpired as exc:
            raise TtsError(
                errors.TTS_FAILED,
                f"espeak-ng did not finish within {self.timeout_seconds:g} s.",
                {"timeout_seconds": self.timeout_seconds},
            ) from exc
        return self._checked_output(completed)

    def _checked_output(self, completed: subprocess.CompletedProcess[bytes]) -> bytes:
        stderr = completed.stderr.decode("utf-8", "replace").strip()[:_STDERR_SHOWN]
        if completed.returncode != 0:
            raise TtsError(
                errors.TTS_FAILED,
                f"espeak-ng failed (exit {completed.returncode}): {stderr or 'no message'}",
                {"voice": self.voice, "exit_code": completed.returncode},
            )
        if not completed.stdout:
            raise TtsError(errors.TTS_EMPTY, "espeak-ng returned no audio.", {"voice": self.voice})
        return completed.stdout

    def __repr__(self) -> str:
        return f"EspeakVoice(voice={self.voice!r}, words_per_minute={self.words_per_minute})"
