"""Typing: speed, accuracy against the reached part of the passage, and the validity gate."""

from __future__ import annotations

import pytest

from tests.writing.samples import TYPING_PASSAGE
from workers.writing import WritingScoringError, load_config, score_written_answer

ITEM = {"passage": TYPING_PASSAGE}


def seconds_for_wpm(text: str, wpm: float) -> float:
    return len(text) / 5 / wpm * 60


def typing(answer: str, **context) -> dict:
    return score_written_answer("typing", answer, ITEM, **context)


def with_typos(text: str, share: float) -> str:
    """Replace every n-th letter so that about `share` of the characters are wrong."""
    step = round(1 / share)
    return "".join("#" if index % step == step - 1 else char for index, char in enumerate(text))


def test_fast_accurate_typing_is_reportable_with_its_speed():
    result = typing(TYPING_PASSAGE, elapsed_seconds=seconds_for_wpm(TYPING_PASSAGE, 40))
    assert result["reportable"] is True
    assert result["features"]["wpm"] == pytest.approx(40, abs=0.1)
    assert result["features"]["accuracy"] == 1.0
    assert result["features"]["completed_passage"] is True


def test_speed_below_twelve_wpm_is_not_reportable():
    slow = typing(TYPING_PASSAGE, elapsed_seconds=seconds_for_wpm(TYPING_PASSAGE, 11.5))
    just_fast_enough = typing(TYPING_PASSAGE, elapsed_seconds=seconds_for_wpm(TYPING_PASSAGE, 12.5))
    assert slow["reportable"] is False
    assert slow["not_reportable_reasons"] == ["typing_speed_below_minimum"]
    assert "12 words per minute" in slow["explanation"]["summary"]
    assert just_fast_enough["reportable"] is True


def test_accuracy_below_ninety_percent_is_not_reportable():
    sloppy = with_typos(TYPING_PASSAGE, 0.12)
    careful = with_typos(TYPING_PASSAGE, 0.05)
    sloppy_result = typing(sloppy, elapsed_seconds=60)
    careful_result = typing(careful, elapsed_seconds=60)
    assert sloppy_result["features"]["accuracy"] < 0.9
    assert sloppy_result["not_reportable_reasons"] == ["typing_accuracy_below_minimum"]
    assert careful_result["features"]["accuracy"] >= 0.9
    assert careful_result["reportable"] is True


def test_slow_and_sloppy_typing_gives_both_reasons():
    result = typing(with_typos(TYPING_PASSAGE[:40], 0.2), elapsed_seconds=120)
    assert result["not_reportable_reasons"] == ["typing_speed_below_minimum", "typing_accuracy_below_minimum"]


def test_the_gate_thresholds_come_from_the_config():
    params = load_config().section("typing")
    assert (params["min_wpm"], params["min_accuracy"]) == (12, 0.90)


def test_unfinished_passage_is_compared_with_the_part_reached():
    reached = TYPING_PASSAGE[:100]
    result = typing(reached, elapsed_seconds=30)
    assert result["features"]["accuracy"] == 1.0
    assert result["features"]["completed_passage"] is False
    assert result["reportable"] is True


def test_graded_typing_scores_in_teacher_order():
    answers = [
        TYPING_PASSAGE,
        TYPING_PASSAGE.replace("railway", "railwya"),
        " ".join(word for index, word in enumerate(TYPING_PASSAGE.split()) if index % 4),
        "",
    ]
    scores = [typing(answer, elapsed_seconds=60)["score"] for answer in answers]
    assert scores[0] > scores[1] > scores[2] > scores[3] == 0.0


def test_mistyped_words_are_listed():
    result = typing(TYPING_PASSAGE.replace("railway", "railwya"), elapsed_seconds=60)
    assert {"kind": "mistyped", "expected": "railway", "typed": "railwya"} in result["explanation"]["word_errors"]


def test_empty_typing_is_not_reportable():
    result = typing("   ", elapsed_seconds=60)
    assert (result["reportable"], result["not_reportable_reasons"], result["score"]) == (False, ["no_typing"], 0.0)


def test_time_limit_of_the_item_is_used_when_no_elapsed_time_is_given():
    result = score_written_answer("typing", TYPING_PASSAGE, {**ITEM, "time_limit_seconds": 60})
    assert result["features"]["elapsed_seconds"] == 60


@pytest.mark.parametrize("context", [{}, {"elapsed_seconds": 0}, {"elapsed_seconds": -5}, {"elapsed_seconds": "60"}])
def test_missing_or_bad_elapsed_time_is_a_context_error(context):
    with pytest.raises(WritingScoringError) as caught:
        typing(TYPING_PASSAGE, **context)
    assert caught.value.code == "invalid_context"


def test_pasted_text_at_impossible_speed_is_flagged():
    assert typing(TYPING_PASSAGE, elapsed_seconds=3)["features"]["implausibly_fast"] is True
