"""Offline grammar and spelling checks for free writing.

No maintained grammar checker installs here without fetching something at run time
(LanguageTool downloads a Java server), so grammar is a fixed set of rules for errors
that learners make often and that a pattern can detect with few false alarms. Each rule
has an id; the config says which rules are active. Spelling uses the bundled English
dictionary (see lexicon.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workers.writing import lexicon
from workers.writing.text import sentences, words

_EMAIL_OR_URL = re.compile(r"\S+@\S+|\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)
_MODALS = frozenset(["can", "could", "will", "would", "should", "must", "might", "may", "shall"])
_THIRD_PERSON = frozenset(["he", "she", "it"])
_PLURAL_PERSONS = frozenset(["they", "we", "you"])
_QUESTION_OR_CAUSATIVE = frozenset(
    [
        "does",
        "did",
        "do",
        "will",
        "would",
        "can",
        "could",
        "should",
        "shall",
        "may",
        "might",
        "must",
        "to",
        "let",
        "make",
        "makes",
        "made",
        "help",
        "helps",
        "doesn't",
        "didn't",
        "don't",
        "won't",
        "can't",
        "couldn't",
        "wouldn't",
        "shouldn't",
    ]
)
_PAST_ONLY_FORMS = frozenset(
    [
        "went",
        "came",
        "saw",
        "took",
        "gave",
        "wrote",
        "ate",
        "began",
        "broke",
        "chose",
        "drove",
        "forgot",
        "knew",
        "spoke",
        "did",
        "was",
        "were",
        "bought",
        "brought",
        "thought",
        "taught",
        "caught",
        "sent",
        "told",
    ]
)
_AFTER_TO_PAST_FORMS = frozenset(
    [
        "went",
        "came",
        "saw",
        "took",
        "gave",
        "wrote",
        "ate",
        "began",
        "broke",
        "chose",
        "drove",
        "forgot",
        "knew",
        "spoke",
    ]
)
_A_BEFORE_VOWEL_LETTER = ("uni", "use", "usu", "uti", "eu", "one", "once", "ubiq", "ura", "ure", "uro")
_AN_BEFORE_CONSONANT_LETTER = ("hour", "honest", "honor", "honour", "heir", "herb")
_COMPARATIVES = frozenset(
    [
        "more",
        "less",
        "better",
        "worse",
        "rather",
        "other",
        "bigger",
        "smaller",
        "faster",
        "greater",
        "higher",
        "lower",
        "larger",
        "longer",
        "shorter",
        "easier",
        "harder",
        "cheaper",
        "earlier",
        "later",
    ]
)
_DOUBLE_COMPARATIVES = frozenset(
    [
        "more better",
        "more worse",
        "more easier",
        "more bigger",
        "more faster",
        "more cheaper",
        "most best",
        "most worst",
        "more harder",
        "more smaller",
    ]
)
_REPEAT_ALLOWED = frozenset(["that", "had", "very", "no", "bye", "ha"])
# Shorter lines are greetings, sign-offs and headings, which need no end punctuation.
_MIN_WORDS_FOR_END_PUNCTUATION = 6

_MESSAGES = {
    "sentence_start_lowercase": "A sentence should start with a capital letter.",
    "lowercase_i": "Write the pronoun 'I' as a capital letter.",
    "repeated_word": "The same word is written twice in a row.",
    "article_a_an": "Use 'an' before a vowel sound and 'a' before a consonant sound.",
    "subject_verb_agreement": "The verb does not agree with its subject.",
    "modal_followed_by_to": "A modal verb (can, should, must...) is followed by the base verb, without 'to'.",
    "verb_form_after_auxiliary": "After a modal verb, 'to' or 'did', use the base form of the verb.",
    "could_of": "Write 'could have' / 'should have', not 'could of'.",
    "double_comparative": "Use one comparative only (e.g. 'better', not 'more better').",
    "confused_words": "These words are often confused.",
    "then_than": "Use 'than' for comparisons.",
    "missing_end_punctuation": "A sentence should end with a full stop, question mark or exclamation mark.",
    "run_on_sentence": "Very long sentence; split it into shorter ones.",
}


@dataclass(frozen=True)
class Issue:
    rule: str
    text: str

    def to_dict(self) -> dict:
        return {"rule": self.rule, "text": self.text, "message": _MESSAGES[self.rule]}


def check_grammar(text: str, enabled_rules: list[str], max_sentence_words: int) -> list[Issue]:
    """Rule hits in reading order; deterministic."""
    text = _EMAIL_OR_URL.sub(" ", text)
    issues: list[Issue] = []
    for sentence in sentences(text):
        tokens = words(sentence)
        if not tokens:
            continue
        issues.extend(_sentence_issues(tokens, max_sentence_words))
    issues.extend(_line_issues(text))
    return [issue for issue in issues if issue.rule in enabled_rules]


def _sentence_issues(tokens: list[str], max_sentence_words: int) -> list[Issue]:
    issues: list[Issue] = []
    first = tokens[0]
    if first[0].isalpha() and first[0].islower() and first.lower() not in ("i", "e", "etc", "ps"):
        issues.append(Issue("sentence_start_lowercase", first))
    if len(tokens) > max_sentence_words:
        issues.append(Issue("run_on_sentence", " ".join(tokens[:8]) + " ..."))
    issues.extend(_token_issues(tokens))
    return issues


def _token_issues(tokens: list[str]) -> list[Issue]:
    issues: list[Issue] = []
    lower = [token.lower() for token in tokens]
    for index, token in enumerate(tokens):
        if token in ("i", "i'm", "i've", "i'll", "i'd"):
            issues.append(Issue("lowercase_i", token))
        if index == 0:
            continue
        previous, current = lower[index - 1], lower[index]
        before = lower[index - 2] if index > 1 else ""
        pair = f"{tokens[index - 1]} {token}"
        rule = _pair_rule(before, previous, current, token)
        if rule:
            issues.append(Issue(rule, pair))
    return issues


def _pair_rule(before: str, previous: str, current: str, current_as_written: str) -> str | None:
    """The first rule the word pair breaks, checked in a fixed order."""
    return (
        _repeat_or_article_rule(previous, current, current_as_written)
        or _verb_rule(before, previous, current)
        or _word_choice_rule(previous, current)
    )


def _repeat_or_article_rule(previous: str, current: str, current_as_written: str) -> str | None:
    if previous == current and current not in _REPEAT_ALLOWED and current.isalpha():
        return "repeated_word"
    if previous in ("a", "an") and _wrong_article(previous, current, current_as_written):
        return "article_a_an"
    return None


def _verb_rule(before: str, previous: str, current: str) -> str | None:
    if _disagrees(before, previous, current):
        return "subject_verb_agreement"
    if previous in _MODALS and current == "to":
        return "modal_followed_by_to"
    if (previous in _MODALS or previous in ("did", "didn't", "does", "doesn't")) and current in _PAST_ONLY_FORMS:
        return "verb_form_after_auxiliary"
    if previous == "to" and current in _AFTER_TO_PAST_FORMS:
        return "verb_form_after_auxiliary"
    if previous in ("could", "should", "would", "must", "might") and current == "of":
        return "could_of"
    return None


def _word_choice_rule(previous: str, current: str) -> str | None:
    if f"{previous} {current}" in _DOUBLE_COMPARATIVES:
        return "double_comparative"
    if previous in _COMPARATIVES and current == "then":
        return "then_than"
    if _confused(previous, current):
        return "confused_words"
    return None


def _wrong_article(article: str, word: str, as_written: str) -> bool:
    if not word[:1].isalpha() or (as_written.isupper() and len(as_written) > 1):
        return False  # numbers and acronyms ("an MBA") depend on how they are read aloud
    starts_with_vowel = word[0] in "aeiou"
    if article == "a":
        return starts_with_vowel and not word.startswith(_A_BEFORE_VOWEL_LETTER)
    return not starts_with_vowel and not word.startswith(_AN_BEFORE_CONSONANT_LETTER)


def _disagrees(before: str, subject: str, verb: str) -> bool:
    if before in _QUESTION_OR_CAUSATIVE or before in ("if", "wish", "thank"):
        return False
    if subject in _THIRD_PERSON:
        return verb in ("have", "don't", "are")
    if subject == "i":
        return verb in ("is", "has", "does", "doesn't")
    if subject in _PLURAL_PERSONS:
        return verb in ("is", "has", "does", "doesn't", "was")
    return False


def _confused(previous: str, current: str) -> bool:
    if previous == "their" and current in ("is", "are", "was", "were"):
        return True
    if previous == "your" and current == "welcome":
        return True
    return previous == "its" and current in ("a", "an", "the", "not", "very", "been", "going")


def _line_issues(text: str) -> list[Issue]:
    issues = []
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if len(words(line)) >= _MIN_WORDS_FOR_END_PUNCTUATION and line[-1] not in ".!?:;,\"')":
            issues.append(Issue("missing_end_punctuation", line[-40:]))
    return issues


@dataclass(frozen=True)
class Misspelling:
    word: str
    suggestion: str | None

    def to_dict(self) -> dict:
        return {"word": self.word, "suggestion": self.suggestion}


def check_spelling(text: str, allowed_words: frozenset[str], max_suggestions: int = 50) -> list[Misspelling]:
    """Unknown lower-case words. Capitalised words are taken as names and not judged.

    Only the first `max_suggestions` get a suggestion: finding one costs about a millisecond,
    and keyboard mashing can hold thousands of unknown words.
    """
    text = _EMAIL_OR_URL.sub(" ", text)
    found: list[Misspelling] = []
    for token in words(text):
        if not _should_check(token, allowed_words) or lexicon.is_known_word(token):
            continue
        hint = lexicon.suggestion(token) if len(found) < max_suggestions else None
        found.append(Misspelling(token, hint))
    return found


def _should_check(token: str, allowed_words: frozenset[str]) -> bool:
    if token[0].isupper() or any(char.isdigit() for char in token):
        return False
    if not token.replace("'", "").isascii():
        return False  # the dictionary is English; words in other scripts are judged elsewhere
    return token.lower() not in allowed_words
