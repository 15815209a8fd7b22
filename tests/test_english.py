"""The English text both engines use is written once (workers/english.py); what each engine's
scoring version adds on top is its own and stays as it was."""

from __future__ import annotations

import pytest

from workers import english
from workers.scoring import text as speech_text
from workers.writing import text as writing_text

pytestmark = pytest.mark.unit


def test_there_is_one_number_speller_and_one_stopword_source():
    assert speech_text.number_to_words is english.number_to_words
    assert writing_text.number_to_words is english.number_to_words
    assert speech_text.STOPWORDS is english.FUNCTION_WORDS
    assert writing_text.STOPWORDS is english.STOPWORDS
    assert english.FUNCTION_WORDS < english.STOPWORDS


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (0, "zero"),
        (19, "nineteen"),
        (40, "forty"),
        (123, "one hundred twenty three"),
        (2024, "two thousand twenty four"),
    ],
)
def test_numbers_are_spelled_as_people_say_them(number, words):
    assert english.number_to_words(number) == words


def test_numbers_outside_the_spelled_range_are_refused():
    for number in (-1, 10**9):
        with pytest.raises(ValueError, match=str(number)):
            english.number_to_words(number)


def test_each_engine_keeps_its_own_rule_on_top():
    """A transcript's numbers are all spelled out; a typed answer keeps 100 and above as digits
    (written v1), and its "'s" expansion covers ten words, not "when's"/"why's"."""
    assert speech_text.normalise("It's 123, when's it?") == "it is one hundred twenty three when is it"
    assert writing_text.normalized_words("It's 123, when's it?") == ["it", "is", "123", "when's", "it"]
    assert writing_text.normalized_words("I've 99") == ["i", "have", "ninety", "nine"]
