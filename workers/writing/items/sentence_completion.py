"""Sentence completion: the gap filled with an acceptable answer, with a stated spelling tolerance.

Answers are compared after normalisation (case, punctuation, contractions, digits). An answer
that is not acceptable but is a close misspelling of an acceptable one (within the config's
edits-by-length table) earns the config's partial credit, but only when the typed word is not
itself an English word: 'postpone' for 'postponed' is a grammar error, not a typo.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from workers.writing.alignment import is_close_spelling
from workers.writing.items.common import ItemScore, require_text, required_string_list, rounded
from workers.writing.lexicon import is_known_word
from workers.writing.text import normalized_phrase, normalized_words

if TYPE_CHECKING:
    from workers.writing.config import ScoringConfig

_GAP = re.compile(r"_{2,}|\[blank\]|\{blank\}", re.IGNORECASE)


def score(answer: str, item: dict[str, Any], _context: dict[str, Any], config: ScoringConfig) -> ItemScore:
    params = config.section("sentence_completion")
    sentence = require_text(item, "sentence")
    acceptable = required_string_list(item, "acceptable_answers")
    filled = _gap_fill(answer, sentence)
    credit, match_type, closest = _best_match(filled, acceptable, config)
    features = {"normalized_answer": filled, "match_type": match_type, "matched_answer": closest, "credit": credit}
    evidence = dict.fromkeys(params["trait_evidence"], credit)
    return ItemScore(
        score=rounded(credit),
        features=features,
        trait_evidence=evidence,
        explanation=_explain(answer, filled, match_type, closest, acceptable),
    )


def _gap_fill(answer: str, sentence: str) -> str:
    """The words that fill the gap; students sometimes retype the whole sentence around them."""
    typed = normalized_words(answer)
    gap = _GAP.search(sentence)
    if gap:
        before, after = normalized_words(sentence[: gap.start()]), normalized_words(sentence[gap.end() :])
        has_frame = typed[: len(before)] == before and (not after or typed[-len(after) :] == after)
        if has_frame and len(typed) > len(before) + len(after):
            typed = typed[len(before) : len(typed) - len(after)]
    return " ".join(typed)


def _best_match(filled: str, acceptable: list[str], config: ScoringConfig) -> tuple[float, str, str | None]:
    if not filled:
        return 0.0, "empty", None
    params = config.section("sentence_completion")
    normalized_acceptable = [normalized_phrase(option) for option in acceptable]
    for option, normalized in zip(acceptable, normalized_acceptable, strict=True):
        if filled == normalized:
            return 1.0, "exact", option
    for option, normalized in zip(acceptable, normalized_acceptable, strict=True):
        only_non_words = params["close_spelling_only_for_non_words"]
        if _is_tolerated_misspelling(filled, normalized, config, only_non_words=only_non_words):
            return float(params["close_spelling_credit"]), "close_spelling", option
    return 0.0, "wrong", None


def _is_tolerated_misspelling(filled: str, expected: str, config: ScoringConfig, *, only_non_words: bool) -> bool:
    typed_words, expected_words = filled.split(), expected.split()
    if len(typed_words) != len(expected_words):
        return False
    edits_table = config.section("spelling_tolerance")["edits_by_length"]
    differing = [(typed, wanted) for typed, wanted in zip(typed_words, expected_words, strict=True) if typed != wanted]
    for typed, wanted in differing:
        if not is_close_spelling(typed, wanted, edits_table):
            return False
        if only_non_words and is_known_word(typed):
            return False
    return bool(differing)


def _explain(answer: str, filled: str, match_type: str, closest: str | None, acceptable: list[str]) -> dict[str, Any]:
    summaries = {
        "exact": f"Correct: '{filled}' is an accepted answer.",
        "close_spelling": f"Partly correct: '{filled}' is a misspelling of the accepted answer '{closest}'.",
        "wrong": f"Not accepted: '{filled}' does not fit the gap.",
        "empty": "No answer was given.",
    }
    return {"summary": summaries[match_type], "your_answer": answer.strip()[:200], "accepted_answers": acceptable}
