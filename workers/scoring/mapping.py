"""From features to Versant-style subscores on the 20-80 scale.

The parameters live in ``versions/<version>.json``; README.md in this package
explains each one. Changing a number means a new version file.
"""

from __future__ import annotations

import functools
import itertools
import json
from pathlib import Path

VERSIONS_DIR = Path(__file__).parent / "versions"
CURRENT_VERSION = "speech-v1"
SUBSCORES = ("sentence_mastery", "vocabulary", "fluency", "pronunciation")


@functools.cache
def load_config(version: str = CURRENT_VERSION) -> dict:
    path = VERSIONS_DIR / f"{version}.json"
    if not path.is_file() or path.parent != VERSIONS_DIR:
        raise ValueError(f"Unknown scoring version {version!r}.")
    config: dict = json.loads(path.read_text(encoding="utf-8"))
    return config


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


def fluency_score(fluency: dict, item_type: str, config: dict) -> int:
    settings = config["fluency"]
    rate_score = piecewise_linear(fluency["words_per_minute"], settings["rate_words_per_minute_to_score"])
    pause_penalty = min(
        settings["max_pause_penalty"],
        settings["short_pause_penalty"] * fluency["pauses_over_0_4s"]
        + settings["long_pause_penalty"] * fluency["pauses_over_1_5s"],
    )
    late_by = fluency["response_latency_seconds"] - settings["latency_grace_seconds"][item_type]
    latency_penalty = min(settings["max_latency_penalty"], max(0.0, late_by) * settings["latency_penalty_per_second"])
    return _clamp(rate_score - pause_penalty - latency_penalty, config)


def subscores(features: dict, item_type: str, config: dict) -> dict[str, int]:
    curves = config["subscore_curves"]
    content = features["content"]
    spoken_probability = features["pronunciation"]["mean_probability_spoken_words"]
    pronunciation = piecewise_linear(spoken_probability, curves["pronunciation_from_mean_probability"])
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
        "fluency": fluency_score(features["fluency"], item_type, config),
        "pronunciation": _clamp(pronunciation, config),
    }


def overall_score(scores: dict[str, int], item_type: str, config: dict) -> int:
    weights = config["overall_weights"][item_type]
    total = sum(weights[name] * scores[name] for name in SUBSCORES) / sum(weights.values())
    return _clamp(total, config)
