"""Passage reconstruction: recall of the source's ideas and content words, with penalties."""

from __future__ import annotations

import pytest

from tests.writing.samples import PASSAGE, PASSAGE_ITEM, PASSAGE_VARIANTS
from workers.writing import WritingScoringError, score_written_answer


def reconstruct(answer: str, item: dict = PASSAGE_ITEM) -> dict:
    return score_written_answer("passage_reconstruction", answer, item)


def test_graded_variants_in_teacher_order():
    scores = {name: reconstruct(answer)["score"] for name, answer in PASSAGE_VARIANTS.items()}
    assert scores["perfect"] > scores["one_typo"] > scores["several_missing"] > scores["off_topic"]
    assert scores["off_topic"] >= scores["nonsense"] == scores["empty"] == 0.0


def test_a_paraphrase_recalls_every_idea():
    paraphrase = (
        "The library in the city is closing for two weeks in June because the roof needs repairs. "
        "Members can borrow books from a mobile library parked outside the town hall each morning, "
        "and no late fees will be charged during the closure."
    )
    result = reconstruct(paraphrase)
    assert result["features"]["ideas_recalled"] == result["features"]["ideas_total"] == 3
    assert result["score"] > reconstruct(PASSAGE_VARIANTS["several_missing"])["score"] + 0.4


def test_missed_ideas_and_content_words_are_listed():
    result = reconstruct(PASSAGE_VARIANTS["several_missing"])
    explanation = result["explanation"]
    assert "Late fees will not be charged while the library is closed." in explanation["missed_ideas"]
    assert {"roof", "fees", "hall"} <= set(explanation["missing_content_words"])
    assert "library" not in explanation["missing_content_words"]


def test_a_bare_keyword_list_is_penalised():
    keywords = "library roof June town hall books library fees morning mobile"
    result = reconstruct(keywords)
    assert result["score"] < reconstruct(PASSAGE_VARIANTS["several_missing"])["score"]
    assert "list of words" in result["explanation"]["summary"]


def test_over_length_is_penalised():
    padded = reconstruct(" ".join([PASSAGE] * 3))
    assert padded["features"]["over_length_factor"] < 1
    assert padded["score"] < reconstruct(PASSAGE)["score"]
    assert "much longer" in padded["explanation"]["summary"]


def test_off_topic_and_nonsense_are_explained():
    assert "unrelated" in reconstruct(PASSAGE_VARIANTS["off_topic"])["explanation"]["summary"]
    assert "not English words" in reconstruct(PASSAGE_VARIANTS["nonsense"])["explanation"]["summary"]


def test_explicit_key_ideas_are_used():
    item = {
        "passage": PASSAGE,
        "key_ideas": ["library closes two weeks June", "roof repairs", "mobile library town hall", "no late fees"],
    }
    result = reconstruct("The library closes for two weeks in June. There will be no late fees.", item)
    assert result["features"]["ideas_total"] == 4
    assert result["features"]["ideas_recalled"] == 2
    assert result["explanation"]["missed_ideas"] == ["roof repairs", "mobile library town hall"]


def test_grammar_and_spelling_problems_are_listed():
    result = reconstruct("the city libary will close for two weeks in june. members can borrow books.")
    assert [m["word"] for m in result["explanation"]["misspellings"]] == ["libary"]
    assert "sentence_start_lowercase" in {issue["rule"] for issue in result["explanation"]["grammar_issues"]}


def test_missing_passage_is_a_malformed_item():
    with pytest.raises(WritingScoringError) as caught:
        reconstruct("text", {"key_ideas": ["x"]})
    assert (caught.value.code, caught.value.details["field"]) == ("invalid_item", "passage")
