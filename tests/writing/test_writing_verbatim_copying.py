"""Passage reconstruction penalises copying the passage word for word (writing-v2); typing and
dictation, which are meant to reproduce their text exactly, do not; writing-v1 scores as before."""

from __future__ import annotations

import hashlib

import pytest

from tests.writing.samples import (
    DICTATION_ITEM,
    PASSAGE,
    PASSAGE_FROM_MEMORY,
    PASSAGE_ITEM,
    PASSAGE_VARIANTS,
    TYPING_PASSAGE,
)
from workers.writing import CURRENT_VERSION, available_versions, load_config, score_written_answer
from workers.writing.config import VERSIONS_DIR
from workers.writing.items.passage_reconstruction import verbatim_runs
from workers.writing.text import normalized_words

# Remembered well: whole phrases of the passage come back ("The city library will close for two
# weeks in June" is 10 words verbatim), the rest is in the student's words.
GOOD_MEMORY = (
    "The city library will close for two weeks in June because its roof needs repairs. While it is "
    "closed, members can borrow books from a mobile library, which will be parked outside the town hall "
    "in the mornings. There will be no late fees during this time."
)
# Retyped from the screen with slips; the slips break the runs but not the copy.
COPY_WITH_TYPOS = PASSAGE.replace("city library", "city libary").replace("borrow", "borow")
# A stored writing-v1 result records this hash; the file must never change.
WRITING_V1_SHA256 = "094d5376664dac7bf7164dd3b3a7abdb6a9ebd495cb838af62f93762f4ae76e9"


def reconstruct(answer: str, version: str | None = None) -> dict:
    return score_written_answer("passage_reconstruction", answer, PASSAGE_ITEM, version=version)


def passage_ngrams(size: int) -> set[tuple[str, ...]]:
    passage = normalized_words(PASSAGE)
    return {tuple(passage[start : start + size]) for start in range(len(passage) - size + 1)}


def test_writing_v2_is_the_current_version():
    assert CURRENT_VERSION == "writing-v2" == available_versions()[-1]
    assert reconstruct(PASSAGE)["scoring_version"] == "writing-v2"
    assert "verbatim_copying" in load_config().section("passage_reconstruction")
    assert "verbatim_copying" not in load_config("writing-v1").section("passage_reconstruction")


def test_a_verbatim_copy_scores_clearly_below_the_same_content_in_other_words():
    copied, rewritten = reconstruct(PASSAGE), reconstruct(PASSAGE_FROM_MEMORY)
    # The same content: both recall every idea and the copy recalls more of the passage's words.
    assert copied["features"]["ideas_recalled"] == rewritten["features"]["ideas_recalled"] == 3
    assert copied["features"]["content_word_recall"] >= rewritten["features"]["content_word_recall"]
    assert copied["score"] < rewritten["score"] - 0.3
    for trait, value in copied["trait_evidence"].items():
        assert value < rewritten["trait_evidence"][trait], trait
    assert copied["features"]["copying_detected"] is True
    assert copied["features"]["copying_factor"] < 1
    assert copied["features"]["verbatim_answer_share"] == 1.0
    assert copied["features"]["longest_verbatim_run"] == len(normalized_words(PASSAGE))
    assert rewritten["features"]["copying_detected"] is False
    assert rewritten["features"]["copying_factor"] == 1.0


@pytest.mark.parametrize(
    "copy",
    [COPY_WITH_TYPOS, PASSAGE.lower().replace(",", "").replace(".", ""), " ".join([PASSAGE] * 2)],
    ids=["typos", "lower_case_no_punctuation", "pasted_twice"],
)
def test_retyped_or_repeated_copies_are_still_copies(copy):
    result = reconstruct(copy)
    assert result["features"]["copying_detected"] is True
    assert result["score"] < reconstruct(PASSAGE_FROM_MEMORY)["score"] - 0.3
    assert result["score"] < reconstruct(copy, version="writing-v1")["score"]


