"""score_spoken_answer: audio + item -> JSON-serialisable, explained score."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from domain.assessment import SPOKEN_TYPES
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
    confirmed_probabilities,
    fluency_features,
    is_short_item,
    key_idea_recall,
    recognised_pronunciation,
    spread_alignment,
)
from workers.scoring.mapping import (
    CURRENT_VERSION,
    FREE_SPEECH_TYPES,
    OPEN_QUESTION,
    STORY_RETELLING,
    SUBSCORES,
    UNSCORED_SUBSCORES,
    load_config,
    overall_score,
    subscores,
)
from workers.scoring.reading import better_supported_reading
from workers.scoring.recogniser import DecodingSettings, Recogniser, get_recogniser
from workers.scoring.text import normalise, split_sentences
from workers.scoring.vad import SpeechActivity, detect_speech

if TYPE_CHECKING:
    from collections.abc import Sequence

    import numpy as np

ITEM_TYPES = SPOKEN_TYPES  # named once, in domain.assessment
TIME_LIMIT_REASON = "answer_longer_than_time_limit"


def score_spoken_answer(  # noqa: PLR0913 - four positional item fields (as before), the rest keyword-only options
    audio: AudioInput,
    expected_text: str,
    item_type: str = "read_aloud",
    accepted_answers: Sequence[str] | None = None,
    *,
    key_ideas: Sequence[str] | None = None,
    max_answer_seconds: float | None = None,
    version: str = CURRENT_VERSION,
    limits: AudioLimits | None = None,
    recogniser: Recogniser | None = None,
) -> dict:
    """Score one spoken answer.

    audio: a file path, or the file's bytes (webm, ogg, mp3, m4a, wav, flac).
    expected_text: the text to read or repeat; for short_answer, the reference answer;
        for story_retelling, the story; for open_question, the question (kept for the record only).
    accepted_answers: short_answer only: every answer that counts as right
        (expected_text is added to them); the best match is scored.
    key_ideas: story_retelling only: the ideas a retelling should hold (default: the story's sentences).
    max_answer_seconds: the item's time limit; longer audio (beyond a grace) is cut to it and flagged.
    Returns a dict (see README.md, "Result"); raises AudioError / ItemError /
    ModelError, each with a stable ``code``.
    """
    config = load_config(version)
    targets = _targets(expected_text, item_type, accepted_answers)
    ideas = _key_ideas(targets[0], key_ideas) if item_type == STORY_RETELLING else []
    _check_time_limit(max_answer_seconds)
    samples, time_limit = _cut_to_time_limit(load_audio(audio, limits), max_answer_seconds, config)
    activity = detect_speech(samples, config["vad"])
    if activity.speech_seconds < config["no_speech"]["min_speech_seconds"]:
        return _no_speech_result(config, item_type, targets[0], activity, "no voice activity detected", time_limit)

    recogniser = recogniser or get_recogniser()
    clip, offset_s, truncated = _scored_window(samples, activity, config)
    prompt = _decoding_prompt(targets, item_type, config)
    settings = DecodingSettings.from_config(config["decoding"])
    first = recogniser.recognise(clip, prompt, settings)
    recognition, reading = better_supported_reading(
        recogniser, clip, _segments_in(activity, offset_s, len(clip)), first, prompt, config
    )
    heard = normalise(recognition.text).split()
    if not heard:
        return _no_speech_result(config, item_type, targets[0], activity, "no words recognised", time_limit)

    confirmed_share: float | None = None  # short items only: the share an unprompted reading confirms
    if item_type in FREE_SPEECH_TYPES:
        # No fixed wording: the recognised transcript is what gets aligned, and content (story
        # retelling only) is key-idea recall; there are no expected words to list.
        target, comparison = targets[0], ContentComparison(words=[])
        pronunciation = recognised_pronunciation(heard, _word_probabilities(recogniser, clip, recognition.text), config)
        content = key_idea_recall(ideas, heard, config) if item_type == STORY_RETELLING else _unscored_content(heard)
    else:
        if item_type == "short_answer":
            target, comparison = best_accepted_answer(targets, heard)
        else:
            target, comparison = targets[0], compare_words(normalise(targets[0]).split(), heard)
        probabilities = _word_probabilities(recogniser, clip, target)
        if is_short_item(comparison, config):
            # One to three words: the alignment of so little audio is weak evidence, so an
            # unprompted reading that hears the same words carries the score (its confidence).
            confirmed = confirmed_probabilities(
                [w.expected for w in comparison.words], recogniser.recognise(clip, None, settings)
            )
            probabilities = [max(p, c or 0.0) for p, c in zip(probabilities, confirmed, strict=True)]
            confirmed_share = sum(c is not None for c in confirmed) / len(confirmed)
        pronunciation = attach_pronunciation(comparison, probabilities, config)
        content = _content_features(comparison, target, item_type, config)
    confidence = confidence_check(recognition, comparison, config, confirmed_share)
    _review_content_and_reading(confidence, content, reading, config)
    if truncated:
        confidence["review_reasons"].append("answer_longer_than_scored_window")
        confidence["needs_review"] = True
    if time_limit and time_limit["cut_at_seconds"] is not None:
        confidence["review_reasons"].append(TIME_LIMIT_REASON)
        confidence["needs_review"] = True

    features = {
        "content": content,
        "pronunciation": pronunciation,
        "fluency": fluency_features(activity, heard, config),
        "confidence": confidence,
        "audio": {
            "duration_seconds": activity.duration_s,
            "scored_from_seconds": round(offset_s, 2),
            "truncated": truncated,
            "speech_segments": [list(s) for s in activity.segments],
            **(time_limit or {}),
        },
    }
    if reading is not None:
        features["reading"] = reading
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
        "explanation": _explain(features, comparison, item_type),
        "recogniser": {**recogniser.model_info, "prompted": prompt is not None, "decoding": config["decoding"]},
    }


def _targets(expected_text: str, item_type: str, accepted_answers: Sequence[str] | None) -> list[str]:
    if item_type not in ITEM_TYPES:
        raise ItemError(
            errors.UNKNOWN_ITEM_TYPE, f"Unknown item type {item_type!r}; use one of {', '.join(ITEM_TYPES)}."
        )
    if item_type == OPEN_QUESTION:
        return [(expected_text or "").strip()]  # the question, for the record only: it may be empty
    candidates = [expected_text or ""]
    if item_type == "short_answer":
        candidates += list(accepted_answers or [])
    targets = [c.strip() for c in dict.fromkeys(candidates) if normalise(c or "")]
    if not targets:
        raise ItemError(errors.ITEM_TEXT_MISSING, "The item has no expected text to compare with.")
    return targets


def _key_ideas(story: str, key_ideas: Sequence[str] | None) -> list[str]:
    """The ideas a retelling should hold: as given, else the story's sentences (duplicates and
    ideas without words dropped).
    """
    if isinstance(key_ideas, str):  # one idea, not a sequence of letters
        key_ideas = [key_ideas]
    ideas = [idea.strip() for idea in dict.fromkeys(key_ideas or split_sentences(story)) if normalise(idea or "")]
    if not ideas:
        raise ItemError(errors.ITEM_TEXT_MISSING, "The story retelling has no key ideas with words in them.")
    return ideas


def _check_time_limit(max_answer_seconds: float | None) -> None:
    if max_answer_seconds is not None and not (math.isfinite(max_answer_seconds) and max_answer_seconds > 0):
        raise ItemError(
            errors.ITEM_TIME_LIMIT_INVALID,
            f"The answer time limit must be a positive number of seconds, not {max_answer_seconds!r}.",
        )


def _cut_to_time_limit(
    samples: np.ndarray, max_answer_seconds: float | None, config: dict
) -> tuple[np.ndarray, dict | None]:
    """Audio longer than the time limit plus the grace is cut to the limit (and flagged by the
    caller), not refused. None (no limit given) keeps the result exactly as without one.
    """
    if max_answer_seconds is None:
        return samples, None
    received_s = round(len(samples) / SAMPLE_RATE, 3)
    record: dict = {
        "time_limit_seconds": float(max_answer_seconds),
        "cut_at_seconds": None,
        "received_seconds": received_s,
    }
    if received_s > max_answer_seconds + config["time_limit"]["grace_seconds"]:
        samples = samples[: int(max_answer_seconds * SAMPLE_RATE)]
        record["cut_at_seconds"] = round(len(samples) / SAMPLE_RATE, 3)
    return samples, record


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


def _segments_in(activity: SpeechActivity, offset_s: float, clip_samples: int) -> list[tuple[float, float]]:
    """The stretches of speech inside the scored window, in the window's own time."""
    end_s = clip_samples / SAMPLE_RATE
    inside = [(max(0.0, start - offset_s), min(end_s, end - offset_s)) for start, end in activity.segments]
    return [(start, end) for start, end in inside if end > start]


