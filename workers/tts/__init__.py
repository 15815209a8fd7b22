"""Prompt audio for test items, rendered offline on a worker: no Flask, no Celery.

    from workers.tts import prompt_script, render_prompt
    seed = order_seed(item_id)  # jobs/items/audio.py: the id under a secret, not the bare id
    text, phrases = prompt_script("sentence_builds", item["content"], seed=seed)
    clip = render_prompt(text, phrases)  # RenderedAudio: MP3 bytes, duration, voice, sha256

See README.md in this folder for the formats, the limits and how to plug in another voice.
"""

from workers.tts.audio import MP3_CONTENT_TYPE, RenderedAudio
from workers.tts.errors import TtsError
from workers.tts.render import (
    MAX_PROMPT_CHARACTERS,
    MAX_RECORDING_BYTES,
    MAX_RECORDING_SECONDS,
    RECORDING_VOICE,
    normalise_recording,
    render_prompt,
)
from workers.tts.script import TYPES_WITH_PROMPT_AUDIO, prompt_script, spoken_order
from workers.tts.voices import EspeakVoice, Voice

__all__ = [
    "MAX_PROMPT_CHARACTERS",
    "MAX_RECORDING_BYTES",
    "MAX_RECORDING_SECONDS",
    "MP3_CONTENT_TYPE",
    "RECORDING_VOICE",
    "TYPES_WITH_PROMPT_AUDIO",
    "EspeakVoice",
    "RenderedAudio",
    "TtsError",
    "Voice",
    "normalise_recording",
    "prompt_script",
    "render_prompt",
    "spoken_order",
]
