"""Subscores on the 20-80 scale from several item results; the typing gate; version checks."""

from __future__ import annotations

import pytest

from tests.writing.samples import STRONG_ATTEMPT, TYPING_PASSAGE, WEAK_ATTEMPT
from workers.writing import (
    TRAIT_NAMES,
    WritingScoringError,
    aggregate_written_results,
    load_config,
    score_written_answer,
)
from workers.writing.scale import to_reporting_scale


def score_all(attempt) -> list[dict]:
    return [score_written_answer(item_type, answer, item, **context) for item_type, item, answer, context in attempt]


@pytest.fixture(scope="module")
def strong() -> dict:
    return aggregate_written_results(score_all(STRONG_ATTEMPT))


@pytest.fixture(scope="module")
def weak() -> dict:
    return aggregate_written_results(score_all(WEAK_ATTEMPT))


def test_subscores_are_integers_on_the_20_80_scale(strong, weak):
    for report in (strong, weak):
        assert report["reportable"] is True
        assert set(report["subscores"]) == set(TRAIT_NAMES)
        for value in [*report["subscores"].values(), report["overall"]]:
            assert isinstance(value, int)
            assert 20 <= value <= 80


def test_a_strong_attempt_beats_a_weak_one_on_every_subscore(strong, weak):
    for trait in TRAIT_NAMES:
        assert strong["subscores"][trait] > weak["subscores"][trait], trait
    assert strong["overall"] >= 75
    assert weak["overall"] < strong["overall"] - 15


def test_typing_is_summarised_but_feeds_no_subscore(strong):
    assert strong["typing"] == {"items": 1, "wpm": round(len(TYPING_PASSAGE) / 5, 1), "accuracy": 1.0}
    assert all(trait in TRAIT_NAMES for trait in strong["trait_evidence"])


def test_typing_below_the_gate_withholds_every_score():
    results = score_all(STRONG_ATTEMPT)
    results[0] = score_written_answer("typing", TYPING_PASSAGE[:30], {"passage": TYPING_PASSAGE}, elapsed_seconds=60)
    report = aggregate_written_results(results)
    assert report["reportable"] is False
    assert report["not_reportable_reasons"] == ["typing_speed_below_minimum"]
    assert report["overall"] is None
    assert set(report["subscores"].values()) == {None}
    assert report["withheld"]["overall"] >= 75
    assert any("withheld" in line for line in report["explanation"])


def test_traits_no_item_measures_are_null_and_explained():
    report = aggregate_written_results(score_all(STRONG_ATTEMPT[1:3]))
    assert report["subscores"]["voice_tone"] is None
    assert report["subscores"]["organization"] is None
    assert report["subscores"]["grammar"] == 80
    assert report["overall"] == 80
    assert "Voice & Tone: no item in this test measures it, so it is left out of Overall." in report["explanation"]


def test_only_typing_is_not_reportable():
    report = aggregate_written_results(score_all(STRONG_ATTEMPT[:1]))
    assert (report["reportable"], report["not_reportable_reasons"]) == (False, ["no_trait_evidence"])


def test_version_is_recorded_and_mixed_versions_are_refused():
    results = score_all(STRONG_ATTEMPT)
    assert {result["scoring_version"] for result in results} == {"writing-v2"}
    assert aggregate_written_results(results)["scoring_version"] == "writing-v2"
    results[1] = {**results[1], "scoring_version": "writing-v0"}
    with pytest.raises(WritingScoringError) as caught:
        aggregate_written_results(results)
    assert caught.value.code == "scoring_version_mismatch"
    assert caught.value.details["versions"] == ["writing-v0", "writing-v2"]


@pytest.mark.parametrize(
    ("results", "code"),
    [
        ([], "no_item_results"),
        (None, "no_item_results"),
        ([{"item_type": "essay"}], "invalid_item_result"),
        (["not a dict"], "invalid_item_result"),
    ],
)
def test_bad_input_to_the_aggregator(results, code):
    with pytest.raises(WritingScoringError) as caught:
        aggregate_written_results(results)
    assert caught.value.code == code


def test_the_mapping_is_monotonic_and_spans_the_scale():
    anchors = load_config().section("scale")["anchors"]
    mapped = [to_reporting_scale(step / 100, anchors) for step in range(101)]
    assert mapped[0] == 20
    assert mapped[-1] == 80
    assert mapped == sorted(mapped)
    assert to_reporting_scale(-1, anchors) == 20
    assert to_reporting_scale(2, anchors) == 80
