"""Email writing: task completion, length window, grammar and spelling, vocabulary, organisation, tone.

The item lists the points the prompt asks for; each point names keywords or phrases, and is
covered when one of them appears in the email (compared on word stems, British = American).
A point may instead give 'all_of', groups of keywords that must each be hit.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from workers.writing.errors import INVALID_ITEM, WritingScoringError
from workers.writing.items.common import ItemScore, clamp, optional_positive_number, require_text, rounded
from workers.writing.lexicon import match_key
from workers.writing.quality import (
    allowed_words_from,
    grammar_trait,
    known_word_share,
    language_accuracy,
    vocabulary_range,
)
from workers.writing.text import normalized_words, words

if TYPE_CHECKING:
    from workers.writing.config import ScoringConfig

_SHOUTED_WORD = re.compile(r"\b[A-Z]{4,}\b")
# One all-capital word may be an acronym (ASAP); two or more read as shouting.
_SHOUTED_WORDS_FOR_SHOUTING = 2
# Shorter blocks and lines are greetings, closings and signatures, not body paragraphs.
_MIN_PARAGRAPH_WORDS = 8


def score(answer: str, item: dict[str, Any], _context: dict[str, Any], config: ScoringConfig) -> ItemScore:
    params = config.section("email_writing")
    prompt = require_text(item, "prompt")
    points = _points(item)
    min_words, max_words = _length_window(item, params)
    allowed = allowed_words_from(prompt, *(point.get("description", "") for point in points))
    answer_keys = [match_key(word) for word in normalized_words(answer)]
    point_results = [_point_result(point, answer_keys) for point in points]
    task_completion = sum(1 for result in point_results if result["covered"]) / len(points)
    length = _length_factors(len(words(answer)), min_words, max_words, params)
    nonsense = clamp(known_word_share(answer, allowed) / params["min_known_word_share"])
    measures = {
        "language": language_accuracy(answer, allowed, config),
        "vocabulary": vocabulary_range(answer, config, allowed),
        "organization": _organization(answer, params),
        "tone": _tone(answer, params),
    }
    substance = length["short_factor"] * length["long_factor"] * nonsense
    evidence = _trait_evidence(
        task_completion, nonsense, substance, grammar_trait(measures["language"], config), measures
    )
    quality = sum(evidence[trait] for trait in ("grammar", "vocabulary", "organization", "voice_tone")) / 4
    task_weight = params["task_completion_weight_in_overall_item_score"]
    item_score = task_weight * evidence["reading_comprehension"] + (1 - task_weight) * quality
    features = {
        "word_count": len(words(answer)),
        "min_words": min_words,
        "max_words": max_words,
        "points_total": len(points),
        "points_covered": sum(1 for result in point_results if result["covered"]),
        "task_completion": rounded(task_completion),
        "nonsense_factor": rounded(nonsense),
        **{key: rounded(value) for key, value in length.items()},
        **_flat_measures(measures),
    }
    return ItemScore(
        score=rounded(item_score),
        features=features,
        trait_evidence=evidence,
        explanation=_explain(features, point_results, measures["language"], measures["vocabulary"]),
    )


def _flat_measures(measures: dict) -> dict:
    """Every measure as a feature, except the lists that belong in the explanation."""
    listed_in_explanation = ("issues", "misspellings", "advanced_words")
    return {
        key: value for group in measures.values() for key, value in group.items() if key not in listed_in_explanation
    }


def _points(item: dict) -> list[dict]:
    points = item.get("points")
    if not isinstance(points, list) or not points:
        raise WritingScoringError(INVALID_ITEM, "An email item needs a non-empty list 'points'.", {"field": "points"})
    for index, point in enumerate(points):
        if not isinstance(point, dict) or not _keyword_groups(point):
            raise WritingScoringError(
                INVALID_ITEM,
                "Each point needs 'keywords' (a list of strings) or 'all_of' (a list of such lists).",
                {"field": f"points[{index}]"},
            )
    return points


def _keyword_groups(point: dict) -> list[list[str]]:
    groups = point.get("all_of") if "all_of" in point else [point.get("keywords")]
    if not isinstance(groups, list) or not groups:
        return []
    for group in groups:
        if not isinstance(group, list) or not group or not all(isinstance(k, str) and k.strip() for k in group):
            return []
    return groups


def _length_window(item: dict, params: dict) -> tuple[int, int]:
    min_words = int(optional_positive_number(item, "min_words") or params["default_min_words"])
    max_words = int(optional_positive_number(item, "max_words") or params["default_max_words"])
    if max_words < min_words:
        raise WritingScoringError(
            INVALID_ITEM,
            "max_words is smaller than min_words.",
            {"field": "max_words", "min_words": min_words, "max_words": max_words},
        )
    return min_words, max_words


def _phrase_found(phrase: str, answer_keys: list[str]) -> bool:
    phrase_keys = [match_key(word) for word in normalized_words(phrase)]
    if not phrase_keys:
        return False
    width = len(phrase_keys)
    return any(answer_keys[start : start + width] == phrase_keys for start in range(len(answer_keys) - width + 1))


def _point_result(point: dict, answer_keys: list[str]) -> dict:
    covered = True
    matched: list[str] = []
    for group in _keyword_groups(point):
        hit = next((keyword for keyword in group if _phrase_found(keyword, answer_keys)), None)
        if hit is None:
            covered, matched = False, []
            break
        matched.append(hit)
    return {
        "id": point.get("id"),
        "description": point.get("description", ""),
        "covered": covered,
        "matched_keywords": matched,
    }


def _length_factors(word_count: int, min_words: int, max_words: int, params: dict) -> dict:
    short = clamp(word_count / min_words)
    over = max(0, word_count - max_words) / (max_words * params["over_length_tolerance"])
    # Going over the limit costs at most half: the content is there, but the task said "about N words".
    return {"short_factor": short, "long_factor": clamp(1 - 0.5 * over, 0.5, 1.0)}


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def _starts_with_phrase(line: str, phrases: list[str]) -> str | None:
    lowered = " ".join(normalized_words(line))
    return next(
        (
            phrase
            for phrase in sorted(phrases, key=len, reverse=True)
            if lowered == phrase or lowered.startswith(phrase + " ")
        ),
        None,
    )


def _organization(text: str, params: dict) -> dict:
    lines = _lines(text)
    greeting = _starts_with_phrase(lines[0], params["greetings"]) if lines else None
    closing = (
        next((found for line in lines[-3:][::-1] if (found := _starts_with_phrase(line, params["closings"]))), None)
        if len(lines) > 1
        else None
    )
    paragraphs = [block for block in re.split(r"\n\s*\n", text) if len(words(block)) >= _MIN_PARAGRAPH_WORDS]
    body_lines = [line for line in lines if len(words(line)) >= _MIN_PARAGRAPH_WORDS]
    paragraph_count = max(len(paragraphs), min(len(body_lines), 3))
    linking = sorted({phrase for phrase in params["linking_words"] if _phrase_in_text(phrase, text)})
    weights = params["organization_weights"]
    parts = {
        "greeting": 1.0 if greeting else 0.0,
        "closing": 1.0 if closing else 0.0,
        "paragraphs": clamp(paragraph_count / 2),
        "linking_words": clamp(len(linking) / params["target_linking_words"]),
    }
    return {
        "greeting": greeting,
        "closing": closing,
        "paragraphs": paragraph_count,
        "linking_words": linking,
        "organization_score": rounded(sum(weights[name] * value for name, value in parts.items())),
    }


def _phrase_in_text(phrase: str, text: str) -> bool:
    return f" {phrase} " in f" {' '.join(normalized_words(text))} "


def _tone(text: str, params: dict) -> dict:
    polite = sorted({marker for marker in params["polite_markers"] if _phrase_in_text(marker, text)})
    lowered_tokens = {token.lower() for token in words(text)}
    informal = sorted({marker for marker in params["informal_markers"] if marker in lowered_tokens})
    shouting = len(_SHOUTED_WORD.findall(text)) >= _SHOUTED_WORDS_FOR_SHOUTING or "!!" in text
    score = clamp(len(polite) / params["target_polite_markers"])
    score -= params["tone_penalty_per_informal_marker"] * len(informal)
    score -= params["tone_penalty_shouting"] if shouting else 0.0
    return {
        "polite_markers": polite,
        "informal_markers": informal,
        "shouting": shouting,
        "tone_score": rounded(clamp(score)),
    }


def _trait_evidence(
    task_completion: float, nonsense: float, substance: float, grammar: float, measures: dict[str, dict[str, Any]]
) -> dict[str, float]:
    return {
        "reading_comprehension": rounded(task_completion * nonsense),
        "grammar": rounded(grammar * substance),
        "vocabulary": rounded(measures["vocabulary"]["vocabulary_score"] * substance),
        "organization": rounded(measures["organization"]["organization_score"] * substance),
        "voice_tone": rounded(measures["tone"]["tone_score"] * substance),
    }


def _explain(
    features: dict[str, Any],
    point_results: list[dict[str, Any]],
    language: dict[str, Any],
    vocabulary: dict[str, Any],
) -> dict[str, Any]:
    missing = [result["description"] or result["id"] for result in point_results if not result["covered"]]
    summary = [f"Covered {features['points_covered']} of {features['points_total']} points the task asks for."]
    if features["word_count"] == 0:
        summary = ["No answer was given."]
    elif features["word_count"] < features["min_words"]:
        summary.append(f"Too short: {features['word_count']} words (at least {features['min_words']} expected).")
    elif features["word_count"] > features["max_words"]:
        summary.append(f"Too long: {features['word_count']} words (at most {features['max_words']} expected).")
    if features["word_count"]:
        summary.append(
            f"{features['grammar_errors']} grammar and {features['spelling_errors']} spelling problems found."
        )
        summary.append(
            "Greeting: "
            + ("yes" if features["greeting"] else "missing")
            + "; closing: "
            + ("yes" if features["closing"] else "missing")
            + "."
        )
    return {
        "summary": " ".join(summary),
        "points": point_results,
        "missing_points": missing,
        "grammar_issues": language["issues"],
        "misspellings": language["misspellings"],
        "advanced_words": vocabulary["advanced_words"],
    }
