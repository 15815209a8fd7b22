"""Typing: speed (words per minute) and accuracy against the passage, with the validity gate.

A 'word' is five characters, spaces included (the usual typing-test convention), so speed does
not depend on how long the passage's words are. Accuracy is character-level and strict about
case and punctuation: 1 - edit distance / length, against the part of the passage the candidate
reached (the passage prefix that matches the typed text best), since few finish in time.
The item score (not used by any subscore) is min(1, wpm / target_wpm) x accuracy.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rapidfuzz.distance import Levenshtein

from workers.writing.errors import INVALID_CONTEXT, WritingScoringError
from workers.writing.items.common import ItemScore, clamp, optional_positive_number, require_text, rounded
from workers.writing.text import normalize_unicode

if TYPE_CHECKING:
    from workers.writing.config import ScoringConfig

# About two words either side: how far from the typed length a word boundary may be to count
# as where the candidate stopped.
_BOUNDARY_WINDOW_CHARS = 12


def score(answer: str, item: dict[str, Any], context: dict[str, Any], config: ScoringConfig) -> ItemScore:
    params = config.section("typing")
    passage = _collapse_spaces(normalize_unicode(require_text(item, "passage")))
    typed = _collapse_spaces(answer)
    seconds = _elapsed_seconds(item, context)
    reference = _reached_prefix(passage, typed)
    accuracy = _accuracy(typed, reference)
    wpm = (len(typed) / params["characters_per_word"]) / (seconds / 60.0)
    reasons = _gate(typed, wpm, accuracy, params)
    features = {
        "elapsed_seconds": rounded(seconds, 2),
        "characters_typed": len(typed),
        "passage_characters": len(passage),
        "characters_compared": len(reference),
        "edit_distance": Levenshtein.distance(typed, reference),
        "wpm": rounded(wpm, 1),
        "correct_wpm": rounded(wpm * accuracy, 1),
        "accuracy": rounded(accuracy),
        "completed_passage": len(reference) == len(passage) and bool(typed),
        "implausibly_fast": wpm > params["implausible_wpm"],
    }
    return ItemScore(
        score=rounded(clamp(wpm / params["target_wpm"]) * accuracy),
        features=features,
        trait_evidence={},
        explanation=_explain(typed, reference, features, reasons, params),
        reportable=not reasons,
        not_reportable_reasons=reasons,
    )


def _collapse_spaces(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _elapsed_seconds(item: dict, context: dict) -> float:
    seconds = optional_positive_number(context, "elapsed_seconds", is_context=True)
    seconds = seconds or optional_positive_number(item, "time_limit_seconds")
    if seconds is None:
        raise WritingScoringError(
            INVALID_CONTEXT,
            "Typing needs elapsed_seconds (or the item's time_limit_seconds).",
            {"field": "elapsed_seconds"},
        )
    return seconds


def _reached_prefix(passage: str, typed: str) -> str:
    """The passage prefix closest to what was typed: same length, or ending at a nearby word boundary."""
    if not typed:
        return ""
    if len(typed) >= len(passage):
        return passage
    boundaries = [match.start() for match in re.finditer(" ", passage)] + [len(passage)]
    candidates = {len(typed)} | {end for end in boundaries if abs(end - len(typed)) <= _BOUNDARY_WINDOW_CHARS}
    return min(
        (passage[:end] for end in sorted(candidates)),
        key=lambda prefix: (Levenshtein.distance(typed, prefix), len(prefix)),
    )


def _accuracy(typed: str, reference: str) -> float:
    if not typed:
        return 0.0
    return 1.0 - Levenshtein.distance(typed, reference) / max(len(reference), len(typed))


def _gate(typed: str, wpm: float, accuracy: float, params: dict) -> list[str]:
    if not typed:
        return ["no_typing"]
    reasons = []
    if wpm < params["min_wpm"]:
        reasons.append("typing_speed_below_minimum")
    if accuracy < params["min_accuracy"]:
        reasons.append("typing_accuracy_below_minimum")
    return reasons


def _word_errors(typed: str, reference: str, limit: int) -> list[dict]:
    typed_words, reference_words = typed.split(" "), reference.split(" ")
    errors: list[dict] = []
    for opcode in Levenshtein.opcodes(reference_words, typed_words):
        if opcode.tag == "equal":
            continue
        errors.append(
            {
                "kind": {"replace": "mistyped", "delete": "missing", "insert": "extra"}[opcode.tag],
                "expected": " ".join(reference_words[opcode.src_start : opcode.src_end]) or None,
                "typed": " ".join(typed_words[opcode.dest_start : opcode.dest_end]) or None,
            }
        )
    return errors[:limit]


def _explain(typed: str, reference: str, features: dict, reasons: list[str], params: dict) -> dict:
    summary = (
        f"Typed {features['characters_typed']} characters in {features['elapsed_seconds']:g} s: "
        f"{features['wpm']:g} words per minute at {features['accuracy']:.0%} accuracy."
    )
    if reasons:
        summary += (
            f" Not reportable: the Writing Test needs at least {params['min_wpm']} words per minute "
            f"and {params['min_accuracy']:.0%} accuracy."
        )
    return {
        "summary": summary,
        "word_errors": _word_errors(typed, reference, params["max_listed_errors"]),
        "reasons": reasons,
    }