@pytest.mark.parametrize(
    "answer",
    [
        PASSAGE_FROM_MEMORY,
        GOOD_MEMORY,
        PASSAGE_VARIANTS["several_missing"],
        # One sentence remembered exactly is not a copy of the passage.
        "The city library will close for two weeks in June for repairs to its roof.",
        (
            "The city library will close for two weeks in June for repairs to its roof. A mobile library "
            "will wait at the town hall in the mornings, and nobody pays late fees."
        ),
    ],
    ids=["from_memory", "good_memory", "several_missing", "first_sentence_only", "first_sentence_then_own_words"],
)
def test_a_reconstruction_sharing_some_phrases_is_not_penalised(answer):
    result = reconstruct(answer)
    assert result["features"]["copying_detected"] is False
    assert result["features"]["copying_factor"] == 1.0
    assert result["score"] == reconstruct(answer, version="writing-v1")["score"]
    assert "word for word" not in result["explanation"]["summary"]


def test_good_memory_shares_phrases_yet_scores_well():
    result = reconstruct(GOOD_MEMORY)
    assert result["features"]["longest_verbatim_run"] >= 6
    assert 0 < result["features"]["verbatim_answer_share"] < 0.5
    assert result["score"] > reconstruct(PASSAGE)["score"] + 0.3


def test_copying_is_explained_without_quoting_the_passage():
    explanation = reconstruct(PASSAGE)["explanation"]
    assert "word for word" in explanation["summary"]
    assert "from memory" in explanation["summary"]
    summary = normalized_words(explanation["summary"])
    quoted = {tuple(summary[start : start + 4]) for start in range(len(summary) - 3)}
    assert not quoted & passage_ngrams(4)


def test_writing_v1_scores_the_copy_as_before():
    copied = reconstruct(PASSAGE, version="writing-v1")
    assert copied["scoring_version"] == "writing-v1"
    assert copied["score"] == 1.0  # the verbatim passage was the perfect answer under writing-v1
    assert copied["score"] > reconstruct(PASSAGE_FROM_MEMORY, version="writing-v1")["score"]
    assert not {"copying_factor", "copying_detected", "verbatim_answer_share"} & set(copied["features"])
    assert "word for word" not in copied["explanation"]["summary"]


def test_the_writing_v1_config_is_unchanged():
    assert hashlib.sha256((VERSIONS_DIR / "writing-v1.json").read_bytes()).hexdigest() == WRITING_V1_SHA256
    assert reconstruct(PASSAGE, version="writing-v1")["scoring_config_sha256"] == WRITING_V1_SHA256


def _same_but_version(item_type: str, answer: str, item: dict, **context: float) -> tuple[dict, dict]:
    current = score_written_answer(item_type, answer, item, **context)
    old = score_written_answer(item_type, answer, item, version="writing-v1", **context)
    ignored = ("scoring_version", "scoring_config_sha256")
    return (
        {key: value for key, value in current.items() if key not in ignored},
        {key: value for key, value in old.items() if key not in ignored},
    )


def test_typing_and_dictation_reproduce_their_text_without_penalty():
    typed = score_written_answer("typing", TYPING_PASSAGE, {"passage": TYPING_PASSAGE}, elapsed_seconds=60)
    assert typed["features"]["accuracy"] == 1.0
    assert typed["reportable"] is True
    dictated = score_written_answer("dictation", DICTATION_ITEM["text"], DICTATION_ITEM)
    assert dictated["score"] == 1.0
    for result in (typed, dictated):
        assert not {"copying_factor", "copying_detected"} & set(result["features"])
    current, old = _same_but_version("typing", TYPING_PASSAGE, {"passage": TYPING_PASSAGE}, elapsed_seconds=60)
    assert current == old
    current, old = _same_but_version("dictation", DICTATION_ITEM["text"], DICTATION_ITEM)
    assert current == old


def test_verbatim_runs_counts_only_runs_of_the_minimum_length():
    passage = list("abcdefgh")
    # "a b c" (3) and "e f g h" (4) are common runs; "x" breaks them.
    assert verbatim_runs(list("abcxefgh"), passage, 4) == (4, 4, 4)
    assert verbatim_runs(list("abcxefgh"), passage, 3) == (7, 7, 4)
    assert verbatim_runs(list("hgfedcba"), passage, 2) == (0, 0, 1)
    assert verbatim_runs([], passage, 2) == (0, 0, 0)
    # The same passage words copied twice count twice in the answer, once in the passage.
    assert verbatim_runs(list("abcabc"), passage, 3) == (6, 3, 3)
