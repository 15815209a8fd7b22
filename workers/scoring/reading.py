"""A second reading when the first holds far fewer words than the voice activity suggests.

Noise can make the recogniser skip a stretch of clear speech (at 10 dB SNR one sentence lost its
first half), and a prompted reading can drop a closing sentence that the prompt also ends with.
When the words recognised are too few for the voiced time, or voice goes on before the first word
or after the last, the clip is read again
(the other way of prompting, and the speech alone with the non-speech cut out), each reading is
force-aligned on the same audio, and the reading the audio supports best is kept. When the kept
reading is not the first one and the two differ materially, a person should listen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import jiwer
import numpy as np

from workers.scoring.audio import SAMPLE_RATE
from workers.scoring.recogniser import DecodingSettings
from workers.scoring.text import normalise, syllable_count

if TYPE_CHECKING:
    from workers.scoring.recogniser import Recogniser, Recognition

GAP_SECONDS = 0.2  # silence put between stretches of speech when the non-speech is cut out
WORD_TIME_SLACK_SECONDS = 0.25  # Whisper's word times are approximate


def better_supported_reading(
    recogniser: Recogniser,
    clip: np.ndarray,
    segments: list[tuple[float, float]],
    first: Recognition,
    prompt: str | None,
    config: dict,
) -> tuple[Recognition, dict | None]:
    """The reading to score and, when a retry was made, a record of it (None otherwise, and always
    None for a version without a `retry` section).
    """
    retry = config.get("retry")
    if retry is None:
        return first, None
    voiced_s = sum(end - start for start, end in segments)
    rate = syllable_count(normalise(first.text).split()) / voiced_s if voiced_s > 0 else 0.0
    unheard_s = voiced_outside_words(first, segments)
    too_few = rate < retry["below_syllables_per_voiced_second"] or unheard_s >= retry["unheard_voiced_seconds"]
    if voiced_s < retry["min_voiced_seconds"] or not too_few:
        return first, None
    settings = DecodingSettings.from_config(config["decoding"])
    candidates = [first]
    if prompt is not None:
        candidates.append(recogniser.recognise(clip, None, settings))
    candidates.append(recogniser.recognise(speech_only(clip, segments), prompt, settings))
    supports = [audio_support(recogniser, clip, candidate.text) for candidate in candidates]
    best = max(range(len(candidates)), key=lambda index: (supports[index], -index))  # ties: the earlier reading
    chosen = candidates[best]
    disagreement = _word_error_rate(first.text, chosen.text)
    return chosen, {
        "retried": True,
        "syllables_per_voiced_second_first_reading": round(rate, 2),
        "voiced_seconds_outside_first_reading": round(unheard_s, 2),
        "readings": [
            {"transcript": candidate.text, "support": round(support, 3)}
            for candidate, support in zip(candidates, supports, strict=True)
        ],
        "kept": best,
        "readings_disagree": disagreement > retry["disagree_above_word_error_rate"],
    }


def voiced_outside_words(reading: Recognition, segments: list[tuple[float, float]]) -> float:
    """Seconds of voice before the reading's first word or after its last (word timestamps are
    rough, so a little slack each side): speech the reading skipped, as a prompted reading may
    when the answer ends with words that the prompt also ends with.
    """
    times = [(word.start, word.end) for word in reading.words if normalise(word.word)]
    if not times:
        return sum(end - start for start, end in segments)
    first_start, last_end = times[0][0] - WORD_TIME_SLACK_SECONDS, times[-1][1] + WORD_TIME_SLACK_SECONDS
    before = sum(max(0.0, min(end, first_start) - start) for start, end in segments)
    after = sum(max(0.0, end - max(start, last_end)) for start, end in segments)
    return before + after


def speech_only(clip: np.ndarray, segments: list[tuple[float, float]]) -> np.ndarray:
    """The stretches of speech, in order, with a short silence between them."""
    gap = np.zeros(int(GAP_SECONDS * SAMPLE_RATE), dtype=clip.dtype)
    pieces: list[np.ndarray] = []
    for start, end in segments:
        pieces += [clip[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)], gap]
    return np.concatenate(pieces) if pieces else clip


def audio_support(recogniser: Recogniser, clip: np.ndarray, text: str) -> float:
    """How much of a reading the audio holds: the sum of its words' forced-alignment
    probabilities (more words the audio supports, more support).
    """
    if not normalise(text):
        return 0.0
    return sum(word.probability for word in recogniser.align(clip, text) if normalise(word.word))


def _word_error_rate(reference: str, hypothesis: str) -> float:
    reference_words, hypothesis_words = normalise(reference), normalise(hypothesis)
    if not reference_words or not hypothesis_words:
        return 0.0 if reference_words == hypothesis_words else 1.0
    return float(jiwer.wer(reference_words, hypothesis_words))
