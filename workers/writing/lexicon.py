"""Offline English word list: spelling, British/American variants and word frequency.

Backed by pyspellchecker's bundled English frequency dictionary (no network at run time).
That dictionary is American; British spellings (colour, organise, centre, travelled) are
accepted by mapping them to the American form before the lookup.
"""

from __future__ import annotations

import functools
import re

from spellchecker import SpellChecker

from workers.writing.text import stem

_BRITISH_TO_AMERICAN = (
    (re.compile(r"isation(s?)$"), r"ization\1"),
    (re.compile(r"is(e|ed|es|ing|er|ers)$"), r"iz\1"),
    (re.compile(r"ys(e|ed|es|ing)$"), r"yz\1"),
    (re.compile(r"our(s|ed|ing|ite|ites|able|ful|less)?$"), r"or\1"),
    (re.compile(r"tre(s?)$"), r"ter\1"),
    (re.compile(r"ll(ed|ing|er|ers)$"), r"l\1"),
    (re.compile(r"ogue(s?)$"), r"og\1"),
    (re.compile(r"ence(s?)$"), r"ense\1"),
)


@functools.lru_cache(maxsize=1)
def _checker() -> SpellChecker:
    # distance=1 keeps suggestions fast (about 1 ms a word); they are only hints for teachers.
    return SpellChecker(language="en", distance=1, case_sensitive=False)


def _in_dictionary(word: str) -> bool:
    return word in _checker().word_frequency.dictionary


def american_variant(word: str) -> str:
    """The American spelling of a British-spelt word when the dictionary knows it, else the word."""
    lower = word.lower()
    if _in_dictionary(lower):
        return lower
    possessor = lower.removesuffix("'s")
    if possessor and possessor != lower:
        return american_variant(possessor) + "'s"
    for pattern, replacement in _BRITISH_TO_AMERICAN:
        candidate = pattern.sub(replacement, lower)
        if candidate != lower and _in_dictionary(candidate):
            return candidate
    return lower


def is_known_word(word: str) -> bool:
    lower = word.lower()
    if any(char.isdigit() for char in lower):
        return True
    lower = lower.removesuffix("'s")
    return _in_dictionary(lower) or _in_dictionary(american_variant(lower))


_APOSTROPHE_ENDINGS = ("t", "s", "re", "ll", "ve", "m", "d")


def suggestion(word: str) -> str | None:
    """The most likely intended word one edit away (or with its missing apostrophe), or None."""
    lower = word.lower()
    for ending in _APOSTROPHE_ENDINGS:
        with_apostrophe = f"{lower[: -len(ending)]}'{ending}"
        if lower.endswith(ending) and len(lower) > len(ending) + 1 and _in_dictionary(with_apostrophe):
            return with_apostrophe
    corrected = _checker().correction(lower)
    return corrected if corrected and corrected != lower else None


def word_count_in_corpus(word: str) -> int:
    """How often the dictionary's corpus uses the word (0 when unknown); a proxy for how common it is."""
    return _checker().word_frequency.dictionary.get(american_variant(word), 0)


def match_key(word: str) -> str:
    """The key two words must share to count as 'the same word' in content matching."""
    return stem(american_variant(word))
