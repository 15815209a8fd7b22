"""One item of an attempt as the aggregator sees it, the checks on it, and its score on 20-80."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from workers.attempt_scoring.errors import (
    INVALID_ITEM_OUTCOME,
    INVALID_ITEM_RESULT,
    UNKNOWN_ITEM_TYPE,
    UNKNOWN_SCORING_VERSION,
    AttemptScoringError,
)
from workers.attempt_scoring.numbers import Number, clamp, round_half_up
from workers.writing import ITEM_TYPES as WRITTEN_ITEM_TYPES
from workers.writing import WritingScoringError
from workers.writing import load_config as load_writing_config
from workers.writing.scale import to_reporting_scale

if TYPE_CHECKING:
    from workers.attempt_scoring.config import AssessmentConfig

Section = Literal["spoken", "written", "mcq"]
SECTIONS: tuple[Section, ...] = ("spoken", "written", "mcq")
SPOKEN_STATUSES = ("scored", "no_speech")


@dataclass(frozen=True)
class ItemOutcome:
    """One item of an attempt: what it is and its engine result (None: not answered).

    `result` is what the section's engine returned: workers.scoring.score_spoken_answer (spoken),
    workers.writing.score_written_answer (written) or workers.attempt_scoring.score_mcq (mcq).
    `module` only matters for mcq items (None: the config's default module, "general").
    """

    item_id: str
    item_type: str
    section: Section
    module: str | None
    result: dict[str, Any] | None


def check_outcome(outcome: Any, config: AssessmentConfig) -> ItemOutcome:
    """`outcome`, if it is an ItemOutcome the engines could have made; else AttemptScoringError."""
    if not isinstance(outcome, ItemOutcome):
        raise AttemptScoringError(
            INVALID_ITEM_OUTCOME, "Each item must be an ItemOutcome.", {"got": type(outcome).__name__}
        )
    details = {"item_id": outcome.item_id}
    if not isinstance(outcome.item_id, str) or not outcome.item_id:
        raise AttemptScoringError(INVALID_ITEM_OUTCOME, "An item has no item_id.", details)
    if outcome.section not in SECTIONS:
        raise AttemptScoringError(
            INVALID_ITEM_OUTCOME, f"Unknown section {outcome.section!r}; use one of {', '.join(SECTIONS)}.", details
        )
    if outcome.module is not None and not isinstance(outcome.module, str):
        raise AttemptScoringError(INVALID_ITEM_OUTCOME, "An item's module must be text or None.", details)
    if outcome.item_type not in _item_types(outcome.section, config):
        raise AttemptScoringError(
            UNKNOWN_ITEM_TYPE,
            f"Item type {outcome.item_type!r} is not a {outcome.section} item type.",
            {**details, "known": sorted(_item_types(outcome.section, config))},
        )
    if outcome.section == "mcq" and outcome.module is not None:
        _check_module(outcome.module, config, details)
    if outcome.result is not None:
        _check_result(outcome, config, details)
    return outcome


def mcq_module(outcome: ItemOutcome, config: AssessmentConfig) -> str:
    return outcome.module or str(config.section("mcq")["default_module"])


def spoken_subscores(outcome: ItemOutcome, config: AssessmentConfig) -> dict[str, Number]:
    """The subscores a spoken item feeds: those its type measures (config), skipping None values;
    all of them at the scale floor when it was not answered.
    """
    measured: list[str] = config.section("spoken")["item_type_subscores"][outcome.item_type]
    if outcome.result is None:
        return dict.fromkeys(measured, config.floor)
    values = outcome.result["subscores"]
    return {name: values[name] for name in measured if values.get(name) is not None}


def item_score(outcome: ItemOutcome, config: AssessmentConfig) -> int | None:
    """The item on 20-80: spoken its overall, written its 0-1 score through the writing scale,
    mcq the ceiling when correct else the floor; not answered: the floor (written: None).
    """
    result = outcome.result
    if outcome.section == "written":
        return None if result is None else written_scale(result, float(result["score"]))
    if result is None:
        return config.floor
    if outcome.section == "spoken":
        return clamp(round_half_up(result["overall"]), config.floor, config.ceiling)
    return config.ceiling if result["correct"] else config.floor


def written_scale(result: dict[str, Any], value: float) -> int:
    """A 0-1 written value on 20-80 through the anchors of the writing version that scored it."""
    try:
        anchors = load_writing_config(result["scoring_version"]).section("scale")["anchors"]
    except WritingScoringError as exc:
        raise AttemptScoringError(UNKNOWN_SCORING_VERSION, exc.message, exc.details) from exc
    return to_reporting_scale(value, anchors)


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _item_types(section: str, config: AssessmentConfig) -> set[str]:
    if section == "spoken":
        return set(config.section("spoken")["item_type_weights"])
    if section == "written":
        return set(WRITTEN_ITEM_TYPES)
    return set(config.section("mcq")["item_types"])


def _check_module(module: str, config: AssessmentConfig, details: dict[str, Any]) -> None:
    if not re.fullmatch(config.section("mcq")["module_pattern"], module):
        raise AttemptScoringError(
            INVALID_ITEM_OUTCOME,
            "A module name is lower-case letters, digits and _ (e.g. listening).",
            {**details, "module": module},
        )


def _check_result(outcome: ItemOutcome, config: AssessmentConfig, details: dict[str, Any]) -> None:
    result = outcome.result
    checks = {"spoken": _spoken_result_ok, "written": _written_result_ok, "mcq": _mcq_result_ok}
    if not isinstance(result, dict) or result.get("item_type") != outcome.item_type:
        problem = "is not an object" if not isinstance(result, dict) else "is for another item type"
        raise AttemptScoringError(INVALID_ITEM_RESULT, f"The item's result {problem}.", details)
    if not checks[outcome.section](result, config):
        raise AttemptScoringError(
            INVALID_ITEM_RESULT, f"The item's result is not one the {outcome.section} engine makes.", details
        )


def _between(value: Any, low: float, high: float) -> bool:
    return is_number(value) and bool(low <= value <= high)


def _on_scale(value: Any, config: AssessmentConfig) -> bool:
    return _between(value, config.floor, config.ceiling)


def _spoken_result_ok(result: dict[str, Any], config: AssessmentConfig) -> bool:
    subscores = result.get("subscores")
    return (
        result.get("status") in SPOKEN_STATUSES
        and _on_scale(result.get("overall"), config)
        and isinstance(subscores, dict)
        and all(value is None or _on_scale(value, config) for value in subscores.values())
    )


def _written_result_ok(result: dict[str, Any], _config: AssessmentConfig) -> bool:
    evidence = result.get("trait_evidence")
    return (
        isinstance(result.get("scoring_version"), str)
        and _between(result.get("score"), 0, 1)
        and isinstance(evidence, dict)
        and all(_between(value, 0, 1) for value in evidence.values())
    )


def _mcq_result_ok(result: dict[str, Any], _config: AssessmentConfig) -> bool:
    return isinstance(result.get("correct"), bool) and isinstance(result.get("answered"), bool)
