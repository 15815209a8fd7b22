"""Prompt audio for test items: text (or phrases, with pauses) spoken by a voice, and admins' own recordings,
both ending as the same normalised MP3 (see audio.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workers.tts import audio, errors
from workers.tts.errors import TtsError
from workers.tts.voices import EspeakVoice, Voice

if TYPE_CHECKING:
    from collections.abc import Sequence

    from workers.tts.audio import AudioSegment, RenderedAudio

# Generous for the longest item text (a 3,000-character story) and still far below what a command
# line may carry.
MAX_PROMPT_CHARACTERS = 5_000
# Longer than any prompt of MAX_PROMPT_CHARACTERS at espeak-ng's slowest rate; decoding stops here.
MAX_PROMPT_SECONDS = 900.0
MAX_RECORDING_SECONDS = 300.0
MAX_RECORDING_BYTES = 20 * 1024 * 1024
RECORDING_VOICE = "recording"  # RenderedAudio.voice of an admin's own recording


def render_prompt(
    text: str | None = None,
    phrases: Sequence[str] | None = None,
    *,
    voice: Voice | None = None,
    phrase_pause_ms: int = 600,
) -> RenderedAudio:
    """``text`` spoken, or each of ``phrases`` in the order given with ``phrase_pause_ms`` of silence
    between them (each phrase's own leading and trailing silence removed first, so the pause is exact).
    """
    if phrase_pause_ms < 0:
        raise ValueError("phrase_pause_ms must not be negative")
    voice = voice or EspeakVoice()
    pieces = [_spoken_piece(voice, piece) for piece in _pieces_to_speak(text, phrases)]
    pause = audio.silence(phrase_pause_ms)
    joined = pieces[0]
    for piece in pieces[1:]:
        joined = joined + pause + piece
    return audio.rendered(joined, voice.name)


def normalise_recording(
    data: bytes, *, max_seconds: float = MAX_RECORDING_SECONDS, max_bytes: int = MAX_RECORDING_BYTES
) -> RenderedAudio:
    """An admin's own recording (webm, ogg, mp3, m4a, wav) normalised like a rendered prompt."""
    if not data:
        raise TtsError(errors.AUDIO_EMPTY, "The recording is empty (0 bytes).")
    if len(data) > max_bytes:
        raise TtsError(
            errors.AUDIO_TOO_LARGE,
            f"The recording is {len(data)} bytes; the limit is {max_bytes}.",
            {"size": len(data), "max_bytes": max_bytes},
        )
    segment = audio.decode(data, max_seconds=max_seconds)
    if segment.duration_seconds > max_seconds:
        raise TtsError(
            errors.AUDIO_TOO_LONG,
            f"The recording lasts more than {max_seconds:g} s, the limit.",
            {"max_seconds": max_seconds},
        )
    if audio.holds_no_sound(segment):
        raise TtsError(errors.AUDIO_EMPTY, "The recording holds no sound.")
    return audio.rendered(segment, RECORDING_VOICE)


def _pieces_to_speak(text: str | None, phrases: Sequence[str] | None) -> list[str]:
    if (text is None) == (phrases is None):
        raise ValueError("give either text or phrases")
    if isinstance(phrases, str):
        raise TypeError("phrases must be a sequence of strings, not one string")
    pieces = [_clean(text)] if text is not None else [_clean(phrase) for phrase in phrases or ()]
    if not pieces or not all(pieces):
        raise TtsError(errors.PROMPT_EMPTY, "There is no text to speak (empty text or phrase).")
    characters = sum(len(piece) for piece in pieces)
    if characters > MAX_PROMPT_CHARACTERS:
        raise TtsError(
            errors.PROMPT_TOO_LONG,
            f"The prompt has {characters} characters; the limit is {MAX_PROMPT_CHARACTERS}.",
            {"characters": characters, "max_characters": MAX_PROMPT_CHARACTERS},
        )
    return pieces


def _clean(text: str) -> str:
    """One line of printable text: control characters (a NUL would stop the command line) become spaces."""
    printable = "".join(character if character.isprintable() else " " for character in text)
    return " ".join(printable.split())


def _spoken_piece(voice: Voice, text: str) -> AudioSegment:
    """One piece spoken and decoded, with no silence at either end (the caller adds the pauses)."""
    wav = voice.synthesise(text)
    if not wav:
        raise TtsError(errors.TTS_EMPTY, f"The voice {voice.name} returned no audio.", {"text": text[:100]})
    try:
        segment = audio.read_voice_output(wav, max_seconds=MAX_PROMPT_SECONDS)
    except TtsError as error:
        if error.code != errors.AUDIO_UNDECODABLE:
            raise
        raise TtsError(
            errors.TTS_FAILED, f"The voice {voice.name} returned something that is not audio.", error.details
        ) from error
    if segment.duration_seconds > MAX_PROMPT_SECONDS:
        raise TtsError(errors.PROMPT_TOO_LONG, f"The spoken prompt lasts more than {MAX_PROMPT_SECONDS:g} s.")
    if audio.holds_no_sound(segment):
        raise TtsError(errors.TTS_EMPTY, f"The voice {voice.name} returned no sound.", {"text": text[:100]})
    return audio.trim_silence(audio.in_house_format(segment), edge_ms=0)
