"""What a student is told about one item: subscore names, numbers and general advice, nothing else.

Feedback is built only from the config's fixed sentences, subscore labels and numbers. It never
reads an item's content, the engines' explanations, the expected or accepted answers, the correct
option or the transcript, so none of them can reach a student through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workers.attempt_scoring.config import load_config
from workers.attempt_scoring.numbers import exact, round_half_up
from workers.attempt_scoring.outcome import (
    ItemOutcome,
    check_outcome,
    is_number,
    item_score,
    spoken_subscores,
    written_scale,
)

if TYPE_CHECKING:
    from workers.attempt_scoring.config import AssessmentConfig


def student_feedback(item_outcome: ItemOutcome, *, version: str | None = None) -> str:
    """One or a few sentences for the student about this item (see README.md, "Feedback")."""
    config = load_config(version)
    return feedback_for(check_outcome(item_outcome, config), config)


def feedback_for(outcome: ItemOutcome, config: AssessmentConfig) -> str:
    """student_feedback for an outcome already checked against `config`."""
    if outcome.section == "spoken":
        lines = _spoken(outcome, config)
    elif outcome.section == "written":
        lines = _written(outcome, config)
    else:
        lines = _mcq(outcome, config)
    return " ".join(lines)


def _message(config: AssessmentConfig, name: str, **values: Any) -> str:
    template: str = config.section("feedback")["messages"][name]
    return template.format(max=config.ceiling, **values)


def _subscore_line(config: AssessmentConfig, subscore: str, score: int) -> str:
    feedback = config.section("feedback")
    label = config.label(subscore)
    if score < feedback["advice_below"]:
        advice = feedback["advice"].get(subscore, feedback["default_advice"])
        return _message(config, "subscore_with_advice", label=label, score=score, advice=advice)
    return _message(config, "subscore", label=label, score=score)


def _spoken(outcome: ItemOutcome, config: AssessmentConfig) -> list[str]:
    score = item_score(outcome, config)
    if outcome.result is None:
        return [_message(config, "not_answered", score=score)]
    if outcome.result["status"] == "no_speech":
        return [_message(config, "spoken_no_speech", score=score)]
    values = spoken_subscores(outcome, config)
    return [
        _message(config, "item_score", score=score),
        *(
            _subscore_line(config, name, round_half_up(values[name]))
            for name in config.section("spoken")["subscores"]
            if name in values
        ),
    ]


def _written(outcome: ItemOutcome, config: AssessmentConfig) -> list[str]:
    result = outcome.result
    if result is None:
        return [_message(config, "written_not_answered")]
    lines = [_message(config, "item_score", score=item_score(outcome, config))]
    if result["item_type"] == "typing":
        lines.extend(_typing(result, config))
    traits: dict[str, str] = config.section("written")["trait_subscores"]
    evidence = result["trait_evidence"]
    lines.extend(
        _subscore_line(config, subscore, written_scale(result, float(evidence[trait])))
        for trait, subscore in traits.items()
        if trait in evidence
    )
    return lines


def _typing(result: dict[str, Any], config: AssessmentConfig) -> list[str]:
    features = result.get("features") or {}
    lines = []
    if is_number(features.get("wpm")) and is_number(features.get("accuracy")):
        wpm = round_half_up(features["wpm"])
        accuracy = round_half_up(exact(features["accuracy"]) * 100)
        lines.append(_message(config, "typing", wpm=wpm, accuracy=accuracy))
    if result.get("reportable") is False:
        lines.append(_message(config, "typing_below_minimum"))
    return lines


def _mcq(outcome: ItemOutcome, config: AssessmentConfig) -> list[str]:
    score = item_score(outcome, config)
    if outcome.result is None or not outcome.result["answered"]:
        return [_message(config, "not_answered", score=score)]
    return [_message(config, "mcq_correct" if outcome.result["correct"] else "mcq_incorrect", score=score)]
