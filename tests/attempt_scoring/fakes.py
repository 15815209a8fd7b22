"""Engine results in the shapes the engines produce, built without running them.

Spoken results follow workers/scoring/engine.py (`score_spoken_answer` and its no-speech result):
the speech recogniser is never run here. Written results come from the real writing engine
(fast and offline); mcq results from the real score_mcq.
"""

from __future__ import annotations

from workers.attempt_scoring import ItemOutcome, score_mcq
from workers.writing import score_written_answer

SPOKEN_SUBSCORES = ("sentence_mastery", "vocabulary", "fluency", "pronunciation")


def spoken_result(
    item_type: str,
    subscores: dict[str, int | None],
    overall: int,
    *,
    expected_text: str = "",
    transcript: str = "",
) -> dict:
    """A `status: scored` result as score_spoken_answer returns it (subscores not given are None)."""
    words = expected_text.split()
    return {
        "scoring_version": "speech-v1",
        "item_type": item_type,
        "status": "scored",
        "reason": None,
        "overall": overall,
        "subscores": {name: subscores.get(name) for name in SPOKEN_SUBSCORES},
        "needs_review": False,
        "review_reasons": [],
        "expected_text": expected_text,
        "transcript": transcript,
        "words": [
            {
                "expected": word,
                "heard": word,
                "status": "correct",
                "alignment_probability": 0.9,
                "weak": False,
                "possibly_filled_in": False,
                "flagged": False,
                "note": "correct",
            }
            for word in words
        ],
        "inserted_words": [],
        "features": {"content": {"matched_answer": expected_text if item_type == "short_answer" else None}},
        "explanation": [f"Content: {len(words)} of {len(words)} expected words heard correctly.", transcript],
        "recogniser": {"name": "faster-whisper", "prompted": True},
    }


UNSCORED = {"open_question": ("sentence_mastery", "vocabulary")}  # as workers/scoring/mapping.py


def no_speech_result(item_type: str, expected_text: str = "") -> dict:
    """The engine's no-speech result: overall and every subscore the type scores at the floor."""
    unscored = UNSCORED.get(item_type, ())
    return {
        "scoring_version": "speech-v1",
        "item_type": item_type,
        "status": "no_speech",
        "reason": "no_speech",
        "overall": 20,
        "subscores": {name: None if name in unscored else 20 for name in SPOKEN_SUBSCORES},
        "needs_review": False,
        "review_reasons": [],
        "expected_text": expected_text,
        "transcript": "",
        "words": [],
        "inserted_words": [],
        "features": {"audio": {"duration_seconds": 3.0, "speech_seconds": 0.0, "speech_segments": []}},
        "explanation": ["No speech: no voice activity detected. The answer gets the lowest score on the scale (20)."],
        "recogniser": None,
    }


def spoken(item_id: str, item_type: str, result: dict | None) -> ItemOutcome:
    return ItemOutcome(item_id, item_type, "spoken", None, result)


def written(item_id: str, item_type: str, answer: str | None, item: dict, **context: float) -> ItemOutcome:
    return ItemOutcome(item_id, item_type, "written", None, score_written_answer(item_type, answer, item, **context))


MCQ_CONTENT = {"question": "Which day is the meeting?", "options": ["Tuesday", "Wednesday", "Thursday"], "answer": 1}


def mcq(item_id: str, module: str | None, choice: int | None, content: dict | None = None) -> ItemOutcome:
    return ItemOutcome(item_id, "mcq", "mcq", module, score_mcq(content or MCQ_CONTENT, choice))


def mcq_block(prefix: str, module: str | None, correct: int, wrong: int) -> list[ItemOutcome]:
    """`correct` right answers then `wrong` wrong ones, all in `module`."""
    return [mcq(f"{prefix}{index}", module, 1 if index < correct else 0) for index in range(correct + wrong)]
