"""Reading rendered audio back with tools other than the code under test, and making test audio."""

from __future__ import annotations

import io
import json
import subprocess
import wave
from typing import TYPE_CHECKING

from workers.tts.audio import AudioSegment  # pydub, imported where its import warnings are handled

if TYPE_CHECKING:
    from pathlib import Path


def probe(data: bytes) -> dict:
    """ffprobe's view of a file given as bytes: format name, duration and the first audio stream."""
    completed = subprocess.run(
        [
            *("ffprobe", "-v", "error", "-show_entries", "format=format_name,duration"),
            *("-show_entries", "stream=codec_type,codec_name,sample_rate,channels,bit_rate", "-of", "json", "-"),
        ],
        input=data,
        capture_output=True,
        check=True,
        timeout=30,
    )
    info = json.loads(completed.stdout)
    stream = next(s for s in info["streams"] if s["codec_type"] == "audio")
    return {"format": info["format"]["format_name"], **stream}


def decoded(data: bytes) -> AudioSegment:
    """The MP3 decoded by pydub's own reader (ffmpeg), not by workers.tts. (Naming the codec spares an ffprobe run.)"""
    return AudioSegment.from_file(io.BytesIO(data), format="mp3", codec="mp3")


def ffmpeg_audio(path: Path, source: str, *arguments: str) -> bytes:
    """A file made by ffmpeg from a lavfi source (e.g. "sine=frequency=440:duration=1")."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, *arguments, str(path)],
        check=True,
        timeout=60,
    )
    return path.read_bytes()


def ffmpeg_audio_files(folder: Path, source: str, outputs: dict[str, list[str]]) -> dict[str, bytes]:
    """Several files from one lavfi source in one ffmpeg run: {file name: output arguments} -> their bytes."""
    arguments = [argument for name, options in outputs.items() for argument in (*options, str(folder / name))]
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", source, *arguments], check=True, timeout=60)
    return {name: (folder / name).read_bytes() for name in outputs}


def wav_bytes(pcm: bytes, *, rate: int, channels: int) -> bytes:
    """A 16-bit PCM WAV written by the standard library."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def sox_audio(path: Path, *effects: str, rate: int = 44_100, channels: int = 2) -> bytes:
    """A file made by sox from nothing (``sox -n``) with the given effects, e.g. synth 1 sine 440."""
    subprocess.run(["sox", "-n", "-r", str(rate), "-c", str(channels), str(path), *effects], check=True, timeout=60)
    return path.read_bytes()


def quiet_stretches(audio: AudioSegment, min_ms: int) -> list[tuple[int, int]]:
    """Stretches of at least ``min_ms`` more than 30 dB below the clip's level, not touching either end."""
    from pydub.silence import detect_silence  # after workers.tts has imported pydub (see workers/tts/audio.py)

    stretches = detect_silence(audio, min_silence_len=min_ms, silence_thresh=audio.dBFS - 30)
    return [(start, end) for start, end in stretches if start > 0 and end < len(audio)]


def sine(frequency: float, *, sample_rate: int):
    """pydub's sine generator (imported after workers.tts has imported pydub)."""
    from pydub.generators import Sine

    return Sine(frequency, sample_rate=sample_rate)
