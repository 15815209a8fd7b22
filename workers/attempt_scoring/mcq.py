"""Multiple-choice items: one chosen option against the item's answer."""

from __future__ import annotations

from typing import Any

from workers.attempt_scoring.config import CURRENT_VERSION
from workers.attempt_scoring.errors import CHOICE_OUT_OF_RANGE, INVALID_CHOICE, INVALID_ITEM, AttemptScoringError

MIN_OPTIONS = 2
MAX_OPTIONS = 6


def score_mcq(content: dict, choice: int | None) -> dict:
    """Score one mcq answer; `choice` is the index of the chosen option, None when not answered.

    content: {"question", "options": [2..6 strings], "answer": <index>, "passage"?, "audio_text"?}.
    Raises AttemptScoringError: invalid_item (content unusable), invalid_choice (not an integer),
    choice_out_of_range (no such option).
    """
    options = _check_content(content)
    if choice is not None and (not isinstance(choice, int) or isinstance(choice, bool)):
        raise AttemptScoringError(INVALID_CHOICE, "The choice must be an option's index (an integer) or None.")
    if choice is not None and not 0 <= choice < len(options):
        raise AttemptScoringError(
            CHOICE_OUT_OF_RANGE,
            f"The choice must be between 0 and {len(options) - 1}.",
            {"choice": choice, "options": len(options)},
        )
    correct = choice is not None and choice == content["answer"]
    return {
        "item_type": "mcq",
        "scoring_version": CURRENT_VERSION,
        "score": 1.0 if correct else 0.0,
        "correct": correct,
        "answered": choice is not None,
        "choice": choice,
    }


def _check_content(content: Any) -> list[str]:
    if not isinstance(content, dict):
        raise AttemptScoringError(INVALID_ITEM, "The item's content must be an object.", {"field": "content"})
    question = content.get("question")
    if not isinstance(question, str) or not question.strip():
        raise AttemptScoringError(INVALID_ITEM, "The item has no question.", {"field": "question"})
    options = content.get("options")
    if (
        not isinstance(options, list)
        or not MIN_OPTIONS <= len(options) <= MAX_OPTIONS
        or not all(isinstance(option, str) and option.strip() for option in options)
    ):
        raise AttemptScoringError(
            INVALID_ITEM, f"An mcq item has {MIN_OPTIONS} to {MAX_OPTIONS} options, each text.", {"field": "options"}
        )
    answer = content.get("answer")
    if not isinstance(answer, int) or isinstance(answer, bool) or not 0 <= answer < len(options):
        raise AttemptScoringError(
            INVALID_ITEM, "The item's answer must be the index of an option.", {"field": "answer"}
        )
    return options
