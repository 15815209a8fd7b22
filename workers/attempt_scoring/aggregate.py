"""One attempt's item results -> subscores and Overall on the 20-80 scale (see README.md)."""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import TYPE_CHECKING, Any, NamedTuple

from workers.attempt_scoring.config import load_config
from workers.attempt_scoring.errors import DUPLICATE_ITEM_ID, INVALID_ITEM_OUTCOME, AttemptScoringError
from workers.attempt_scoring.feedback import feedback_for
from workers.attempt_scoring.numbers import Number, clamp, round_half_up, weighted_mean
from workers.attempt_scoring.outcome import ItemOutcome, check_outcome, item_score, mcq_module, spoken_subscores
from workers.writing import WritingScoringError, aggregate_written_results

if TYPE_CHECKING:
    from collections.abc import Sequence

    from workers.attempt_scoring.config import AssessmentConfig


class Source(NamedTuple):
    """One section's value for a subscore and the number of items behind it (its weight)."""

    name: str
    value: int
    items: int


class Section(NamedTuple):
    report: dict[str, Any]
    sources: list[tuple[str, Source]]  # (attempt subscore, source)


def aggregate_attempt(items: Sequence[ItemOutcome], *, version: str | None = None) -> dict:
    """The attempt's result: Overall, subscores, per-section detail, per-item score and feedback."""
    config = load_config(version)
    outcomes = _checked(items, config)
    spoken = _spoken_section([o for o in outcomes if o.section == "spoken"], config)
    written = _written_section([o for o in outcomes if o.section == "written"], config)
    mcq = _mcq_section([o for o in outcomes if o.section == "mcq"], config)
    sources: dict[str, list[Source]] = defaultdict(list)
    for subscore, source in [*spoken.sources, *written.sources, *mcq.sources]:
        sources[subscore].append(source)
    names = [*config.subscores, *sorted(set(sources) - set(config.subscores))]
    subscores = {name: _combine(sources.get(name, []), config) for name in names}
    overall = _overall(subscores, config)
    return {
        "scoring_version": config.version,
        "overall": overall,
        "subscores": subscores,
        "sections": {"spoken": spoken.report, "written": written.report, "mcq": mcq.report},
        "items": [
            {
                "item_id": outcome.item_id,
                "type": outcome.item_type,
                "score": item_score(outcome, config),
                "feedback": feedback_for(outcome, config),
            }
            for outcome in outcomes
        ],
        "items_unanswered": sum(_unanswered(outcome) for outcome in outcomes),
        "explanation": _explain(outcomes, (spoken, written, mcq), sources, subscores, overall, config),
    }


def _checked(items: Any, config: AssessmentConfig) -> list[ItemOutcome]:
    if isinstance(items, (str, bytes, dict)) or not hasattr(items, "__iter__"):
        raise AttemptScoringError(INVALID_ITEM_OUTCOME, "Items must be a sequence of ItemOutcome.")
    outcomes = [check_outcome(item, config) for item in items]
    seen: set[str] = set()
    for outcome in outcomes:
        if outcome.item_id in seen:
            raise AttemptScoringError(
                DUPLICATE_ITEM_ID, "An item appears twice in the attempt.", {"item_id": outcome.item_id}
            )
        seen.add(outcome.item_id)
    return outcomes


def _unanswered(outcome: ItemOutcome) -> bool:
    return outcome.result is None or (outcome.section == "mcq" and not outcome.result["answered"])


def _on_scale(mean: Fraction | None, config: AssessmentConfig) -> int | None:
    return None if mean is None else clamp(round_half_up(mean), config.floor, config.ceiling)


def _spoken_section(outcomes: list[ItemOutcome], config: AssessmentConfig) -> Section:
    params = config.section("spoken")
    weighted: dict[str, list[tuple[Number, Number]]] = {name: [] for name in params["subscores"]}
    for outcome in outcomes:
        for name, value in spoken_subscores(outcome, config).items():
            weighted[name].append((params["item_type_weights"][outcome.item_type], value))
    subscores = {name: _on_scale(weighted_mean(pairs), config) for name, pairs in weighted.items()}
    counts = {name: len(pairs) for name, pairs in weighted.items()}
    report = {
        "items": len(outcomes),
        "unanswered": sum(outcome.result is None for outcome in outcomes),
        "subscores": subscores,
        "counts": counts,
    }
    sources = [(name, Source("spoken", value, counts[name])) for name, value in subscores.items() if value is not None]
    return Section(report, sources)


def _written_section(outcomes: list[ItemOutcome], config: AssessmentConfig) -> Section:
    traits: dict[str, str] = config.section("written")["trait_subscores"]
    # Sorted by item id so the aggregator's float sums do not depend on the order items came in.
    answered = sorted((o for o in outcomes if o.result is not None), key=lambda o: o.item_id)
    report: dict[str, Any] = {
        "items": len(answered),
        "unanswered": len(outcomes) - len(answered),
        "scoring_version": None,
        "reportable": None,
        "not_reportable_reasons": [],
        "overall": None,
        "subscores": dict.fromkeys(traits),
        "counts": dict.fromkeys(traits, 0),
    }
    if not answered:
        return Section(report, [])
    try:
        written = aggregate_written_results([o.result for o in answered if o.result is not None])
    except WritingScoringError as exc:  # e.g. scoring_version_mismatch: results of two writing versions
        raise AttemptScoringError(exc.code, exc.message, {**exc.details, "section": "written"}) from exc
    evidence = written["trait_evidence"]
    report.update(
        scoring_version=written["scoring_version"],
        reportable=written["reportable"],
        not_reportable_reasons=list(written["not_reportable_reasons"]),
        overall=written["overall"],
        subscores={trait: written["subscores"].get(trait) for trait in traits},
        counts={trait: (evidence.get(trait) or {}).get("items", 0) for trait in traits},
    )
    sources = [
        (subscore, Source("written", report["subscores"][trait], report["counts"][trait]))
        for trait, subscore in traits.items()
        if written["reportable"] and report["subscores"][trait] is not None
    ]
    return Section(report, sources)


