"""Entry point for one written answer: validate, clean, dispatch to the item scorer, stamp the version."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from workers.writing.config import ScoringConfig, load_config
from workers.writing.errors import INVALID_ANSWER, INVALID_ITEM, UNKNOWN_ITEM_TYPE, WritingScoringError
from workers.writing.items import dictation, email_writing, passage_reconstruction, sentence_completion, typing_speed
from workers.writing.items.common import ItemScore
from workers.writing.text import CleanText, clean_answer

Scorer = Callable[[str, dict, dict, ScoringConfig], ItemScore]
SCORERS: dict[str, Scorer] = {
    "typing": typing_speed.score,
    "sentence_completion": sentence_completion.score,
    "dictation": dictation.score,
    "passage_reconstruction": passage_reconstruction.score,
    "email_writing": email_writing.score,
}
ITEM_TYPES = tuple(SCORERS)


def score_written_answer(
    item_type: str, answer: str | None, item: dict, *, version: str | None = None, **context: Any
) -> dict:
    """Score one written answer; the result is JSON-serialisable and carries its scoring version.

    `answer` None means "not answered" and scores like an empty answer. `context` holds facts about
    the attempt rather than the item, e.g. elapsed_seconds for typing.
    """
    scorer = _scorer_for(item_type)
    if not isinstance(item, dict):
        raise WritingScoringError(INVALID_ITEM, "The item definition must be an object.", {"type": type(item).__name__})
    if answer is not None and not isinstance(answer, str):
        raise WritingScoringError(INVALID_ANSWER, "The answer must be text.", {"type": type(answer).__name__})
    config = load_config(version)
    cleaned = clean_answer(answer or "", config.section("limits")["max_answer_chars"])
    result = scorer(cleaned.text, item, context, config)
    return _as_dict(item_type, result, config, cleaned)


def _scorer_for(item_type: str) -> Scorer:
    if not isinstance(item_type, str) or item_type not in SCORERS:
        raise WritingScoringError(
            UNKNOWN_ITEM_TYPE,
            f"Unknown written item type: {item_type!r}.",
            {"item_type": repr(item_type), "known_item_types": list(ITEM_TYPES)},
        )
    return SCORERS[item_type]


def _as_dict(item_type: str, result: ItemScore, config: ScoringConfig, cleaned: CleanText) -> dict[str, Any]:
    return {
        "item_type": item_type,
        "scoring_version": config.version,
        "scoring_config_sha256": config.sha256,
        "score": result.score,
        "max_score": 1.0,
        "reportable": result.reportable,
        "not_reportable_reasons": list(result.not_reportable_reasons),
        "trait_evidence": dict(result.trait_evidence),
        "features": {**result.features, "answer_truncated": cleaned.truncated, "answer_had_html": cleaned.had_html},
        "explanation": result.explanation,
    }
