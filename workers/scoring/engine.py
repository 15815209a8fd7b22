"""score_spoken_answer: audio + item -> JSON-serialisable, explained score."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workers.scoring import errors
from workers.scoring.audio import SAMPLE_RATE, AudioInput, AudioLimits, load_audio
from workers.scoring.errors import ItemError
from workers.scoring.features import (
    CORRECT,
    MISSING,
    SUBSTITUTED,
    ContentComparison,
    WordResult,
    attach_pronunciation,
    best_accepted_answer,
    compare_words,
    confidence_check,
    fluency_features,
    spread_alignment,
)
from workers.scoring.mapping import CURRENT_VERSION, SUBSCORES, load_config, overall_score, subscores
from workers.scoring.recogniser import DecodingSettings, Recogniser, get_recogniser
from workers.scoring.text import normalise
from workers.scoring.vad import SpeechActivity, detect_speech

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

ITEM_TYPES = ("read_aloud", "repeat", "sentence_builds", "short_answer")


def score_spoken_answer(
    audio: AudioInput,
    expected_text: str,
    item_type: str = "read_aloud",
    accepted_answers: Sequence[str] | None = None,
    *,
    version: str = CURRENT_VERSION,
    limits: AudioLimits | None = None,
    recogniser: Recogniser | None = None,
) -> dict:
    """Score one spoken answer.

    audio: a file path, or the file's bytes (webm, ogg, mp3, m4a, wav, flac).
    expected_text: the text to read or repeat; for short_answer, the reference answer.
    accepted_answers: short_answer only: every answer that counts as right
        (expected_text is added to them); the best match is scored.
    Returns a dict (see README.md, "Result"); raises AudioError / ItemError /
    ModelError, each with a stable ``code``.
    """
    config = load_config(version)
    targets = _targets(expected_text, item_type, accepted_answers)
    samples = load_audio(audio, limits)
    activity = detect_speech(samples, config["vad"])
    if activity.speech_seconds < config["no_speech"]["min_speech_seconds"]:
        return _no_speech_result(config, item_type, targets[0], activity, "no voice activity detected")

    recogniser = recogniser or get_recogniser()
    clip, offset_s, truncated = _scored_window(samples, activity, config)
    prompt = _decoding_prompt(targets, item_type, config)
    settings = DecodingSettings.from_config(config["decoding"])
    recognition = recogniser.recognise(clip, prompt, settings)
    heard = normalise(recognition.text).split()
    if not heard:
        return _no_speech_result(config, item_type, targets[0], activity, "no words recognised")

    if item_type == "short_answer":
        target, comparison = best_accepted_answer(targets, heard)
    else:
        target, comparison = targets[0], compare_words(normalise(targets[0]).split(), heard)
    pronunciation = attach_pronunciation(comparison, _word_probabilities(recogniser, clip, target), config)
    confidence = confidence_check(recognition, comparison, config)
    if truncated:
        confidence["review_reasons"].append("answer_longer_than_scored_window")
        confidence["needs_review"] = True

    features = {
        "content": _content_features(comparison, target, item_type),
        "pronunciation": pronunciation,
        "fluency": fluency_features(activity, len(heard), config),
        "confidence": confidence,
        "audio": {
            "duration_seconds": activity.duration_s,
            "scored_from_seconds": round(offset_s, 2),
            "truncated": truncated,
            "speech_segments": [list(s) for s in activity.segments],
        },
    }
    scores = subscores(features, item_type, config)
    return {
        "scoring_version": config["version"],
        "item_type": item_type,
        "status": "scored",
        "reason": None,
        "overall": overall_score(scores, item_type, config),
        "subscores": scores,
        "needs_review": confidence["needs_review"],
        "review_reasons": confidence["review_reasons"],
        "expected_text": target,
        "transcript": recognition.text,
        "words": [_word_explanation(w) for w in comparison.words],
        "inserted_words": comparison.inserted,
        "features": features,
        "explanation": _explain(features, comparison),
        "recogniser": {**recogniser.model_info, "prompted": prompt is not None, "decoding": config["decoding"]},
    }


def _targets(expected_text: str, item_type: str, accepted_answers: Sequence[str] | None) -> list[str]:
    if item_type not in ITEM_TYPES:
        raise ItemError(
            f"Unknown item type {item_type!r}; use one of {', '.join(ITEM_TYPES)}.", errors.ITEM_TYPE_UNKNOWN
        )
    candidates = [expected_text or ""]
    if item_type == "short_answer":
        candidates += list(accepted_answers or [])
    targets = [c.strip() for c in dict.fromkeys(candidates) if normalise(c or "")]
    if not targets:
        raise ItemError("The item has no expected text to compare with.", errors.ITEM_TEXT_MISSING)
    return targets


def _decoding_prompt(targets: list[str], item_type: str, config: dict) -> str | None:
    """The expected text (all accepted answers for short_answer) as Whisper's previous-text
    prompt: it cuts recognition errors sharply, but can fill in words the audio does not
    hold, which the alignment-based confidence check catches.
    """
    if not config["prompt_with_expected_text"][item_type]:
        return None
    return " ".join(t if t.rstrip()[-1:] in ".?!" else t + "." for t in targets)


def _scored_window(samples: np.ndarray, activity: SpeechActivity, config: dict) -> tuple[np.ndarray, float, bool]:
    """The audio given to the recogniser: all of it if it fits Whisper's window, else
    the stretch starting just before the first speech (and then flagged if cut).
    """
    window = int(config["max_scored_speech_seconds"] * SAMPLE_RATE)
    span = activity.span  # None only without speech, which the caller has already answered
    if len(samples) <= window or span is None:
        return samples, 0.0, False
    first_onset_s, last_speech_end_s = span
    start = max(0, int((first_onset_s - 0.3) * SAMPLE_RATE))
    end = start + window
    last_speech_end = int(last_speech_end_s * SAMPLE_RATE)
    return samples[start:end], start / SAMPLE_RATE, last_speech_end > end


def _word_probabilities(recogniser: Recogniser, clip: np.ndarray, target: str) -> list[float]:
    expected = normalise(target).split()
    probabilities = spread_alignment(recogniser.align(clip, target), expected)
    if probabilities is None:  # the written and normalised forms did not line up: align the normalised words
        probabilities = spread_alignment(recogniser.align(clip, " ".join(expected)), expected)
    return probabilities or [0.0] * len(expected)


def _content_features(comparison: ContentComparison, target: str, item_type: str) -> dict:
    return {
        "expected_words": len(comparison.words),
        "words_correct": comparison.count(CORRECT),
        "words_substituted": comparison.count(SUBSTITUTED),
        "words_missing": comparison.count(MISSING),
        "words_inserted": len(comparison.inserted),
        "word_accuracy": round(comparison.word_accuracy, 3),
        "content_word_recall": round(comparison.content_word_recall, 3),
        "exact_match": comparison.word_accuracy == 1.0,
        "matched_answer": target if item_type == "short_answer" else None,
    }


def _word_explanation(word: WordResult) -> dict:
    if word.status == MISSING:
        note = "not heard"
    elif word.status == SUBSTITUTED:
        note = f"heard '{word.heard}' instead"
    elif word.possibly_filled_in:
        note = "recognised, but the audio barely supports it: listen to check"
    elif word.weak:
        note = "said, but unclear"
    else:
        note = "correct"
    return {
        "expected": word.expected,
        "heard": word.heard,
        "status": word.status,
        "alignment_probability": word.alignment_probability,
        "weak": word.weak,
        "possibly_filled_in": word.possibly_filled_in,
        "flagged": word.flagged,
        "note": note,
    }


def _explain(features: dict, comparison: ContentComparison) -> list[str]:
    content, fluency, pron = features["content"], features["fluency"], features["pronunciation"]
    lines = [
        (
            f"Content: {content['words_correct']} of {content['expected_words']} expected words heard "
            f"correctly (word accuracy {content['word_accuracy']:.0%})."
        )
    ]
    substituted = [f"'{w.heard}' for '{w.expected}'" for w in comparison.words if w.status == SUBSTITUTED]
    missing = [f"'{w.expected}'" for w in comparison.words if w.status == MISSING]
    if substituted:
        lines.append("Said " + ", ".join(substituted) + ".")
    if missing:
        lines.append("Missing: " + ", ".join(missing) + ".")
    if comparison.inserted:
        lines.append("Extra words: " + ", ".join(f"'{w}'" for w in comparison.inserted) + ".")
    lines.append(
        f"Pronunciation: the expected words spoken match the audio with mean probability "
        f"{pron['mean_probability_spoken_words']:.2f}"
        + (f"; unclear: {', '.join(pron['weak_words'])}." if pron["weak_words"] else ".")
    )
    lines.append(
        f"Fluency: {fluency['words_per_minute']:.0f} words per minute over {fluency['speech_span_seconds']:.1f} s; "
        f"{fluency['pauses_over_0_4s']} pause(s) of 0.4 s or more, {fluency['pauses_over_1_5s']} of 1.5 s "
        f"or more; speech started after {fluency['response_latency_seconds']:.1f} s."
    )
    if features["confidence"]["needs_review"]:
        lines.append("Flagged for a person to listen: " + ", ".join(features["confidence"]["review_reasons"]) + ".")
    return lines


def _no_speech_result(config: dict, item_type: str, target: str, activity: SpeechActivity, detail: str) -> dict:
    floor = config["scale"]["min"]
    return {
        "scoring_version": config["version"],
        "item_type": item_type,
        "status": "no_speech",
        "reason": "no_speech",
        "overall": floor,
        "subscores": dict.fromkeys(SUBSCORES, floor),
        "needs_review": False,
        "review_reasons": [],
        "expected_text": target,
        "transcript": "",
        "words": [],
        "inserted_words": [],
        "features": {
            "audio": {
                "duration_seconds": activity.duration_s,
                "speech_seconds": round(activity.speech_seconds, 2),
                "speech_segments": [list(s) for s in activity.segments],
            }
        },
        "explanation": [f"No speech: {detail}. The answer gets the lowest score on the scale ({floor})."],
        "recogniser": None,
    }
