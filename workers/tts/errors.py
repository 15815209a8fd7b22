"""The one error the speech renderer raises on purpose, with stable snake_case codes."""

from __future__ import annotations

from workers.errors import WorkError


class TtsError(WorkError):
    """A prompt could not be rendered or a recording could not be used: the job fails with ``code``."""


# The voice (espeak-ng or its replacement).
TTS_UNAVAILABLE = "tts_unavailable"  # the synthesiser is not installed on this worker
TTS_FAILED = "tts_failed"  # it exited with an error or did not finish in time
TTS_EMPTY = "tts_empty"  # it returned no sound
# The text to speak.
PROMPT_EMPTY = "prompt_empty"
PROMPT_TOO_LONG = "prompt_too_long"
PROMPT_CONTENT_INVALID = "prompt_content_invalid"  # the item's content lacks the field that is spoken
# An admin's own recording.
AUDIO_EMPTY = "audio_empty"
AUDIO_TOO_LARGE = "audio_too_large"
AUDIO_TOO_LONG = "audio_too_long"
AUDIO_UNDECODABLE = "audio_undecodable"
# ffmpeg, which decodes and encodes every clip.
FFMPEG_UNAVAILABLE = "ffmpeg_unavailable"
FFMPEG_FAILED = "ffmpeg_failed"
