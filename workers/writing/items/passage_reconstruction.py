"""Passage reconstruction: how much of the source's content the answer recalls, in the candidate's words.

Content is compared on word stems of content words (British = American spelling). Key ideas come
from the item ('key_ideas', short phrases) or, failing that, from the passage's sentences; an idea
counts as recalled when at least 'idea_recall_threshold' of its content stems appear in the answer.
Answers are penalised when they are mostly non-words, mostly unrelated to the source, a bare list
of keywords (almost no function words), or much longer than the source.
"""

from __future__ import annotations

from collections import Counter
from itertools import pairwise
from typing import TYPE_CHECKING, Any

from workers.writing.items.common import ItemScore, clamp, optional_string_list, require_text, rounded
from workers.writing.lexicon import match_key
from workers.writing.quality import (
    allowed_words_from,
    function_word_share,
    grammar_trait,
    known_word_share,
    language_accuracy,
    vocabulary_range,
)
from workers.writing.text import content_words, normalized_words, sentences, words

if TYPE_CHECKING:
    from workers.writing.config import ScoringConfig

# Source order can only be judged between two recalled ideas.
_MIN_IDEAS_FOR_ORDER = 2


def score(answer: str, item: dict[str, Any], _context: dict[str, Any], config: ScoringConfig) -> ItemScore:
    params = config.section("passage_reconstruction")
    passage = require_text(item, "passage")
    ideas = optional_string_list(item, "key_ideas") or sentences(passage)
    allowed = allowed_words_from(passage)
    recall = _recall(answer, passage, ideas, params)
    factors = _penalty_factors(answer, passage, recall["on_source_share"], allowed, params)
    content_score = (
        params["idea_weight"] * recall["idea_recall"] + params["content_word_weight"] * recall["content_recall"]
    )
    content_score *= factors["nonsense"] * factors["off_topic"] * factors["over_length"] * factors["word_list"]
    language = language_accuracy(answer, allowed, config)
    vocabulary = vocabulary_range(answer, config)
    order = _order_score(recall["ideas"])
    evidence = _trait_evidence(
        content_score,
        factors,
        grammar=grammar_trait(language, config),
        language=language,
        vocabulary=vocabulary,
        order=order,
        params=params,
    )
    language_share = params["language_weight_in_item_score"]
    item_score = (1 - language_share) * content_score + language_share * (
        evidence["grammar"] + evidence["vocabulary"]
    ) / 2
    features = _features(
        answer,
        passage,
        recall=recall,
        factors=factors,
        content_score=content_score,
        order=order,
        language=language,
        vocabulary=vocabulary,
    )
    return ItemScore(
        score=rounded(item_score),
        features=features,
        trait_evidence=evidence,
        explanation=_explain(features, recall, passage, language),
    )


def _recall(answer: str, passage: str, ideas: list[str], params: dict) -> dict:
    source_keys, answer_keys = set(_content_keys(passage)), _content_keys(answer)
    idea_results = _idea_results(ideas, answer_keys, params)
    return {
        "ideas": idea_results,
        "idea_recall": sum(result["credit"] for result in idea_results) / len(ideas),
        "content_recall": len(source_keys & set(answer_keys)) / max(len(source_keys), 1),
        "on_source_share": sum(1 for key in answer_keys if key in source_keys) / max(len(answer_keys), 1),
        "missing_keys": source_keys - set(answer_keys),
    }


def _features(
    answer: str,
    passage: str,
    *,
    recall: dict[str, Any],
    factors: dict[str, float],
    content_score: float,
    order: float,
    language: dict[str, Any],
    vocabulary: dict[str, Any],
) -> dict[str, Any]:
    return {
        "answer_words": len(words(answer)),
        "passage_words": len(words(passage)),
        "ideas_total": len(recall["ideas"]),
        "ideas_recalled": sum(1 for result in recall["ideas"] if result["recalled"]),
        "idea_recall": rounded(recall["idea_recall"]),
        "content_word_recall": rounded(recall["content_recall"]),
        "answer_words_from_source": rounded(recall["on_source_share"]),
        "ideas_in_source_order": rounded(order),
        "content_score": rounded(content_score),
        **{f"{name}_factor": rounded(value) for name, value in factors.items()},
        **{key: value for key, value in language.items() if key not in ("issues", "misspellings")},
        **{key: value for key, value in vocabulary.items() if key != "advanced_words"},
    }


def _content_keys(text: str) -> list[str]:
    return [match_key(word) for word in content_words(normalized_words(text))]


