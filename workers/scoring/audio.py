"""Audio in: any common answer format -> 16 kHz mono float32, with hard limits.

ffprobe and ffmpeg run as child processes with a wall-clock timeout and
resource limits (CPU seconds, address space), so a hostile or broken file can
cost at most one failed child, never the worker. Order of checks:

1. size of the input (refused before anything runs),
2. ffprobe: container must be on the allow-list and hold an audio stream; a
   duration in the header above the cap is refused before decoding,
3. ffmpeg decodes at most ``max_duration_s`` (+ a little) with ``-t``, so a
   file whose header hides its length (a decompression bomb) is cut off and
   refused without ever producing more than the cap in memory.

pydub is not used: it calls the same ffmpeg but offers no timeout or limits.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config import ScoringSettings, get_scoring_settings
from workers.scoring import errors
from workers.scoring.errors import AudioError

SAMPLE_RATE = 16_000

AudioInput = str | os.PathLike | bytes | bytearray

# ffprobe's format_name values we accept (webm/ogg/mp3/m4a/wav, plus flac and raw aac
# that browsers and phones also produce). Everything else, notably playlist and concat
# demuxers that can open other files, is refused.
ALLOWED_FORMATS = frozenset(
    {"matroska", "webm", "ogg", "mp3", "mov", "mp4", "m4a", "3gp", "3g2", "mj2", "wav", "flac", "aac"}
)

# Demuxers ffprobe/ffmpeg may even try (they match against demuxer names such as "mov,mp4,m4a,...").
_FORMAT_WHITELIST = ",".join(sorted(ALLOWED_FORMATS))


@dataclass(frozen=True)
class AudioLimits:
    max_bytes: int = 20 * 1024 * 1024
    max_duration_s: float = 120.0
    min_duration_s: float = 0.1
    decode_timeout_s: float = 20.0
    probe_timeout_s: float = 10.0
    child_memory_bytes: int = 1024 * 1024 * 1024

    @classmethod
    def from_settings(cls, settings: ScoringSettings | None = None) -> AudioLimits:
        """SCORING_MAX_AUDIO_BYTES / _SECONDS / SCORING_DECODE_TIMEOUT from config."""
        settings = settings or get_scoring_settings()
        return cls(
            max_bytes=settings.scoring_max_audio_bytes,
            max_duration_s=float(settings.scoring_max_audio_seconds),
            decode_timeout_s=float(settings.scoring_decode_timeout),
        )


def load_audio(source: AudioInput, limits: AudioLimits | None = None) -> np.ndarray:
    """Decode ``source`` (a path or the file's bytes) to 16 kHz mono float32 in [-1, 1].

    Raises AudioError with one of the ``audio_*`` codes for anything unusable.
    """
    limits = limits or AudioLimits.from_settings()
    if isinstance(source, (bytes, bytearray)):
        _check_size(len(source), limits)
        with tempfile.NamedTemporaryFile(prefix="answer-", suffix=".audio") as handle:
            handle.write(source)
            handle.flush()
            return _decode_file(Path(handle.name), limits)
    path = Path(source)
    if not path.is_file():
        raise AudioError(errors.AUDIO_NOT_FOUND, "The audio file does not exist.")
    _check_size(path.stat().st_size, limits)
    return _decode_file(path, limits)


def _check_size(size: int, limits: AudioLimits) -> None:
    if size == 0:
        raise AudioError(errors.AUDIO_EMPTY, "The audio file is empty (0 bytes).")
    if size > limits.max_bytes:
        raise AudioError(
            errors.AUDIO_TOO_LARGE,
            f"The audio file is {size} bytes; the limit is {limits.max_bytes}.",
            {"size": size, "max_bytes": limits.max_bytes},
        )


def _decode_file(path: Path, limits: AudioLimits) -> np.ndarray:
    probe = probe_audio(path, limits)
    duration = probe.get("duration_s")
    if duration is not None and duration > limits.max_duration_s:
        raise _too_long(duration, limits)
    pcm = _run_ffmpeg_decode(path, limits)
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0
    decoded_s = len(samples) / SAMPLE_RATE
    if decoded_s > limits.max_duration_s:
        raise _too_long(decoded_s, limits, at_least=True)
    if decoded_s < limits.min_duration_s:
        raise AudioError(
            errors.AUDIO_EMPTY,
            f"The audio holds {decoded_s:.2f} s of sound; at least {limits.min_duration_s} s is needed.",
            {"duration_s": round(decoded_s, 3)},
        )
    return samples


def _too_long(duration: float, limits: AudioLimits, *, at_least: bool = False) -> AudioError:
    qualifier = "more than " if at_least else ""
    return AudioError(
        errors.AUDIO_TOO_LONG,
        f"The audio lasts {qualifier}{duration:.1f} s; the limit is {limits.max_duration_s:.0f} s.",
        {"duration_s": round(duration, 1), "max_duration_s": limits.max_duration_s},
    )


def probe_audio(path: Path, limits: AudioLimits) -> dict:
    """Container format, audio codec and (when the header states it) duration."""
    command = [
        "ffprobe",
        "-v",
        "error",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        _FORMAT_WHITELIST,
        "-show_entries",
        "format=format_name,duration:stream=codec_type,codec_name,duration",
        "-of",
        "json",
        str(path),
    ]
    completed = _run_limited(command, limits.probe_timeout_s, limits)
    if b"not on whitelist" in completed.stderr:
        raise _unsupported_format()
    if completed.returncode != 0:
        raise AudioError(errors.AUDIO_UNDECODABLE, "The file is not audio that can be read.")
    try:
        info = json.loads(completed.stdout or b"{}")
    except json.JSONDecodeError as exc:
        raise AudioError(errors.AUDIO_UNDECODABLE, "The file is not audio that can be read.") from exc
    format_names = set((info.get("format", {}).get("format_name") or "").split(","))
    if not format_names & ALLOWED_FORMATS:
        raise _unsupported_format()
    audio_streams = [s for s in info.get("streams", []) if s.get("codec_type") == "audio"]
    if not audio_streams:
        raise AudioError(errors.AUDIO_UNDECODABLE, "The file holds no audio stream.")
    return {
        "format": ",".join(sorted(format_names)),
        "codec": audio_streams[0].get("codec_name"),
        "duration_s": _stated_duration(info, audio_streams),
    }


def _unsupported_format() -> AudioError:
    return AudioError(
        errors.AUDIO_UNSUPPORTED_FORMAT, "The file's format is not accepted; use webm, ogg, mp3, m4a or wav."
    )


def _stated_duration(info: dict, audio_streams: list[dict]) -> float | None:
    candidates = [info.get("format", {}).get("duration")] + [s.get("duration") for s in audio_streams]
    values = []
    for value in candidates:
        try:
            values.append(float(value))
        except (TypeError, ValueError):
            continue
    return max(values) if values else None


def _run_ffmpeg_decode(path: Path, limits: AudioLimits) -> bytes:
    # Decode slightly more than the cap so "longer than allowed" is detectable.
    cap_s = limits.max_duration_s + 0.5
    command = [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-threads",
        "1",
        "-protocol_whitelist",
        "file",
        "-format_whitelist",
        _FORMAT_WHITELIST,
        "-i",
        str(path),
        "-t",
        f"{cap_s:.3f}",
        "-map",
        "0:a:0",
        "-vn",
        "-sn",
        "-dn",
        "-ac",
        "1",
        "-ar",
        str(SAMPLE_RATE),
        "-f",
        "s16le",
        "-acodec",
        "pcm_s16le",
        "pipe:1",
    ]
    completed = _run_limited(command, limits.decode_timeout_s, limits)
    if completed.returncode != 0:
        raise AudioError(errors.AUDIO_UNDECODABLE, "The audio could not be decoded (damaged or unsupported).")
    return completed.stdout


def _run_limited(command: list[str], timeout_s: float, limits: AudioLimits) -> subprocess.CompletedProcess[bytes]:
    cpu_seconds = max(1, int(timeout_s) + 1)

    def apply_limits() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        resource.setrlimit(resource.RLIMIT_AS, (limits.child_memory_bytes, limits.child_memory_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    try:
        return subprocess.run(  # noqa: S603 - a fixed ffprobe/ffmpeg argument list, no shell; the file is one argument
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout_s,
            preexec_fn=apply_limits,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AudioError(
            errors.AUDIO_DECODE_TIMEOUT,
            f"Decoding the audio took longer than {timeout_s:g} s.",
            {"timeout_s": timeout_s},
        ) from exc
    except FileNotFoundError as exc:
        raise AudioError("audio_decoder_missing", f"{command[0]} is not installed on this worker.") from exc
