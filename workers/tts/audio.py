"""Audio in and out: ffmpeg decodes and encodes, pydub normalises.

Every clip leaves the same way: mono, 22050 Hz, 16-bit; the silence at each end set to 200 ms;
the gain set so the clip's RMS level is -20 dBFS with no peak above -1 dBFS; MP3 at 64 kbps CBR.

ffmpeg runs as a child process with a timeout, from and to files in a temporary directory that is
removed whatever happens. pydub's own ``from_file`` and ``export`` are not used: they call the same
ffmpeg with no timeout, and ``export`` leaves its temporary files behind when ffmpeg fails.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import tempfile
import warnings
import wave
from dataclasses import dataclass
from pathlib import Path

from workers.tts import errors
from workers.tts.errors import TtsError
from workers.tts.loudness import level_pcm

with warnings.catch_warnings():
    # pydub 0.25.1 imports audioop (deprecated in Python 3.11, removed in 3.13) and has regex strings
    # with invalid escapes; neither concerns us on 3.11, and the suite turns warnings into errors.
    warnings.filterwarnings("ignore", "'audioop' is deprecated", DeprecationWarning)
    warnings.filterwarnings("ignore", "invalid escape sequence", DeprecationWarning)
    warnings.filterwarnings("ignore", "invalid escape sequence", SyntaxWarning)
    # Missing ffmpeg is reported when it is first run (ffmpeg_unavailable), not at import.
    warnings.filterwarnings("ignore", "Couldn't find ffmpeg", RuntimeWarning)
    from pydub import AudioSegment
    from pydub.silence import detect_leading_silence

SAMPLE_RATE = 22_050
CHANNELS = 1
SAMPLE_WIDTH = 2  # bytes: 16-bit PCM
TARGET_DBFS = -20.0
PEAK_CEILING_DBFS = -1.0
EDGE_SILENCE_MS = 200
MP3_BITRATE = "64k"
MP3_CONTENT_TYPE = "audio/mpeg"
FFMPEG_TIMEOUT_SECONDS = 60.0

# A 10 ms chunk this far below the clip's RMS level counts as silence (relative, so a quiet
# recording with a noise floor is trimmed as well as espeak-ng's digital silence).
_SILENCE_BELOW_RMS_DB = 30.0
_SILENCE_CHUNK_MS = 10
# A clip whose loudest sample stays below this holds no sound: levelling it would only raise noise.
_NO_SOUND_PEAK_DBFS = -60.0
# Containers ffmpeg may open (webm, ogg, mp3, m4a, wav and their relatives, flac, raw aac). Playlist and
# concat demuxers, which can read other files, are not among them.
_INPUT_FORMATS = "aac,flac,m4a,matroska,mj2,mov,mp3,mp4,3g2,3gp,ogg,wav,webm"
_STDERR_SHOWN = 500
# Raw 16-bit mono PCM at our rate: what ffmpeg decodes to, and what it encodes from.
_OUR_WAV_FORMAT = (SAMPLE_WIDTH, CHANNELS, SAMPLE_RATE)
_PCM_FORMAT = ("-ac", str(CHANNELS), "-ar", str(SAMPLE_RATE), "-f", "s16le", "-c:a", "pcm_s16le")


@dataclass(frozen=True, kw_only=True)
class RenderedAudio:
    data: bytes
    content_type: str = MP3_CONTENT_TYPE
    duration_seconds: float
    voice: str
    sha256: str


def decode(data: bytes, *, max_seconds: float) -> AudioSegment:
    """Any audio ffmpeg reads, as 22050 Hz mono 16-bit; at most ``max_seconds`` + 0.5 s is decoded, so a
    caller can tell "too long" without ever holding more (a small file may claim hours).
    """
    with tempfile.TemporaryDirectory(prefix="tts-decode-") as folder:
        source = Path(folder) / "input"
        source.write_bytes(data)
        pcm = _ffmpeg(
            [
                *("-protocol_whitelist", "file", "-format_whitelist", _INPUT_FORMATS, "-i", str(source)),
                *("-t", f"{max_seconds + 0.5:.3f}", "-map", "0:a:0", "-vn", "-sn", "-dn"),
                *_PCM_FORMAT,
                "pipe:1",
            ],
            failure_code=errors.AUDIO_UNDECODABLE,
            failure_message="The audio could not be decoded (damaged, or not webm, ogg, mp3, m4a or wav).",
        )
    return AudioSegment(data=pcm, sample_width=SAMPLE_WIDTH, frame_rate=SAMPLE_RATE, channels=CHANNELS)


def read_voice_output(wav: bytes, *, max_seconds: float) -> AudioSegment:
    """A voice's WAV. One already in our format (espeak-ng's: 16-bit mono 22050 Hz PCM) is read in-process,
    saving an ffmpeg run per phrase; anything else goes through ffmpeg (decode), which resamples better.
    """
    pcm = _pcm_if_in_our_format(wav)
    if pcm is None:
        return decode(wav, max_seconds=max_seconds)
    return AudioSegment(data=pcm, sample_width=SAMPLE_WIDTH, frame_rate=SAMPLE_RATE, channels=CHANNELS)


def _pcm_if_in_our_format(wav: bytes) -> bytes | None:
    try:
        with wave.open(io.BytesIO(wav), "rb") as reader:
            if (reader.getsampwidth(), reader.getnchannels(), reader.getframerate()) != _OUR_WAV_FORMAT:
                return None
            # espeak-ng writes to a pipe, so its header states a huge length: this reads what is there.
            return reader.readframes(reader.getnframes())
    except (wave.Error, EOFError):
        return None


def holds_no_sound(segment: AudioSegment) -> bool:
    return bool(len(segment) == 0 or segment.rms == 0 or segment.max_dBFS < _NO_SOUND_PEAK_DBFS)


def trim_silence(segment: AudioSegment, edge_ms: int) -> AudioSegment:
    """The clip with exactly ``edge_ms`` of quiet at each end: its own quiet kept up to that, digital
    silence added where it had less.
    """
    threshold = segment.dBFS - _SILENCE_BELOW_RMS_DB
    leading = detect_leading_silence(segment, threshold, _SILENCE_CHUNK_MS)
    trailing = detect_leading_silence(segment.reverse(), threshold, _SILENCE_CHUNK_MS)
    start = max(0, leading - edge_ms)
    end = len(segment) - max(0, trailing - edge_ms)
    kept = segment[start:end]
    return silence(max(0, edge_ms - leading)) + kept + silence(max(0, edge_ms - trailing))


def silence(duration_ms: int) -> AudioSegment:
    return AudioSegment.silent(duration=duration_ms, frame_rate=SAMPLE_RATE)


def level(segment: AudioSegment) -> AudioSegment:
    """RMS level to TARGET_DBFS, peaks held under PEAK_CEILING_DBFS by a limiter (see loudness.py)."""
    pcm = level_pcm(segment.raw_data, TARGET_DBFS, PEAK_CEILING_DBFS)
    return AudioSegment(data=pcm, sample_width=SAMPLE_WIDTH, frame_rate=SAMPLE_RATE, channels=CHANNELS)


def in_house_format(segment: AudioSegment) -> AudioSegment:
    return segment.set_channels(CHANNELS).set_frame_rate(SAMPLE_RATE).set_sample_width(SAMPLE_WIDTH)


def rendered(segment: AudioSegment, voice: str) -> RenderedAudio:
    """The clip normalised (format, ends, level) and encoded as MP3. The caller has checked it holds sound."""
    finished = level(trim_silence(in_house_format(segment), EDGE_SILENCE_MS))
    data = encode_mp3(finished)
    return RenderedAudio(
        data=data,
        duration_seconds=round(finished.duration_seconds, 3),
        voice=voice,
        sha256=hashlib.sha256(data).hexdigest(),
    )


def encode_mp3(segment: AudioSegment) -> bytes:
    """MP3 written to a real file, so ffmpeg can go back and fill in the header that states the length.

    bitexact: no encoder version in the file, so the same clip gives the same bytes (and sha256).
    """
    with tempfile.TemporaryDirectory(prefix="tts-encode-") as folder:
        target = Path(folder) / "output.mp3"
        _ffmpeg(
            [
                *_PCM_FORMAT,
                *("-i", "pipe:0", "-map_metadata", "-1", "-c:a", "libmp3lame", "-b:a", MP3_BITRATE),
                *("-fflags", "+bitexact", "-flags:a", "+bitexact", "-id3v2_version", "0", "-f", "mp3", str(target)),
            ],
            stdin_data=segment.raw_data,
            failure_code=errors.FFMPEG_FAILED,
            failure_message="ffmpeg could not encode the MP3.",
        )
        return target.read_bytes()


def _ffmpeg(arguments: list[str], *, failure_code: str, failure_message: str, stdin_data: bytes | None = None) -> bytes:
    command = ["ffmpeg", "-hide_banner", "-loglevel", "error", "-threads", "1", "-y", *arguments]
    try:
        completed = subprocess.run(  # noqa: S603 - a fixed ffmpeg argument list, no shell; paths are ours
            command,
            input=stdin_data,
            stdin=None if stdin_data is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=FFMPEG_TIMEOUT_SECONDS,
            check=False,
        )
    except OSError as exc:
        raise TtsError(
            errors.FFMPEG_UNAVAILABLE, "ffmpeg cannot be run on this worker (apt-get install ffmpeg)."
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise TtsError(
            failure_code,
            f"{failure_message} ffmpeg did not finish within {FFMPEG_TIMEOUT_SECONDS:g} s.",
            {"timeout_seconds": FFMPEG_TIMEOUT_SECONDS},
        ) from exc
    if completed.returncode != 0:
        stderr = completed.stderr.decode("utf-8", "replace").strip()[-_STDERR_SHOWN:]
        raise TtsError(failure_code, failure_message, {"ffmpeg": stderr})
    return completed.stdout
