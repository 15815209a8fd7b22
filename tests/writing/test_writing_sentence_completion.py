"""Sentence completion: accepted answers after normalisation, then the stated spelling tolerance."""

from __future__ import annotations

import pytest

from tests.writing.samples import SENTENCE_ITEM
from workers.writing import WritingScoringError, load_config, score_written_answer


def complete(answer: str, item: dict = SENTENCE_ITEM) -> dict:
    return score_written_answer("sentence_completion", answer, item)


def test_graded_answers_in_teacher_order():
    exact, typo, wrong, empty = (complete(answer) for answer in ("postponed", "postponned", "cancelled", ""))
    assert exact["score"] > typo["score"] > wrong["score"] >= empty["score"] == 0.0
    assert [r["features"]["match_type"] for r in (exact, typo, wrong, empty)] == [
        "exact",
        "close_spelling",
        "wrong",
        "empty",
    ]


@pytest.mark.parametrize(
    "answer",
    [
        "Postponed.",
        "  POSTPONED ",
        "delayed!",
        "put off",
        "Put   off",
        "The meeting has been delayed until next Friday because the manager is ill.",
    ],
)
def test_normalised_answers_are_accepted(answer):
    assert complete(answer)["score"] == 1.0


def test_close_spelling_credit_is_the_configured_one():
    credit = load_config().section("sentence_completion")["close_spelling_credit"]
    result = complete("postponned")
    assert result["score"] == credit
    assert "misspelling" in result["explanation"]["summary"]
    assert result["features"]["matched_answer"] == "postponed"


def test_a_different_real_word_gets_no_spelling_tolerance():
    # 'postpone' is one letter from 'postponed' but is an English word: a grammar error, not a typo.
    assert complete("postpone")["features"]["match_type"] == "wrong"


def test_short_words_must_be_exact():
    item = {"sentence": "She arrived ___ time.", "acceptable_answers": ["on"]}
    assert complete("in", item)["score"] == 0.0
    assert complete("on", item)["score"] == 1.0


def test_multi_word_answer_with_a_typo_in_one_word():
    item = {"sentence": "Please ___ the form before Monday.", "acceptable_answers": ["send back", "complete"]}
    assert complete("send bakc", item)["features"]["match_type"] == "close_spelling"
    assert complete("sand back", item)["features"]["match_type"] == "wrong"  # 'sand' is a word
    assert complete("complette", item)["features"]["match_type"] == "close_spelling"


def test_explanation_names_the_accepted_answers():
    assert complete("cancelled")["explanation"]["accepted_answers"] == ["postponed", "delayed", "put off"]


@pytest.mark.parametrize(
    "item",
    [
        {"sentence": "A ___ b.", "acceptable_answers": []},
        {"sentence": "A ___ b.", "acceptable_answers": "postponed"},
        {"sentence": "", "acceptable_answers": ["x"]},
        {"acceptable_answers": ["x"]},
    ],
)
def test_malformed_items_are_rejected(item):
    with pytest.raises(WritingScoringError) as caught:
        complete("x", item)
    assert caught.value.code == "invalid_item"
    assert caught.value.details["field"] in ("sentence", "acceptable_answers")
