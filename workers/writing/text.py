"""Text cleaning and normalisation shared by every item type.

Answers arrive from a browser: they may hold HTML from a rich-text box, curly quotes,
zero-width characters, non-breaking spaces and arbitrary length. Everything is reduced
to plain NFKC text first, so the scorers only see words.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

import snowballstemmer

from workers.english import (
    CONTRACTION_ENDINGS,
    S_IS_WORDS,
    STOPWORDS,
    WHOLE_WORD_CONTRACTIONS,
    number_to_words,
)

_LOOKS_LIKE_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?\s*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "tr",
        "table",
        "blockquote",
        "pre",
        "section",
        "article",
    }
)
_HIDDEN_TAGS = frozenset({"script", "style", "head", "title", "template"})
_CHARACTER_MAP = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "`": "'",
        "\u00b4": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
    }
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")

_STEMMER = snowballstemmer.stemmer("english")

# Written v1 expands "'s" after these ten words only ("when's" and "why's" stay as typed).
_S_IS_EXPANDED = S_IS_WORDS - {"when", "why"}
_CONTRACTIONS = {**WHOLE_WORD_CONTRACTIONS, **{f"{word}'s": f"{word} is" for word in sorted(_S_IS_EXPANDED)}}
_CONTRACTION_SUFFIXES = CONTRACTION_ENDINGS

# Numbers from here on stay as digits, in answers and references alike.
_FIRST_NUMBER_KEPT_AS_DIGITS = 100


@dataclass(frozen=True)
class CleanText:
    text: str
    truncated: bool
    had_html: bool


def clean_answer(raw: str, max_chars: int) -> CleanText:
    """Plain, NFKC-normalised text with HTML removed, capped at `max_chars` characters."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    had_html = bool(_LOOKS_LIKE_HTML.search(text))
    if had_html:
        text = strip_html(text)
    text = normalize_unicode(text)
    truncated = len(text) > max_chars
    return CleanText(text=text[:max_chars], truncated=truncated, had_html=had_html)


def normalize_unicode(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_CHARACTER_MAP)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\n\t" or category not in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append(char)
    text = "".join(kept).replace("\t", " ")
    text = re.sub(r"[ \u00a0]+", " ", text)
    return re.sub(r" *\n *", "\n", text).strip()


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:  # noqa: ARG002 - HTMLParser's API
        if tag in _HIDDEN_TAGS:
            self._hidden_depth += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_TAGS:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden_depth:
            self.parts.append(data)


def strip_html(text: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(text)
    extractor.close()
    plain = html.unescape("".join(extractor.parts))
    return re.sub(r"\n{3,}", "\n\n", plain)


def words(text: str) -> list[str]:
    """Word tokens as written (case kept), apostrophes inside words kept."""
    return _WORD.findall(text)


def expand_token(token: str) -> list[str]:
    """Lower-case a token and expand contractions and small numbers, so 'don't' == 'do not'."""
    lower = token.lower()
    if lower.isdigit():
        number = int(lower)
        return number_to_words(number).split() if number < _FIRST_NUMBER_KEPT_AS_DIGITS else [str(number)]
    if lower in _CONTRACTIONS:
        return _CONTRACTIONS[lower].split()
    for suffix, replacement in _CONTRACTION_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return (lower[: -len(suffix)] + replacement).split()
    return [lower]


def normalized_words(text: str) -> list[str]:
    """Comparison form: lower case, no punctuation, hyphens split, contractions and numbers expanded."""
    result: list[str] = []
    for token in words(text.replace("-", " ")):
        result.extend(expand_token(token))
    return result


def normalized_phrase(text: str) -> str:
    return " ".join(normalized_words(text))


_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "mr.", "mrs.", "ms.", "dr.", "vs.", "prof.", "no.", "approx.")


def sentences(text: str) -> list[str]:
    """Sentences split at . ! ? and line breaks, not after abbreviations such as 'e.g.' or 'Mr.'."""
    merged: list[str] = []
    for piece in _SENTENCE_END.split(text):
        part = piece.strip() if piece else ""
        if not part:
            continue
        if merged and merged[-1].lower().endswith(_ABBREVIATIONS):
            merged[-1] = f"{merged[-1]} {part}"
        else:
            merged.append(part)
    return merged


def stem(word: str) -> str:
    stemmed: str = _STEMMER.stemWord(word.lower())
    return stemmed


def is_content_word(word: str) -> bool:
    return word not in STOPWORDS and (len(word) > 1 or word.isdigit())


def content_words(normalized: list[str]) -> list[str]:
    return [word for word in normalized if is_content_word(word)]
