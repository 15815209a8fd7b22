"""Score one stored answer, or re-score many under the current scoring versions.

Joins the scoring engines (workers/scoring, workers/writing) to storage: spoken answers'
audio is read from S3, every result is kept in `scores` with the inputs that produced it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jobs.attempts.results import settle_attempt
from store import files, scores
from store.scores import REF_FIELDS
from workers.attempt_scoring import CURRENT_VERSION as ASSESSMENT_VERSION
from workers.attempt_scoring import score_mcq
from workers.errors import WorkError
from workers.scoring import CURRENT_VERSION as SPEECH_VERSION
from workers.scoring import score_spoken_answer
from workers.writing import CURRENT_VERSION as WRITING_VERSION
from workers.writing import score_written_answer

if TYPE_CHECKING:
    from collections.abc import Callable

    from bson import ObjectId
    from pymongo.database import Database

CURRENT_VERSIONS = {"spoken": SPEECH_VERSION, "written": WRITING_VERSION, "mcq": ASSESSMENT_VERSION}
WRITTEN_CONTEXT = frozenset({"elapsed_seconds"})
MAX_ERRORS_LISTED = 100  # a re-score's summary lists the first errors; `failed` counts them all


def run_engine(kind: str, inputs: dict[str, Any]) -> dict:
    """The engine's result for one answer's stored inputs (current scoring version)."""
    if kind == "spoken":
        if files.head(inputs["audio_key"]) is None:
            raise WorkError("audio_missing", "The recorded answer is no longer stored.")
        return score_spoken_answer(
            files.read_all(inputs["audio_key"]),
            inputs["expected_text"],
            inputs["item_type"],
            inputs.get("accepted_answers") or None,
            key_ideas=inputs.get("key_ideas") or None,
            max_answer_seconds=inputs.get("max_answer_seconds"),
        )
    if kind == "written":
        # Only the known facts about the attempt: a stored `version` (or any other keyword) must not
        # choose how the answer is scored.
        context = {key: value for key, value in (inputs.get("context") or {}).items() if key in WRITTEN_CONTEXT}
        return score_written_answer(inputs["item_type"], inputs["answer"], inputs["item"], **context)
    if kind == "mcq":
        return score_mcq(inputs["content"], inputs["choice"])
    raise WorkError("unknown_score_kind", f"Unknown kind of answer: {kind}.")


def score_answer(
    db: Database, score_id: ObjectId, kind: str, inputs: dict[str, Any], refs: dict[str, Any], owner_id: str
) -> dict:
    result = run_engine(kind, inputs)
    scores.save(db, score_id, kind, inputs, {k: refs.get(k) for k in REF_FIELDS}, owner_id=owner_id, result=result)
    return result


def rescore(
    db: Database, *, attempt_id: str | None, test_id: str | None, force: bool, progress: Callable[[int, int], None]
) -> dict:
    """Re-score every stored answer of an attempt or a test whose version is not current.

    An answer the engine now refuses (e.g. its audio is gone) keeps its old score and is
    counted in `failed` with its error code; the others carry on.
    """
    total = scores.count_matching(db, attempt_id=attempt_id, test_id=test_id)
    summary: dict[str, Any] = {
        "matched": total,
        "rescored": 0,
        "unchanged": 0,
        "failed": 0,
        "errors": [],
        "versions": CURRENT_VERSIONS,
    }
    progress(0, total)
    touched: set[str] = set()
    for done, score in enumerate(scores.matching(db, attempt_id=attempt_id, test_id=test_id), start=1):
        if not force and score.get("scoring_version") == CURRENT_VERSIONS.get(score["kind"]):
            summary["unchanged"] += 1
        elif _rescore_one(db, score, summary) and score.get("attempt_id"):
            touched.add(score["attempt_id"])
        progress(done, total)
    # The attempts whose answers changed are totalled again under the current versions.
    summary["attempts_updated"] = sum(
        settle_attempt(db, touched_id, rescore=True) in ("awaiting_release", "released")
        for touched_id in sorted(touched)
    )
    return summary


def _rescore_one(db: Database, score: dict, summary: dict) -> bool:
    try:
        result = run_engine(score["kind"], score["inputs"])
    except WorkError as exc:
        summary["failed"] += 1
        if len(summary["errors"]) < MAX_ERRORS_LISTED:
            summary["errors"].append({"score_id": str(score["_id"]), "code": exc.code, "message": exc.message})
        return False
    scores.replace_result(db, score, result)
    summary["rescored"] += 1
    return True
