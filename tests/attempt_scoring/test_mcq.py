"""score_mcq: right, wrong, unanswered, and the choices and items it refuses."""

from __future__ import annotations

import pytest

from workers.attempt_scoring import AttemptScoringError, score_mcq
from workers.errors import WorkError

CONTENT = {
    "question": "What does the speaker ask for?",
    "options": ["A refund", "A new ticket", "A later train", "A seat upgrade"],
    "answer": 2,
    "audio_text": "Could I take a later train, please?",
}


def test_the_right_option_scores_one():
    assert score_mcq(CONTENT, 2) == {
        "item_type": "mcq",
        "scoring_version": "assessment-v1",
        "score": 1.0,
        "correct": True,
        "answered": True,
        "choice": 2,
    }


def test_a_wrong_option_scores_zero():
    result = score_mcq(CONTENT, 0)
    assert (result["score"], result["correct"], result["answered"], result["choice"]) == (0.0, False, True, 0)


def test_no_choice_is_unanswered_and_scores_zero():
    result = score_mcq(CONTENT, None)
    assert (result["score"], result["correct"], result["answered"], result["choice"]) == (0.0, False, False, None)


@pytest.mark.parametrize("choice", [-1, 4, 99])
def test_a_choice_out_of_range_is_refused(choice):
    with pytest.raises(AttemptScoringError) as caught:
        score_mcq(CONTENT, choice)
    error = caught.value
    assert isinstance(error, WorkError)
    assert error.code == "choice_out_of_range"
    assert error.details == {"choice": choice, "options": 4}
    assert error.to_dict() == {"code": "choice_out_of_range", "message": error.message, "details": error.details}


@pytest.mark.parametrize("choice", [True, "1", 1.0])
def test_a_choice_that_is_not_an_index_is_refused(choice):
    with pytest.raises(AttemptScoringError) as caught:
        score_mcq(CONTENT, choice)
    assert caught.value.code == "invalid_choice"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"options": ["only one"]}, "options"),
        ({"options": [f"option {n}" for n in range(7)]}, "options"),
        ({"options": ["a", ""]}, "options"),
        ({"answer": 4}, "answer"),
        ({"answer": True}, "answer"),
        ({"question": ""}, "question"),
    ],
)
def test_an_unusable_item_is_refused(change, field):
    with pytest.raises(AttemptScoringError) as caught:
        score_mcq({**CONTENT, **change}, 0)
    assert (caught.value.code, caught.value.details) == ("invalid_item", {"field": field})


def test_content_that_is_not_an_object_is_refused():
    with pytest.raises(AttemptScoringError) as caught:
        score_mcq(["not", "an", "object"], 0)
    assert caught.value.code == "invalid_item"
