"""Text normalisation shared by expected texts and transcripts.

"It's 25 past 3." and "it is twenty five past three" must compare equal:
lower case, contractions expanded, numbers spelled out, punctuation dropped.
"""

from __future__ import annotations

import re

import syllapy

from workers.english import (
    CONTRACTION_ENDINGS,
    FUNCTION_WORDS,
    NUMBER_WORDS,
    S_IS_WORDS,
    WHOLE_WORD_CONTRACTIONS,
    number_to_words,
)

_MAX_SPELLED_DIGITS = 9  # number_to_words goes below 10**9; longer numbers are read digit by digit
_ORDINAL_ENDINGS = {
    "one": "first",
    "two": "second",
    "three": "third",
    "five": "fifth",
    "eight": "eighth",
    "nine": "ninth",
    "twelve": "twelfth",
}

# The whole-word contractions, and two more a transcript has.
_CONTRACTIONS = {**WHOLE_WORD_CONTRACTIONS, "y'all": "you all", "o'clock": "oclock"}
_SYMBOLS = {"%": " percent ", "&": " and ", "+": " plus ", "@": " at "}


def _ordinal(words: str) -> str:
    *head, last = words.split()
    if last in _ORDINAL_ENDINGS:
        last = _ORDINAL_ENDINGS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return " ".join([*head, last])


def _spell_number(match: re.Match) -> str:
    digits, fraction, suffix = match.group(1).replace(",", ""), match.group(2), match.group(3)
    if len(digits) > _MAX_SPELLED_DIGITS:
        return " ".join(NUMBER_WORDS[int(d)] for d in digits)
    words = number_to_words(int(digits))
    if fraction:
        words += " point " + " ".join(NUMBER_WORDS[int(d)] for d in fraction)
    if suffix:
        words = _ordinal(words)
    return f" {words} "


def _expand_contraction(word: str) -> str:
    if word in _CONTRACTIONS:
        return _CONTRACTIONS[word]
    if word.endswith("'s") and word[:-2] in S_IS_WORDS:
        return word[:-2] + " is"
    for ending, replacement in CONTRACTION_ENDINGS:
        if word.endswith(ending) and len(word) > len(ending):
            return word[: -len(ending)] + replacement
    return word


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces; see the module docstring."""
    text = text.lower().replace("\u2019", "'").replace("\u2018", "'")
    for symbol, word in _SYMBOLS.items():
        text = text.replace(symbol, word)
    text = re.sub(r"(\d[\d,]*)(?:\.(\d+))?(st|nd|rd|th)?\b", _spell_number, text)
    text = re.sub(r"[-\u2013\u2014/]", " ", text)
    words = [_expand_contraction(w.strip("'")) for w in re.sub(r"[^a-z' ]+", " ", text).split()]
    # A possessive or plural apostrophe ("john's", "students'") is dropped, not expanded.
    return " ".join(w.replace("'", "") for w in " ".join(words).split() if w.strip("'"))


def syllable_count(words: list[str]) -> int:
    """Syllables in normalised words: syllapy's dictionary of English words, its rules for the
    rest, and at least one a word (a name it does not know is still said).
    """
    return sum(max(1, syllapy.count(word)) for word in words)


# Function words are not counted for Vocabulary (which looks at content words).
STOPWORDS = FUNCTION_WORDS


def content_words(words: list[str]) -> list[str]:
    return [w for w in words if w not in STOPWORDS]


_STEM_ENDINGS = (("ies", "y"), ("ied", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""))
_MIN_STEM = 3
_UNDOUBLE = re.compile(r"([bgmnprt])\1$")  # running -> runn -> run, stopped -> stopp -> stop


def light_stem(word: str) -> str:
    """A light, dependency-free stem for matching a retelling against a story.

    Drops one ending ("ies"/"ied" -> "y", "ing", "ed", "es", "s"; never "ss"), keeping at least
    three letters, undoubles a final consonant after "ing"/"ed", then drops a final "e": close,
    closes, closed and closing all give "clos". Irregular forms (made, went) are not matched.
    """
    stripped = False
    for ending, replacement in _STEM_ENDINGS:
        if word.endswith(ending) and not word.endswith("ss") and len(word) - len(ending) >= _MIN_STEM:
            word = word[: -len(ending)] + replacement
            stripped = ending in {"ing", "ed"}
            break
    if stripped:
        word = _UNDOUBLE.sub(r"\1", word)
    if word.endswith("e") and len(word) > _MIN_STEM:
        word = word[:-1]
    return word


def split_sentences(text: str) -> list[str]:
    """Sentences of a story: split after ".", "!" or "?" followed by white space."""
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if normalise(s)]
