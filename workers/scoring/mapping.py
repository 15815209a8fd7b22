"""From features to Versant-style subscores on the 20-80 scale.

The parameters live in ``versions/<version>.json``; README.md in this package
explains each one. Changing a number means a new version file.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from workers.scoring.errors import ScoringError
from workers.versions import VersionFiles

VERSIONS_DIR = Path(__file__).parent / "versions"
CURRENT_VERSION = "speech-v2"
SUBSCORES = ("sentence_mastery", "vocabulary", "fluency", "pronunciation")
STORY_RETELLING, OPEN_QUESTION = "story_retelling", "open_question"
# No fixed wording: recognised without the expected-text prompt, and the recognised words are aligned.
FREE_SPEECH_TYPES = (STORY_RETELLING, OPEN_QUESTION)
# Scored for fluency and pronunciation only: these subscores are None and left out of the overall score.
UNSCORED_SUBSCORES = {OPEN_QUESTION: ("sentence_mastery", "vocabulary")}


_FILES = VersionFiles(
    VERSIONS_DIR,
    "speech",
    (
        "confidence",
        "decoding",
        "fluency",
        "key_ideas",
        "no_speech",
        "overall_weights",
        "pronunciation",
        "scale",
        "subscore_curves",
        "time_limit",
        "vad",
    ),
    ScoringError,
)


def load_config(version: str = CURRENT_VERSION) -> dict:
    """The parameters of `version` (cached and shared, so never mutate them)."""
    return _FILES.load(version).params


def available_versions() -> list[str]:
    """Names of the speech scoring versions shipped, oldest first."""
    return _FILES.available()


def piecewise_linear(x: float, points: list[list[float]]) -> float:
    """Interpolate between (x, score) points; flat beyond the first and last."""
    if x <= points[0][0]:
        return float(points[0][1])
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if x <= x1:
            return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return float(points[-1][1])


def _clamp(value: float, config: dict) -> int:
    scale = config["scale"]
    clamped: float = min(scale["max"], max(scale["min"], value))
    return round(clamped)


def fluency_score(fluency: dict, item_type: str, config: dict, *, short_item: bool = False) -> int:
    settings = config["fluency"]
    if "rate_syllables_per_second_to_score" in settings:
        band = (config["short_items"] if short_item else settings)["rate_syllables_per_second_to_score"]
        rate_score = piecewise_linear(fluency["syllables_per_second"], band)
    else:
        rate_score = piecewise_linear(fluency["words_per_minute"], settings["rate_words_per_minute_to_score"])
    pause_penalty = min(
        settings["max_pause_penalty"],
        settings["short_pause_penalty"] * fluency["pauses_over_0_4s"]
        + settings["long_pause_penalty"] * fluency["pauses_over_1_5s"],
    )
    late_by = fluency["response_latency_seconds"] - settings["latency_grace_seconds"][item_type]
    latency_penalty = min(settings["max_latency_penalty"], max(0.0, late_by) * settings["latency_penalty_per_second"])
    return _clamp(rate_score - pause_penalty - latency_penalty, config)


def subscores(features: dict, item_type: str, config: dict) -> dict[str, int | None]:
    if item_type in FREE_SPEECH_TYPES:
        return _free_speech_subscores(features, item_type, config)
    curves = config["subscore_curves"]
    content = features["content"]
    short_item = content.get("short_item", False)
    spoken_probability = features["pronunciation"]["mean_probability_spoken_words"]
    pronunciation_curve = (config["short_items"] if short_item else curves)["pronunciation_from_mean_probability"]
    pronunciation = piecewise_linear(spoken_probability, pronunciation_curve)
    if content["words_correct"] == 0:
        pronunciation = config["scale"]["min"]
    if item_type == "short_answer" and content["exact_match"]:
        vocabulary = config["scale"]["max"]
    else:
        vocabulary = piecewise_linear(content["content_word_recall"], curves["vocabulary_from_content_word_recall"])
    return {
        "sentence_mastery": _clamp(
            piecewise_linear(content["word_accuracy"], curves["sentence_mastery_from_word_accuracy"]), config
        ),
        "vocabulary": _clamp(vocabulary, config),
        "fluency": _gate(fluency_score(features["fluency"], item_type, config, short_item=short_item), content, config),
        "pronunciation": _gate(_clamp(pronunciation, config), content, config),
    }


def _gate(score: int, content: dict, config: dict) -> int:
    """speech-v2 on: credit for the manner of speaking (fluency, pronunciation) above the floor
    scales with how much of the expected response was produced: none of it, the floor; half,
    half the credit. A handful of chance matches in a wrong answer so earns almost nothing.
    """
    gate = config.get("manner_gate")
    if gate is None:
        return score
    coverage = content.get("expected_coverage", content.get("key_idea_recall", 1.0))
    floor = config["scale"]["min"]
    return _clamp(floor + (score - floor) * piecewise_linear(coverage, gate["share_from_coverage"]), config)


def _free_speech_subscores(features: dict, item_type: str, config: dict) -> dict[str, int | None]:
    """story_retelling: content from key-idea recall; open_question: no content subscores.
    Pronunciation from the alignment of the recognised words (there is no expected wording).
    """
    curves = config["subscore_curves"]
    spoken_probability = features["pronunciation"]["mean_probability_spoken_words"]
    scores: dict[str, int | None] = {"sentence_mastery": None, "vocabulary": None}
    if item_type == STORY_RETELLING:
        recall = features["content"]["key_idea_recall"]
        scores["sentence_mastery"] = _clamp(
            piecewise_linear(recall, curves["sentence_mastery_from_key_idea_recall"]), config
        )
        scores["vocabulary"] = _clamp(piecewise_linear(recall, curves["vocabulary_from_key_idea_recall"]), config)
    content = features["content"]  # open_question: no expected content, so nothing gates its manner
    scores["fluency"] = _gate(fluency_score(features["fluency"], item_type, config), content, config)
    scores["pronunciation"] = _gate(
        _clamp(piecewise_linear(spoken_probability, curves["pronunciation_from_mean_probability"]), config),
        content,
        config,
    )
    return scores


def overall_score(scores: dict[str, int | None], item_type: str, config: dict) -> int:
    """Weighted mean of the subscores the item type weights (open_question: fluency and pronunciation)."""
    weights = config["overall_weights"][item_type]
    names = [name for name in SUBSCORES if name in weights]
    values = [scores[name] for name in names]
    if any(value is None for value in values):
        raise ValueError(f"{config['version']}: a subscore weighted for {item_type} was not scored.")
    total = sum(weights[name] * value for name, value in zip(names, values, strict=True) if value is not None)
    return _clamp(total / sum(weights[name] for name in names), config)