def _word_probabilities(recogniser: Recogniser, clip: np.ndarray, target: str) -> list[float]:
    expected = normalise(target).split()
    probabilities = spread_alignment(recogniser.align(clip, target), expected)
    if probabilities is None:  # the written and normalised forms did not line up: align the normalised words
        probabilities = spread_alignment(recogniser.align(clip, " ".join(expected)), expected)
    return probabilities or [0.0] * len(expected)


def _content_features(comparison: ContentComparison, target: str, item_type: str, config: dict) -> dict:
    content = {
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
    if "manner_gate" in config:  # speech-v2 on: how much of the expected response was produced
        content["expected_coverage"] = round(comparison.count(CORRECT) / max(1, len(comparison.words)), 3)
        content["short_item"] = is_short_item(comparison, config)
    return content


def _review_content_and_reading(confidence: dict, content: dict, reading: dict | None, config: dict) -> None:
    """speech-v2 on: too little of the expected response, or a second reading that disagrees
    with the first, is for a person to hear.
    """
    gate = config.get("manner_gate")
    if gate is None:
        return
    coverage = content.get("expected_coverage", content.get("key_idea_recall"))
    if coverage is not None and coverage < gate["review_below_coverage"]:
        confidence["review_reasons"].append("expected_content_missing")
    if reading is not None and reading["readings_disagree"]:
        confidence["review_reasons"].append("readings_disagree")
    confidence["needs_review"] = bool(confidence["review_reasons"])


def _unscored_content(heard: list[str]) -> dict:
    return {"scored": False, "words_heard": len(heard)}


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


def _explain(features: dict, comparison: ContentComparison, item_type: str) -> list[str]:
    if item_type in FREE_SPEECH_TYPES:
        return _explain_free_speech(features, item_type)
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
    lines.append(_fluency_line(fluency))
    return lines + _review_lines(features)


def _explain_free_speech(features: dict, item_type: str) -> list[str]:
    content, pron = features["content"], features["pronunciation"]
    if item_type == STORY_RETELLING:
        lines = [
            (
                f"Content: {content['key_ideas_recalled']} of {content['key_ideas']} key ideas recalled "
                f"(key-idea recall {content['key_idea_recall']:.0%})."
            )
        ]
        if content["missed_key_ideas"]:
            lines.append("Missed: " + ", ".join(f"'{idea}'" for idea in content["missed_key_ideas"]) + ".")
    else:
        lines = [
            (
                f"Content: not scored for an open question ({content['words_heard']} words said); sentence "
                "mastery and vocabulary are left out of the overall score."
            )
        ]
    lines.append(
        f"Pronunciation: the recognised words match the audio with mean probability "
        f"{pron['mean_probability_spoken_words']:.2f}"
        + (f"; unclear: {', '.join(pron['weak_words'])}." if pron["weak_words"] else ".")
    )
    lines.append(_fluency_line(features["fluency"]))
    return lines + _review_lines(features)


def _fluency_line(fluency: dict) -> str:
    if "syllables_per_second" in fluency:
        return (
            f"Fluency: {fluency['syllables_per_second']:.1f} syllables per second of voiced speech "
            f"({fluency['syllables_spoken']} syllables in {fluency['speech_seconds']:.1f} s); "
            f"{fluency['pauses_over_0_4s']} pause(s) of 0.4 s or more, {fluency['pauses_over_1_5s']} of 1.5 s "
            f"or more; speech started after {fluency['response_latency_seconds']:.1f} s."
        )
    return (
        f"Fluency: {fluency['words_per_minute']:.0f} words per minute over {fluency['speech_span_seconds']:.1f} s; "
        f"{fluency['pauses_over_0_4s']} pause(s) of 0.4 s or more, {fluency['pauses_over_1_5s']} of 1.5 s "
        f"or more; speech started after {fluency['response_latency_seconds']:.1f} s."
    )


def _review_lines(features: dict) -> list[str]:
    lines = []
    gated = "syllables_per_second" in features["fluency"]  # speech-v2 on: manner credit follows content
    coverage = features["content"].get("expected_coverage", features["content"].get("key_idea_recall"))
    if gated and coverage is not None and coverage < 1:
        lines.append(
            f"Fluency and pronunciation are credited only as far as the expected response was produced "
            f"({coverage:.0%} of it)."
        )
    cut_at = features["audio"].get("cut_at_seconds")
    if cut_at is not None:
        lines.append(
            f"The answer ran past the time limit ({features['audio']['time_limit_seconds']:g} s): "
            f"only its first {cut_at:g} s were scored."
        )
    if features["confidence"]["needs_review"]:
        lines.append("Flagged for a person to listen: " + ", ".join(features["confidence"]["review_reasons"]) + ".")
    return lines


def _no_speech_result(
    config: dict, item_type: str, target: str, activity: SpeechActivity, detail: str, time_limit: dict | None
) -> dict:
    floor = config["scale"]["min"]
    unscored = UNSCORED_SUBSCORES.get(item_type, ())
    cut_at = time_limit["cut_at_seconds"] if time_limit else None
    cut = cut_at is not None
    explanation = [f"No speech: {detail}. The answer gets the lowest score on the scale ({floor})."]
    if cut:
        explanation.append(f"Only the first {cut_at:g} s (the time limit) were listened to.")
    return {
        "scoring_version": config["version"],
        "item_type": item_type,
        "status": "no_speech",
        "reason": "no_speech",
        "overall": floor,
        "subscores": {name: None if name in unscored else floor for name in SUBSCORES},
        "needs_review": cut,
        "review_reasons": [TIME_LIMIT_REASON] if cut else [],
        "expected_text": target,
        "transcript": "",
        "words": [],
        "inserted_words": [],
        "features": {
            "audio": {
                "duration_seconds": activity.duration_s,
                "speech_seconds": round(activity.speech_seconds, 2),
                "speech_segments": [list(s) for s in activity.segments],
                **(time_limit or {}),
            }
        },
        "explanation": explanation,
        "recogniser": None,
    }
