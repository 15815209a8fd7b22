"""Passage reconstruction: how much of the source's content the answer recalls, in the candidate's words.

Content is compared on word stems of content words (British = American spelling). Key ideas come
from the item ('key_ideas', short phrases) or, failing that, from the passage's sentences; an idea
counts as recalled when at least 'idea_recall_threshold' of its content stems appear in the answer.
Answers are penalised when they are mostly non-words, mostly unrelated to the source, a bare list
of keywords (almost no function words), or much longer than the source. From writing-v2 on
('verbatim_copying' in the config) they are also penalised when they copy the passage word for word:
the student is meant to rewrite it from memory, and memory rarely reproduces long runs verbatim.
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
    copying = _verbatim_copying(answer, passage, params.get("verbatim_copying"))
    if copying is not None:
        factors["copying"] = copying["factor"]
    content_score = (
        params["idea_weight"] * recall["idea_recall"] + params["content_word_weight"] * recall["content_recall"]
    )
    content_score *= factors["nonsense"] * factors["off_topic"] * factors["over_length"] * factors["word_list"]
    if copying is not None:
        content_score *= factors["copying"]
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
    if copying is not None:  # writing-v2 on; writing-v1 results keep their exact shape
        features.update({key: value for key, value in copying.items() if key != "factor"})
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


def _verbatim_copying(answer: str, passage: str, params: dict[str, Any] | None) -> dict[str, Any] | None:
    """How much of the answer is the passage word for word, and the factor that penalises it.

    None when the scoring version has no 'verbatim_copying' parameters (writing-v1).
    """
    if params is None:
        return None
    answer_words, passage_words = normalized_words(answer), normalized_words(passage)
    copied, reproduced, longest = verbatim_runs(answer_words, passage_words, params["min_run_words"])
    answer_share = copied / max(len(answer_words), 1)
    passage_share = reproduced / max(len(passage_words), 1)
    # Both must be high: one sentence remembered exactly is not a copy of the passage.
    share = min(answer_share, passage_share)
    start, full, floor = params["copying_share"], params["full_penalty_share"], params["min_factor"]
    excess = 0.0 if share <= start else clamp((share - start) / max(full - start, 1e-9))
    return {
        "verbatim_answer_share": rounded(answer_share),
        "verbatim_passage_share": rounded(passage_share),
        "verbatim_share": rounded(share),
        "longest_verbatim_run": longest,
        "copying_detected": share > start,
        "factor": 1.0 - (1.0 - floor) * excess,
    }


def verbatim_runs(answer_words: list[str], passage_words: list[str], min_run: int) -> tuple[int, int, int]:
    """(answer words, passage words) lying in a common run of >= min_run consecutive words, and the longest run.

    Dynamic programming over common suffix lengths, visiting only the passage positions that hold
    each answer word, so it is linear in practice.
    """
    positions: dict[str, list[int]] = {}
    for index, word in enumerate(passage_words):
        positions.setdefault(word, []).append(index)
    in_answer, in_passage = [False] * len(answer_words), [False] * len(passage_words)
    longest = 0
    previous: dict[int, int] = {}
    for i, word in enumerate(answer_words):
        current = {j: previous.get(j - 1, 0) + 1 for j in positions.get(word, ())}
        for j, length in current.items():
            longest = max(longest, length)
            if length == min_run:  # the run just became long enough: mark all of it
                in_answer[i - length + 1 : i + 1] = [True] * length
                in_passage[j - length + 1 : j + 1] = [True] * length
            elif length > min_run:
                in_answer[i] = in_passage[j] = True
        previous = current
    return sum(in_answer), sum(in_passage), longest


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
    if "copying" in factors:  # copied text shows the passage's grammar and words, not the student's
        substance *= factors["copying"]
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
    if features.get("copying_detected"):
        notes.append(
            f"{features['verbatim_answer_share']:.0%} of the answer repeats the passage word for word; "
            "the task is to rewrite it from memory, so the score is reduced."
        )
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
