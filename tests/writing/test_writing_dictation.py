"""Dictation: word-level edit distance; spelling errors counted apart from missing words."""

from __future__ import annotations

from tests.writing.samples import DICTATION_ITEM, DICTATION_VARIANTS
from workers.writing import score_written_answer


def dictate(answer: str, text: str | None = None) -> dict:
    item = {"text": text} if text else DICTATION_ITEM
    return score_written_answer("dictation", answer, item)


def counts(result: dict) -> tuple[int, int, int, int]:
    features = result["features"]
    return features["spelling_errors"], features["wrong_words"], features["missing_words"], features["extra_words"]


def test_graded_variants_in_teacher_order():
    scores = [dictate(answer)["score"] for answer in DICTATION_VARIANTS.values()]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] == 1.0
    assert scores[1] > scores[2] > scores[3]
    assert scores[-1] == 0.0
    assert len(set(scores[:4])) == 4


def test_a_misspelt_word_is_a_spelling_error_not_a_missing_word():
    result = dictate("Please send the final reprot to the manager by Friday afternoon.")
    assert counts(result) == (1, 0, 0, 0)
    assert result["explanation"]["spelling_errors"] == [{"expected": "report", "typed": "reprot"}]
    assert result["explanation"]["missing_words"] == []


def test_dropped_words_are_missing_not_spelling():
    result = dictate("Please send the report to the manager by Friday.")
    assert counts(result) == (0, 0, 2, 0)
    assert result["explanation"]["missing_words"] == ["final", "afternoon"]


def test_spelling_and_missing_in_one_answer_are_counted_separately():
    result = dictate("Plese send the final report to manager by Friday afternon.")
    assert counts(result) == (2, 0, 1, 0)
    assert {pair["typed"] for pair in result["explanation"]["spelling_errors"]} == {"plese", "afternon"}
    assert result["explanation"]["missing_words"] == ["the"]


def test_spelling_errors_cost_less_than_missing_words():
    assert (
        dictate("Please send the final reprot to the manager by Friday afternoon.")["score"]
        > dictate("Please send the final to the manager by Friday afternoon.")["score"]
    )


def test_wrong_and_extra_words():
    result = dictate("Please send the final letter to the new manager by Friday afternoon.")
    assert counts(result) == (0, 1, 0, 1)
    assert result["explanation"]["wrong_words"] == [{"expected": "report", "typed": "letter"}]
    assert result["explanation"]["extra_words"] == ["new"]


def test_case_punctuation_contractions_numbers_and_british_spelling_are_not_errors():
    assert dictate("please send the final report to the manager by friday afternoon")["score"] == 1.0
    assert dictate("Don't forget the 5 forms.", "Do not forget the five forms.")["score"] == 1.0
    assert dictate("We organise the centre's colour scheme.", "We organize the center's color scheme.")["score"] == 1.0


def test_word_error_rate_and_alignment_are_reported():
    result = dictate(DICTATION_VARIANTS["several_missing"])
    assert 0 < result["features"]["word_error_rate"] <= 1
    kinds = {entry["kind"] for entry in result["explanation"]["alignment"]}
    assert kinds == {"match", "missing"}


def test_a_flood_of_extra_words_scores_zero_and_stays_fast():
    result = dictate("report " * 2500)
    assert result["score"] == 0.0
    assert result["features"]["extra_words"] == 2500 - 11
