"""Turn several item results into the Versant-Writing-style subscores on the 20-80 scale.

Per trait: the weighted mean of the items' 0-1 evidence (weights by item type, from the config),
mapped through the config's anchors. Overall: the weighted mean of the subscores. Typing feeds no
trait; it is reported on its own and, below the gate, withholds every score.
"""

from __future__ import annotations

from typing import Any

from workers.writing.config import load_config
from workers.writing.errors import INVALID_ITEM_RESULT, NO_ITEM_RESULTS, SCORING_VERSION_MISMATCH, WritingScoringError
from workers.writing.scale import round_half_up, to_reporting_scale
from workers.writing.scoring import ITEM_TYPES

TRAIT_NAMES = {
    "grammar": "Grammar",
    "vocabulary": "Vocabulary",
    "organization": "Organization",
    "voice_tone": "Voice & Tone",
    "reading_comprehension": "Reading Comprehension",
}


def aggregate_written_results(results: list[dict], *, version: str | None = None) -> dict:
    """Subscores, Overall, typing summary and reportability for one attempt's written item results."""
    _check_results(results)
    config = load_config(_common_version(results, version))
    params = config.section("aggregation")
    trait_means = {trait: _trait_mean(trait, results, params["item_type_weights"]) for trait in params["traits"]}
    subscores = {
        trait: None if mean is None else to_reporting_scale(mean["evidence"], config.section("scale")["anchors"])
        for trait, mean in trait_means.items()
    }
    overall = _overall(subscores, params["overall_weights"])
    reasons = _gate_reasons(results)
    if overall is None:
        reasons.append("no_trait_evidence")
    reportable = not reasons
    return {
        "scoring_version": config.version,
        "scoring_config_sha256": config.sha256,
        "reportable": reportable,
        "not_reportable_reasons": reasons,
        "overall": overall if reportable else None,
        "subscores": subscores if reportable else dict.fromkeys(subscores),
        "withheld": None if reportable else {"overall": overall, "subscores": subscores},
        "typing": _typing_summary(results),
        "trait_evidence": trait_means,
        "items_scored": len(results),
        "explanation": _explain(trait_means, subscores, overall, reasons),
    }


def _check_results(results: Any) -> None:
    if not isinstance(results, list) or not results:
        raise WritingScoringError(NO_ITEM_RESULTS, "There are no item results to aggregate.")
    for index, result in enumerate(results):
        valid = (
            isinstance(result, dict)
            and result.get("item_type") in ITEM_TYPES
            and isinstance(result.get("scoring_version"), str)
            and isinstance(result.get("trait_evidence"), dict)
            and all(isinstance(value, (int, float)) for value in result["trait_evidence"].values())
        )
        if not valid:
            raise WritingScoringError(
                INVALID_ITEM_RESULT, "An item result is not one score_written_answer made.", {"index": index}
            )


def _common_version(results: list[dict], requested: str | None) -> str:
    versions = sorted({result["scoring_version"] for result in results} | ({requested} if requested else set()))
    if len(versions) > 1:
        raise WritingScoringError(
            SCORING_VERSION_MISMATCH,
            "Item results were scored under different versions; re-score them first.",
            {"versions": versions},
        )
    return versions[0]


def _trait_mean(trait: str, results: list[dict], weights: dict[str, float]) -> dict | None:
    weighted = [
        (weights[result["item_type"]], float(result["trait_evidence"][trait]))
        for result in results
        if trait in result["trait_evidence"] and result["item_type"] in weights
    ]
    total_weight = sum(weight for weight, _ in weighted)
    if not total_weight:
        return None
    evidence = sum(weight * value for weight, value in weighted) / total_weight
    return {"evidence": round(evidence, 4), "items": len(weighted)}


def _overall(subscores: dict[str, int | None], weights: dict[str, float]) -> int | None:
    present = [(weights[trait], score) for trait, score in subscores.items() if score is not None]
    total_weight = sum(weight for weight, _ in present)
    if not total_weight:
        return None
    return round_half_up(sum(weight * score for weight, score in present) / total_weight)


def _gate_reasons(results: list[dict]) -> list[str]:
    reasons: list[str] = []
    for result in results:
        if result["item_type"] == "typing" and not result.get("reportable", True):
            reasons.extend(reason for reason in result.get("not_reportable_reasons", []) if reason not in reasons)
    return reasons


def _typing_summary(results: list[dict]) -> dict | None:
    typing = [result["features"] for result in results if result["item_type"] == "typing" and "features" in result]
    if not typing:
        return None
    return {
        "items": len(typing),
        "wpm": round(sum(features["wpm"] for features in typing) / len(typing), 1),
        "accuracy": round(sum(features["accuracy"] for features in typing) / len(typing), 4),
    }


def _explain(trait_means: dict, subscores: dict, overall: int | None, reasons: list[str]) -> list[str]:
    lines = []
    for trait, mean in trait_means.items():
        name = TRAIT_NAMES.get(trait, trait)
        if mean is None:
            lines.append(f"{name}: no item in this test measures it, so it is left out of Overall.")
        else:
            lines.append(
                f"{name}: {subscores[trait]} (average evidence {mean['evidence']:.2f} from {mean['items']} items)."
            )
    if overall is not None:
        lines.append(f"Overall: {overall}, the weighted average of the subscores.")
    if reasons:
        lines.append("Scores withheld: " + ", ".join(reason.replace("_", " ") for reason in reasons) + ".")
    return lines
