"""Normalisation and word comparison, no audio."""

import pytest

from workers.scoring.features import CORRECT, MISSING, SUBSTITUTED, best_accepted_answer, compare_words
from workers.scoring.mapping import load_config, piecewise_linear
from workers.scoring.text import normalise, number_to_words


@pytest.mark.parametrize(
    ("written", "spoken"),
    [
        ("It's 25 past 3.", "it is twenty five past three"),
        ("We can't go; we won't!", "we can not go we will not"),
        ("I'm on the 2nd floor", "i am on the second floor"),
        ("They're 100% sure", "they are one hundred percent sure"),
        ("The class costs 1,250 rupees", "the class costs one thousand two hundred fifty rupees"),
        ("John's well-known book", "johns well known book"),
        ("\u201cHello,\u201d she said \u2014 twice.", "hello she said twice"),
        ("You'd like it, I've heard", "you would like it i have heard"),
    ],
)
def test_normalise_makes_written_and_spoken_forms_equal(written, spoken):
    assert normalise(written) == normalise(spoken) == spoken


def test_number_to_words():
    assert number_to_words(0) == "zero"
    assert number_to_words(19) == "nineteen"
    assert number_to_words(40) == "forty"
    assert number_to_words(2024) == "two thousand twenty four"
    assert number_to_words(1_000_001) == "one million one"


def test_compare_words_labels_each_expected_word():
    comparison = compare_words(["the", "cat", "sat", "on", "the", "mat"], ["the", "dog", "sat", "on", "mat"])
    statuses = [(w.expected, w.status) for w in comparison.words]
    assert statuses[:2] == [("the", CORRECT), ("cat", SUBSTITUTED)]
    assert ("the", MISSING) in statuses[3:] or ("mat", SUBSTITUTED) in statuses
    assert comparison.word_accuracy == pytest.approx(4 / 6)


def test_compare_words_with_nothing_heard():
    comparison = compare_words(["hello", "there"], [])
    assert [w.status for w in comparison.words] == [MISSING, MISSING]
    assert comparison.word_accuracy == 0.0


def test_insertions_lower_word_accuracy():
    comparison = compare_words(["go", "home"], ["go", "home", "now", "please"])
    assert comparison.inserted == ["now", "please"]
    assert comparison.word_accuracy == 0.0


JUNE_ANSWERS = ["June", "It is June", "the month of June"]


def test_best_accepted_answer_picks_the_closest():
    answer, comparison = best_accepted_answer(JUNE_ANSWERS, ["it", "is", "june"])
    assert answer == "It is June"
    assert comparison.word_accuracy == 1.0


def test_best_accepted_answer_prefers_the_shorter_answer_when_only_it_was_heard():
    answer, comparison = best_accepted_answer(JUNE_ANSWERS, ["june"])
    assert answer == "June"
    assert comparison.word_accuracy == 1.0


def test_best_accepted_answer_covers_most_of_a_repeated_response():
    # Every answer's floored word accuracy is 0 here; the one covering most of it must still win.
    heard = ["it", "is", "june", "it", "is", "june"]
    assert all(compare_words(a.lower().split(), heard).word_accuracy == 0.0 for a in JUNE_ANSWERS[:2])
    answer, comparison = best_accepted_answer(JUNE_ANSWERS, heard)
    assert answer == "It is June"
    assert comparison.count(CORRECT) == 3


def test_best_accepted_answer_ties_go_to_the_first_listed():
    assert best_accepted_answer(["in June", "on June"], ["june"])[0] == "in June"
    assert best_accepted_answer(["on June", "in June"], ["june"])[0] == "on June"
    assert best_accepted_answer(["June", "July"], ["august"])[0] == "June"


def test_piecewise_linear_is_flat_outside_and_linear_inside():
    points = [[0, 20], [1, 80]]
    assert piecewise_linear(-1, points) == 20
    assert piecewise_linear(0.5, points) == 50
    assert piecewise_linear(2, points) == 80


def test_config_has_weights_for_every_item_type():
    from workers.scoring import ITEM_TYPES

    for version in ("speech-v1", "speech-v2"):
        _check_weights(load_config(version), ITEM_TYPES)


def _check_weights(config: dict, item_types: tuple[str, ...]) -> None:
    for item_type in item_types:
        assert sum(config["overall_weights"][item_type].values()) == pytest.approx(1.0)
        assert item_type in config["prompt_with_expected_text"]
