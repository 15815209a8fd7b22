"""Dictation: word-level edit distance against the dictated sentence.

Case and punctuation are ignored (they cannot be heard). Each typed word is aligned to the
sentence; a word within the spelling tolerance of its target is a spelling error, counted apart
from wrong, missing and extra words, and weighted lighter (config 'dictation.error_weights').
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workers.writing.alignment import EXTRA, MISSING, SPELLING, WRONG, align_words, count_kinds
from workers.writing.items.common import ItemScore, clamp, plural, require_text, rounded
from workers.writing.text import normalized_words

if TYPE_CHECKING:
    from workers.writing.alignment import AlignedWord
    from workers.writing.config import ScoringConfig


def score(answer: str, item: dict[str, Any], _context: dict[str, Any], config: ScoringConfig) -> ItemScore:
    weights = config.section("dictation")["error_weights"]
    max_words = config.section("limits")["max_aligned_words"]
    expected = normalized_words(require_text(item, "text"))[:max_words]
    typed_all = normalized_words(answer)
    typed = typed_all[: max(max_words, 2 * len(expected))]
    aligned = align_words(expected, typed, config.section("spelling_tolerance")["edits_by_length"])
    counts = count_kinds(aligned)
    counts[EXTRA] += len(typed_all) - len(typed)
    total = len(expected)
    weighted_errors = sum(weights[kind] * counts[kind] for kind in (SPELLING, WRONG, MISSING, EXTRA))
    word_errors = counts[WRONG] + counts[MISSING] + weights[EXTRA] * counts[EXTRA]
    features = {
        "expected_words": total,
        "typed_words": len(typed_all),
        "correct_words": counts["match"],
        "spelling_errors": counts[SPELLING],
        "wrong_words": counts[WRONG],
        "missing_words": counts[MISSING],
        "extra_words": counts[EXTRA],
        "word_error_rate": rounded((counts[SPELLING] + counts[WRONG] + counts[MISSING] + counts[EXTRA]) / total),
        "weighted_errors": rounded(weighted_errors),
    }
    item_score = rounded(clamp(1 - weighted_errors / total))
    evidence = {"grammar": rounded(clamp(1 - word_errors / total)), "vocabulary": item_score}
    return ItemScore(
        score=item_score, features=features, trait_evidence=evidence, explanation=_explain(aligned, features)
    )


def _explain(aligned: list[AlignedWord], features: dict[str, Any]) -> dict[str, Any]:
    def pairs(kind: str) -> list[dict]:
        return [{"expected": word.expected, "typed": word.typed} for word in aligned if word.kind == kind]

    missing = [word.expected for word in aligned if word.kind == MISSING]
    extra = [word.typed for word in aligned if word.kind == EXTRA]
    if not features["typed_words"]:
        summary = "No answer was given."
    else:
        summary = (
            f"{features['correct_words']} of {features['expected_words']} words correct; "
            f"{plural(features['spelling_errors'], 'spelling error')}, "
            f"{plural(features['wrong_words'], 'wrong word')}, "
            f"{plural(features['missing_words'], 'missing word')}, "
            f"{plural(features['extra_words'], 'extra word')}."
        )
    return {
        "summary": summary,
        "spelling_errors": pairs(SPELLING),
        "wrong_words": pairs(WRONG),
        "missing_words": missing,
        "extra_words": extra,
        "alignment": [word.to_dict() for word in aligned],
    }
