"""Measures of free writing shared by passage reconstruction and email writing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workers.writing import lexicon
from workers.writing.grammar import check_grammar, check_spelling
from workers.writing.items.common import clamp, rounded
from workers.writing.text import STOPWORDS, content_words, normalized_words, words

if TYPE_CHECKING:
    from workers.writing.config import ScoringConfig


def language_accuracy(text: str, allowed_words: frozenset[str], config: ScoringConfig) -> dict[str, Any]:
    """Grammar-rule hits and misspellings, each turned into a 0-1 score by errors per 100 words."""
    params = config.section("grammar")
    word_count = len(words(text))
    issues = check_grammar(text, params["enabled_rules"], params["max_sentence_words"])
    listed = params["max_listed_problems"]
    misspellings = check_spelling(text, allowed_words, listed)
    per_100 = 100.0 / max(word_count, 1)
    grammar_score = clamp(1 - len(issues) * per_100 / params["errors_per_100_words_for_zero"])
    spelling_score = clamp(1 - len(misspellings) * per_100 / params["spelling_errors_per_100_words_for_zero"])
    return {
        "grammar_errors": len(issues),
        "spelling_errors": len(misspellings),
        "grammar_score": rounded(grammar_score),
        "spelling_score": rounded(spelling_score),
        "issues": [issue.to_dict() for issue in issues[:listed]],
        "misspellings": [misspelling.to_dict() for misspelling in misspellings[:listed]],
    }


def grammar_trait(language: dict[str, Any], config: ScoringConfig) -> float:
    """Grammar-trait evidence: grammar-rule score blended with spelling score."""
    spelling_weight: float = config.section("grammar")["spelling_weight_in_grammar_trait"]
    grammar_score: float = language["grammar_score"]
    spelling_score: float = language["spelling_score"]
    return (1 - spelling_weight) * grammar_score + spelling_weight * spelling_score


def moving_average_type_token_ratio(tokens: list[str], window: int) -> float:
    """MATTR: type/token ratio averaged over sliding windows, so long texts are not penalised."""
    if not tokens:
        return 0.0
    if len(tokens) <= window:
        return len(set(tokens)) / len(tokens)
    ratios = [len(set(tokens[start : start + window])) / window for start in range(len(tokens) - window + 1)]
    return sum(ratios) / len(ratios)


_CALENDAR_WORDS = frozenset(
    [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ]
)
# Shorter words show no range, however rare the corpus says they are.
_MIN_ADVANCED_WORD_LETTERS = 4


def vocabulary_range(text: str, config: ScoringConfig, borrowed_words: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Diversity (MATTR) and sophistication (share of less common, correctly spelt content words).

    Words borrowed from the item's own text, calendar words and words under four letters do not
    count as sophisticated: copying 'appointment' from the prompt shows no range. Nor do the
    dictionary's rarest entries, which are mostly names and variant spellings ('mobil').
    """
    params = config.section("vocabulary")
    tokens = normalized_words(text)
    mattr = moving_average_type_token_ratio(tokens, params["mattr_window"])
    known_content = [
        word
        for word in content_words(tokens)
        if word.isalpha()
        and len(word) >= _MIN_ADVANCED_WORD_LETTERS
        and word not in borrowed_words
        and word not in _CALENDAR_WORDS
        and lexicon.is_known_word(word)
    ]
    advanced = {
        word
        for word in known_content
        if params["advanced_word_min_corpus_count"]
        <= lexicon.word_count_in_corpus(word)
        <= params["advanced_word_max_corpus_count"]
    }
    advanced_share = sum(1 for word in known_content if word in advanced) / max(len(known_content), 1)
    diversity = clamp((mattr - params["mattr_floor"]) / (params["mattr_ceiling"] - params["mattr_floor"]))
    sophistication = clamp(advanced_share / params["advanced_share_ceiling"])
    score = params["diversity_weight"] * diversity + params["sophistication_weight"] * sophistication
    return {
        "mattr": rounded(mattr),
        "advanced_word_share": rounded(advanced_share),
        "advanced_words": sorted(advanced)[:30],
        "vocabulary_score": rounded(score if tokens else 0.0),
    }


def known_word_share(text: str, allowed_words: frozenset[str]) -> float:
    """Share of words that are English words (or allowed names); low for keyboard mashing."""
    tokens = [token.lower() for token in words(text)]
    if not tokens:
        return 0.0
    known = sum(1 for token in tokens if token in allowed_words or lexicon.is_known_word(token))
    return known / len(tokens)


def allowed_words_from(*texts: str) -> frozenset[str]:
    """Words of the item's own texts (names, places), accepted as correctly spelt."""
    return frozenset(token.lower() for text in texts for token in words(text))


def function_word_share(text: str) -> float:
    """Share of function words (the, of, will...); English prose has 30-50%, a keyword dump has none."""
    tokens = normalized_words(text)
    return sum(1 for token in tokens if token in STOPWORDS) / len(tokens) if tokens else 0.0
