"""Word-level alignment of an answer against a reference, telling spelling slips from wrong words."""

from __future__ import annotations

import functools
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from workers.writing.lexicon import american_variant

MATCH, SPELLING, WRONG, MISSING, EXTRA = "match", "spelling", "wrong_word", "missing", "extra"
# A spelling slip costs less than a wrong word, so the aligner pairs "tomorow" with "tomorrow"
# rather than calling one missing and the other extra.
_COSTS = {MATCH: 0.0, SPELLING: 0.5, WRONG: 1.0, MISSING: 1.0, EXTRA: 1.0}


@dataclass(frozen=True)
class AlignedWord:
    kind: str
    expected: str | None
    typed: str | None

    def to_dict(self) -> dict:
        return {"kind": self.kind, "expected": self.expected, "typed": self.typed}


def allowed_spelling_edits(word: str, edits_by_length: list[list[int]]) -> int:
    """Edits tolerated for a word of this length; the table is [[min_length, edits], ...] ascending."""
    allowed = 0
    for min_length, edits in edits_by_length:
        if len(word) >= min_length:
            allowed = edits
    return allowed


@functools.lru_cache(maxsize=65536)
def spelling_distance(typed: str, expected: str) -> int:
    """Edits (insert, delete, substitute, swap of neighbours) between two words; British = American."""
    if american_variant(typed) == american_variant(expected):
        return 0
    return OSA.distance(typed, expected)


def is_close_spelling(typed: str, expected: str, edits_by_length: list[list[int]]) -> bool:
    return 0 < spelling_distance(typed, expected) <= allowed_spelling_edits(expected, edits_by_length)


def _pair_kind(typed: str, expected: str, edits_by_length: list[list[int]]) -> str:
    if typed == expected or spelling_distance(typed, expected) == 0:
        return MATCH
    if is_close_spelling(typed, expected, edits_by_length):
        return SPELLING
    return WRONG


def align_words(expected: list[str], typed: list[str], edits_by_length: list[list[int]]) -> list[AlignedWord]:
    """Minimum-cost alignment; ties broken in a fixed order so the result is deterministic."""
    rows, cols = len(expected), len(typed)
    cost = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        cost[i][0] = i * _COSTS[MISSING]
    for j in range(1, cols + 1):
        cost[0][j] = j * _COSTS[EXTRA]
    kinds: dict[tuple[int, int], str] = {}
    for i in range(1, rows + 1):
        for j in range(1, cols + 1):
            kind = _pair_kind(typed[j - 1], expected[i - 1], edits_by_length)
            kinds[(i, j)] = kind
            cost[i][j] = min(
                cost[i - 1][j - 1] + _COSTS[kind], cost[i - 1][j] + _COSTS[MISSING], cost[i][j - 1] + _COSTS[EXTRA]
            )
    return _trace_back(cost, kinds, expected, typed)


def _trace_back(
    cost: list[list[float]], kinds: dict[tuple[int, int], str], expected: list[str], typed: list[str]
) -> list[AlignedWord]:
    aligned: list[AlignedWord] = []
    i, j = len(expected), len(typed)
    while i > 0 or j > 0:
        if i > 0 and j > 0 and cost[i][j] == cost[i - 1][j - 1] + _COSTS[kinds[(i, j)]]:
            aligned.append(AlignedWord(kinds[(i, j)], expected[i - 1], typed[j - 1]))
            i, j = i - 1, j - 1
        elif i > 0 and cost[i][j] == cost[i - 1][j] + _COSTS[MISSING]:
            aligned.append(AlignedWord(MISSING, expected[i - 1], None))
            i -= 1
        else:
            aligned.append(AlignedWord(EXTRA, None, typed[j - 1]))
            j -= 1
    aligned.reverse()
    return aligned


def count_kinds(aligned: list[AlignedWord]) -> dict[str, int]:
    counts = {MATCH: 0, SPELLING: 0, WRONG: 0, MISSING: 0, EXTRA: 0}
    for word in aligned:
        counts[word.kind] += 1
    return counts