def _idea_results(ideas: list[str], answer_keys: list[str], params: dict) -> list[dict]:
    """Per idea: the weighted share of its stems found; stems shared by several ideas weigh less."""
    idea_keys = [
        sorted(set(_content_keys(idea))) or sorted({match_key(w) for w in normalized_words(idea)}) for idea in ideas
    ]
    ideas_per_key = Counter(key for keys in idea_keys for key in keys)
    first_position: dict[str, int] = {}
    for position, key in enumerate(answer_keys):
        first_position.setdefault(key, position)
    threshold, exponent = params["idea_recall_threshold"], params["partial_idea_credit_exponent"]
    results = []
    for idea, keys in zip(ideas, idea_keys, strict=True):
        weights = {key: 1.0 / ideas_per_key[key] for key in keys}
        found = [key for key in keys if key in first_position]
        share = sum(weights[key] for key in found) / max(sum(weights.values()), 1e-9)
        recalled = share >= threshold
        positions = sorted(first_position[key] for key in found)
        results.append(
            {
                "idea": idea,
                "recalled": recalled,
                "share": rounded(share),
                "credit": rounded(1.0 if recalled else (share / threshold) ** exponent),
                "position": positions[len(positions) // 2] if positions else None,
            }
        )
    return results


def _penalty_factors(
    answer: str, passage: str, on_source_share: float, allowed: frozenset[str], params: dict[str, Any]
) -> dict[str, float]:
    known_share = known_word_share(answer, allowed)
    length_ratio = len(words(answer)) / max(len(words(passage)), 1)
    excess = max(0.0, length_ratio - params["max_length_ratio"])
    return {
        "nonsense": clamp(known_share / params["min_known_word_share"]),
        "word_list": clamp(function_word_share(answer) / params["min_function_word_share"]),
        "off_topic": clamp(on_source_share / params["min_source_word_share"]),
        "over_length": clamp(1 - excess * params["over_length_penalty_per_ratio"]),
        "substance": clamp(length_ratio / params["length_ratio_for_full_language_evidence"]),
    }


def _order_score(idea_results: list[dict]) -> float:
    """Share of consecutive recalled ideas that appear in the source's order (by median stem position)."""
    positions = [result["position"] for result in idea_results if result["recalled"]]
    if len(positions) < _MIN_IDEAS_FOR_ORDER:
        return 1.0 if positions else 0.0
    in_order = sum(1 for first, second in pairwise(positions) if first <= second)
    return in_order / (len(positions) - 1)


def _trait_evidence(
    content_score: float,
    factors: dict[str, float],
    *,
    grammar: float,
    language: dict[str, Any],
    vocabulary: dict[str, Any],
    order: float,
    params: dict[str, Any],
) -> dict[str, float]:
    substance = (
        factors["nonsense"]
        * factors["off_topic"]
        * factors["substance"]
        * factors["over_length"]
        * factors["word_list"]
    )
    spelling_weight, order_weight = params["spelling_weight_in_vocabulary"], params["order_weight_in_organization"]
    vocabulary_evidence = (1 - spelling_weight) * vocabulary["vocabulary_score"] + spelling_weight * language[
        "spelling_score"
    ]
    return {
        "reading_comprehension": rounded(content_score),
        "grammar": rounded(grammar * substance),
        "vocabulary": rounded(vocabulary_evidence * substance),
        "organization": rounded(content_score * (1 - order_weight + order_weight * order)),
    }


def _explain(
    features: dict[str, Any], recall: dict[str, Any], passage: str, language: dict[str, Any]
) -> dict[str, Any]:
    idea_results, missing_keys = recall["ideas"], recall["missing_keys"]
    missed = [result["idea"] for result in idea_results if not result["recalled"]]
    partly = [result["idea"] for result in idea_results if not result["recalled"] and result["share"] > 0]
    missing_words = sorted(
        {word for word in content_words(normalized_words(passage)) if match_key(word) in missing_keys}
    )
    summary = (
        f"Recalled {features['ideas_recalled']} of {features['ideas_total']} key ideas and "
        f"{features['content_word_recall']:.0%} of the passage's content words."
    )
    notes = []
    if features["nonsense_factor"] < 1:
        notes.append("Many words are not English words.")
    if features["off_topic_factor"] < 1:
        notes.append("Most of the answer is unrelated to the passage.")
    if features["word_list_factor"] < 1 and features["answer_words"]:
        notes.append("The answer is a list of words rather than sentences.")
    if features["over_length_factor"] < 1:
        notes.append("The answer is much longer than the passage.")
    if features["answer_words"] == 0:
        notes.append("No answer was given.")
    return {
        "summary": " ".join([summary, *notes]),
        "missed_ideas": missed,
        "partly_recalled_ideas": partly,
        "missing_content_words": missing_words,
        "grammar_issues": language["issues"],
        "misspellings": language["misspellings"],
    }