def _mcq_section(outcomes: list[ItemOutcome], config: AssessmentConfig) -> Section:
    module_subscores: dict[str, str] = config.section("mcq")["module_subscores"]
    modules: dict[str, list[ItemOutcome]] = defaultdict(list)
    for outcome in outcomes:
        modules[mcq_module(outcome, config)].append(outcome)
    report: dict[str, Any] = {}
    sources = []
    for module in sorted(modules):
        group = modules[module]
        correct = sum(o.result is not None and o.result["correct"] is True for o in group)
        share = Fraction(correct, len(group))
        score = _on_scale(config.floor + (config.ceiling - config.floor) * share, config)
        subscore = module_subscores.get(module, module)
        report[module] = {
            "items": len(group),
            "unanswered": sum(_unanswered(o) for o in group),
            "correct": correct,
            "share_correct": round(float(share), 4),
            "score": score,
            "subscore": subscore,
        }
        if score is not None:
            sources.append((subscore, Source(f"multiple choice ({module})", score, len(group))))
    return Section(report, sources)


def _combine(sources: list[Source], config: AssessmentConfig) -> int | None:
    """The item-count-weighted mean of the sections' values for one subscore."""
    return _on_scale(weighted_mean((source.items, source.value) for source in sources), config)


def _overall(subscores: dict[str, int | None], config: AssessmentConfig) -> int | None:
    params = config.section("overall")
    return _on_scale(
        weighted_mean(
            (params["weights"].get(name, params["default_weight"]), score)
            for name, score in subscores.items()
            if score is not None
        ),
        config,
    )


def _explain(
    outcomes: list[ItemOutcome],
    sections: tuple[Section, Section, Section],
    sources: dict[str, list[Source]],
    subscores: dict[str, int | None],
    overall: int | None,
    config: AssessmentConfig,
) -> list[str]:
    if not outcomes:
        return ["The attempt has no items, so nothing is scored."]
    spoken, written, mcq = sections
    lines = [*_explain_spoken(spoken.report, config), *_explain_written(written.report, config)]
    lines.extend(_explain_mcq(mcq.report, config))
    lines.extend(_explain_subscore(name, value, sources.get(name, []), config) for name, value in subscores.items())
    if overall is None:
        lines.append("Overall: none, because no subscore was measured.")
    else:
        present = sum(value is not None for value in subscores.values())
        lines.append(f"Overall: {overall}, the weighted mean of the {present} subscores measured, rounded half up.")
    return lines


def _explain_spoken(report: dict[str, Any], config: AssessmentConfig) -> list[str]:
    if not report["items"]:
        return []
    lines = [
        (
            f"Spoken: {_items(report['items'])}, {report['unanswered']} not answered (each counted at {config.floor} "
            "for every subscore its item type measures)."
        )
    ]
    lines.extend(
        f"Spoken {config.label(name).lower()}: {value}, the weighted mean of {_items(report['counts'][name])}."
        for name, value in report["subscores"].items()
        if value is not None
    )
    return lines


def _explain_written(report: dict[str, Any], config: AssessmentConfig) -> list[str]:
    if not report["items"] and not report["unanswered"]:
        return []
    lines = [
        (
            f"Written: {_items(report['items'])} scored; {report['unanswered']} not answered, left out of the written "
            "subscores."
        )
    ]
    if report["reportable"] is False:
        reasons = ", ".join(reason.replace("_", " ") for reason in report["not_reportable_reasons"])
        lines.append(f"Written subscores withheld ({reasons}): no written evidence is used in this report.")
    traits: dict[str, str] = config.section("written")["trait_subscores"]
    lines.extend(
        f"Written {config.label(traits[trait]).lower()}: {value}, from {_items(report['counts'][trait])}."
        for trait, value in report["subscores"].items()
        if value is not None
    )
    return lines


def _explain_mcq(report: dict[str, Any], config: AssessmentConfig) -> list[str]:
    return [
        f"Multiple choice ({module}): {module_report['correct']} of {module_report['items']} correct "
        f"({round_half_up(module_report['share_correct'] * 100)}%), {module_report['score']} on the "
        f"{config.floor}-{config.ceiling} scale; feeds {config.label(module_report['subscore']).lower()}."
        for module, module_report in report.items()
    ]


def _explain_subscore(name: str, value: int | None, sources: list[Source], config: AssessmentConfig) -> str:
    label = config.label(name)
    if value is None:
        return f"{label}: not measured by this attempt, left out of Overall."
    if len(sources) == 1:
        return f"{label}: {value}, from the {sources[0].name} section."
    parts = ", ".join(f"{source.name} {source.value} ({_items(source.items)})" for source in sources)
    return f"{label}: {value}, the mean of {parts}, weighted by item count."


def _items(count: int) -> str:
    return "1 item" if count == 1 else f"{count} items"
