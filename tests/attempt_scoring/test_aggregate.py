"""aggregate_attempt: spoken weights, written through the real aggregator, mcq modules, combining
sections, Overall, and the inputs it refuses."""

from __future__ import annotations

import json
import random
from fractions import Fraction

import pytest

from tests.attempt_scoring.fakes import (
    mcq,
    mcq_block,
    no_speech_result,
    spoken,
    spoken_result,
    written,
)
from tests.writing.samples import (
    DICTATION_ITEM,
    DICTATION_VARIANTS,
    EMAIL_ITEM,
    EMAIL_VARIANTS,
    PASSAGE_ITEM,
    PASSAGE_VARIANTS,
    SENTENCE_ITEM,
    TYPING_PASSAGE,
)
from workers.attempt_scoring import AttemptScoringError, ItemOutcome, aggregate_attempt, load_config, round_half_up
from workers.writing import aggregate_written_results
from workers.writing.scale import to_reporting_scale

ALL_FOUR = ("sentence_mastery", "vocabulary", "fluency", "pronunciation")


def four(sm, voc, flu, pron) -> dict[str, int | None]:
    return dict(zip(ALL_FOUR, (sm, voc, flu, pron), strict=True))


# ---- the config says what the README promises -------------------------------------------------


def test_the_config_holds_the_documented_numbers():
    config = load_config("assessment-v1")
    assert load_config() is config
    assert config.section("spoken")["item_type_weights"] == {
        "read_aloud": 1,
        "repeat": 1,
        "sentence_builds": 1,
        "short_answer": 1,
        "story_retelling": 2,
        "open_question": 2,
    }
    assert config.section("spoken")["item_type_subscores"]["open_question"] == ["fluency", "pronunciation"]
    assert config.section("mcq")["module_subscores"] == {
        "listening": "listening",
        "reading": "reading_comprehension",
        "grammar": "grammar",
        "vocabulary": "vocabulary",
    }
    assert (config.floor, config.ceiling) == (20, 80)
    assert set(config.section("overall")["weights"].values()) == {1}


def test_an_unknown_version_is_refused():
    with pytest.raises(AttemptScoringError) as caught:
        aggregate_attempt([], version="assessment-v99")
    assert caught.value.code == "unknown_scoring_version"
    assert caught.value.details == {"available": ["assessment-v1"]}


# ---- spoken -----------------------------------------------------------------------------------


def test_spoken_subscores_are_means_weighted_by_item_type():
    report = aggregate_attempt(
        [
            spoken("r1", "read_aloud", spoken_result("read_aloud", four(70, 60, 50, 40), 55)),
            spoken("s1", "story_retelling", spoken_result("story_retelling", four(41, 51, 61, 71), 56)),
        ]
    )
    # read_aloud weighs 1, story_retelling 2: (70 + 2 x 41) / 3 = 50.67 -> 51, and so on.
    assert report["sections"]["spoken"]["subscores"] == four(51, 54, 57, 61)
    assert report["sections"]["spoken"]["counts"] == four(2, 2, 2, 2)
    assert {name: report["subscores"][name] for name in ALL_FOUR} == four(51, 54, 57, 61)
    assert [item["score"] for item in report["items"]] == [55, 56]
    assert report["items_unanswered"] == 0


def test_an_open_question_feeds_only_fluency_and_pronunciation():
    report = aggregate_attempt(
        [
            spoken("r1", "read_aloud", spoken_result("read_aloud", four(70, 60, 50, 40), 55)),
            spoken("o1", "open_question", spoken_result("open_question", four(None, None, 80, 70), 75)),
            spoken("o2", "open_question", no_speech_result("open_question")),
            # a result that does give the two (the engine before open questions gave 20 for all four
            # on no speech): the open question still feeds only fluency and pronunciation
            spoken("o3", "open_question", {**no_speech_result("open_question"), "subscores": four(20, 20, 20, 20)}),
        ]
    )
    section = report["sections"]["spoken"]
    assert section["counts"] == four(1, 1, 4, 4)
    # fluency (50 + 2 x 80 + 2 x 20 + 2 x 20) / 7 = 41.4; pronunciation (40 + 140 + 40 + 40) / 7 = 37.1
    assert section["subscores"] == four(70, 60, 41, 37)
    assert [item["score"] for item in report["items"]] == [55, 75, 20, 20]


def test_an_unanswered_spoken_item_counts_at_the_floor_for_what_its_type_measures():
    report = aggregate_attempt(
        [
            spoken("r1", "read_aloud", spoken_result("read_aloud", four(80, 80, 80, 80), 80)),
            spoken("r2", "repeat", None),
            spoken("o1", "open_question", None),
        ]
    )
    section = report["sections"]["spoken"]
    assert section["counts"] == four(2, 2, 3, 3)
    # sentence mastery (80 + 20) / 2 = 50; fluency (80 + 20 + 2 x 20) / 4 = 35
    assert section["subscores"] == four(50, 50, 35, 35)
    assert section["unanswered"] == 2
    assert report["items_unanswered"] == 2
    assert [item["score"] for item in report["items"]] == [80, 20, 20]


# ---- written ----------------------------------------------------------------------------------


def written_attempt() -> list[ItemOutcome]:
    return [
        written("w1", "sentence_completion", "postponed", SENTENCE_ITEM),
        written("w2", "dictation", DICTATION_VARIANTS["one_typo"], DICTATION_ITEM),
        written("w3", "passage_reconstruction", PASSAGE_VARIANTS["several_missing"], PASSAGE_ITEM),
        written("w4", "email_writing", EMAIL_VARIANTS["perfect"], EMAIL_ITEM),
    ]


def test_written_subscores_come_from_the_writing_aggregator():
    outcomes = written_attempt()
    expected = aggregate_written_results([outcome.result for outcome in outcomes])
    report = aggregate_attempt(outcomes)
    section = report["sections"]["written"]
    assert section["reportable"] is True
    assert section["subscores"] == expected["subscores"]
    assert section["overall"] == expected["overall"]
    assert section["counts"] == {trait: mean["items"] for trait, mean in expected["trait_evidence"].items()}
    for trait in ("grammar", "vocabulary", "organization", "voice_tone", "reading_comprehension"):
        assert report["subscores"][trait] == expected["subscores"][trait], trait
    anchors = [[0.0, 20], [0.2, 26], [0.4, 37], [0.6, 50], [0.8, 64], [0.9, 71], [1.0, 80]]
    assert [item["score"] for item in report["items"]] == [
        to_reporting_scale(outcome.result["score"], anchors) for outcome in outcomes
    ]
    assert report["items"][0]["score"] == 80  # an accepted answer: score 1.0


def test_an_unanswered_written_item_is_left_out_and_counted():
    answered = written_attempt()
    report = aggregate_attempt([*answered, ItemOutcome("w5", "dictation", "written", None, None)])
    assert report["sections"]["written"]["subscores"] == aggregate_attempt(answered)["sections"]["written"]["subscores"]
    assert (report["sections"]["written"]["items"], report["sections"]["written"]["unanswered"]) == (4, 1)
    assert report["items_unanswered"] == 1
    assert report["items"][-1]["score"] is None


def test_unreportable_written_results_feed_no_subscore():
    typing_too_slow = written(
        "t1", "typing", TYPING_PASSAGE[:30], {"passage": TYPING_PASSAGE}, elapsed_seconds=60
    )  # 6 words per minute: under the writing gate
    outcomes = [typing_too_slow, *written_attempt(), *mcq_block("g", "grammar", correct=1, wrong=1)]
    report = aggregate_attempt(outcomes)
    section = report["sections"]["written"]
    assert section["reportable"] is False
    assert section["not_reportable_reasons"] == ["typing_speed_below_minimum"]
    assert set(section["subscores"].values()) == {None}
    assert section["overall"] is None
    assert report["subscores"]["grammar"] == 50  # from the grammar questions only: 1 of 2 correct
    for trait in ("organization", "voice_tone", "reading_comprehension", "vocabulary"):
        assert report["subscores"][trait] is None, trait
    assert any("withheld (typing speed below minimum)" in line for line in report["explanation"])
    assert report["items"][0]["score"] is not None  # the item keeps its own score


def test_written_results_of_different_versions_are_refused():
    outcomes = written_attempt()
    other = {**outcomes[1].result, "scoring_version": "writing-v1"}
    outcomes[1] = ItemOutcome("w2", "dictation", "written", None, other)
    with pytest.raises(AttemptScoringError) as caught:
        aggregate_attempt(outcomes)
    assert caught.value.code == "scoring_version_mismatch"
    assert caught.value.details["section"] == "written"


# ---- mcq modules ------------------------------------------------------------------------------


def test_mcq_modules_feed_their_subscores():
    outcomes = [
        *mcq_block("l", "listening", correct=3, wrong=1),
        *mcq_block("r", "reading", correct=1, wrong=2),
        *mcq_block("g", "grammar", correct=2, wrong=1),
        *mcq_block("v", "vocabulary", correct=0, wrong=2),
        *mcq_block("n", None, correct=1, wrong=0),
        *mcq_block("b", "business_english", correct=1, wrong=3),
    ]
    report = aggregate_attempt(outcomes)
    modules = report["sections"]["mcq"]
    assert list(modules) == sorted(modules)
    assert {name: (module["score"], module["subscore"]) for name, module in modules.items()} == {
        "listening": (65, "listening"),  # 20 + 60 x 3/4
        "reading": (40, "reading_comprehension"),  # 20 + 60 x 1/3
        "grammar": (60, "grammar"),  # 20 + 60 x 2/3
        "vocabulary": (20, "vocabulary"),
        "general": (80, "general"),  # no module
        "business_english": (35, "business_english"),  # 20 + 60 x 1/4
    }
    assert modules["listening"] == {
        "items": 4,
        "unanswered": 0,
        "correct": 3,
        "share_correct": 0.75,
        "score": 65,
        "subscore": "listening",
    }
    subscores = report["subscores"]
    assert (subscores["listening"], subscores["reading_comprehension"], subscores["grammar"]) == (65, 40, 60)
    assert (subscores["vocabulary"], subscores["general"], subscores["business_english"]) == (20, 80, 35)
    # Fixed subscores first in the config's order, then the modules' own ones, sorted.
    assert list(subscores)[-2:] == ["business_english", "general"]
    assert subscores["fluency"] is None


def test_unanswered_mcq_items_count_as_wrong():
    report = aggregate_attempt([mcq("a", "listening", 1), mcq("b", "listening", None), mcq("c", "listening", 0)])
    assert report["sections"]["mcq"]["listening"]["score"] == 40
    assert report["sections"]["mcq"]["listening"]["unanswered"] == 1
    assert report["items_unanswered"] == 1
    assert [item["score"] for item in report["items"]] == [80, 20, 20]
    none_result = aggregate_attempt([ItemOutcome("a", "mcq", "mcq", "listening", None), mcq("c", "listening", 1)])
    assert none_result["sections"]["mcq"]["listening"]["score"] == 50
    assert none_result["items_unanswered"] == 1


# ---- combining sections and Overall ----------------------------------------------------------


def test_a_subscore_fed_by_two_sections_is_their_mean_weighted_by_item_count():
    outcomes = [
        spoken("r1", "read_aloud", spoken_result("read_aloud", four(60, 50, 60, 60), 57)),
        spoken("o1", "story_retelling", spoken_result("story_retelling", four(60, 50, 60, 60), 57)),
        *mcq_block("v", "vocabulary", correct=1, wrong=0),
    ]
    report = aggregate_attempt(outcomes)
    assert report["sections"]["spoken"]["subscores"]["vocabulary"] == 50
    assert report["sections"]["mcq"]["vocabulary"]["score"] == 80
    assert report["subscores"]["vocabulary"] == 60  # (2 x 50 + 1 x 80) / 3
    line = next(line for line in report["explanation"] if line.startswith("Vocabulary:"))
    assert line == (
        "Vocabulary: 60, the mean of spoken 50 (2 items), multiple choice (vocabulary) 80 (1 item), "
        "weighted by item count."
    )


def test_a_subscore_fed_by_three_sections():
    outcomes = [
        spoken("r1", "read_aloud", spoken_result("read_aloud", four(60, 40, 60, 60), 57)),
        written("w1", "sentence_completion", "postponed", SENTENCE_ITEM),  # vocabulary evidence 1.0 -> 80
        *mcq_block("v", "vocabulary", correct=1, wrong=1),  # 50
    ]
    report = aggregate_attempt(outcomes)
    assert report["sections"]["written"]["subscores"]["vocabulary"] == 80
    assert report["subscores"]["vocabulary"] == 55  # (40 + 80 + 2 x 50) / 4


def test_overall_is_the_mean_of_the_subscores_rounded_half_up():
    outcomes = [*mcq_block("l", "listening", correct=1, wrong=0), *mcq_block("r", "reading", correct=3, wrong=1)]
    report = aggregate_attempt(outcomes)
    assert (report["subscores"]["listening"], report["subscores"]["reading_comprehension"]) == (80, 65)
    assert report["overall"] == 73  # 72.5 rounds up
    assert isinstance(report["overall"], int)
    assert sum(value is not None for value in report["subscores"].values()) == 2
    assert report["explanation"][-1] == "Overall: 73, the weighted mean of the 2 subscores measured, rounded half up."


def test_spoken_halves_round_up_too():
    report = aggregate_attempt(
        [
            spoken("r1", "read_aloud", spoken_result("read_aloud", four(45, 45, 45, 45), 45)),
            spoken("r2", "read_aloud", spoken_result("read_aloud", four(44, 44, 44, 44), 44)),
        ]
    )
    assert report["sections"]["spoken"]["subscores"] == four(45, 45, 45, 45)  # 44.5 -> 45
    assert report["overall"] == 45


def test_round_half_up_is_exact():
    assert [round_half_up(value) for value in (62.5, 44.5, 44.49, Fraction(89, 2), 20, 0.5)] == [63, 45, 44, 45, 20, 1]
    assert round_half_up(0.1 + 0.2 + 62.2) == 63  # 62.50000000000001 read as its decimal, still 63
    assert round_half_up(Fraction(125, 2) - Fraction(1, 10**9)) == 62


def test_an_empty_attempt_has_no_score():
    report = aggregate_attempt([])
    assert report["overall"] is None
    assert set(report["subscores"].values()) == {None}
    assert list(report["subscores"]) == load_config().subscores
    assert report["items"] == []
    assert report["items_unanswered"] == 0
    assert report["sections"]["mcq"] == {}
    assert report["sections"]["written"]["reportable"] is None
    assert report["explanation"] == ["The attempt has no items, so nothing is scored."]


def test_an_attempt_with_only_unanswered_written_items_has_no_score():
    report = aggregate_attempt([ItemOutcome("w1", "dictation", "written", None, None)])
    assert report["overall"] is None
    assert report["items"] == [
        {"item_id": "w1", "type": "dictation", "score": None, "feedback": report["items"][0]["feedback"]}
    ]
    assert report["items_unanswered"] == 1


def full_attempt() -> list[ItemOutcome]:
    return [
        spoken("r1", "read_aloud", spoken_result("read_aloud", four(66, 61, 57, 59), 60)),
        spoken("q1", "short_answer", spoken_result("short_answer", four(75, 80, 48, 52), 70)),
        spoken("o1", "open_question", spoken_result("open_question", four(None, None, 63, 55), 59)),
        spoken("s1", "story_retelling", no_speech_result("story_retelling")),
        spoken("p1", "repeat", None),
        *written_attempt(),
        ItemOutcome("w9", "typing", "written", None, None),
        *mcq_block("l", "listening", correct=2, wrong=1),
        *mcq_block("v", "vocabulary", correct=3, wrong=1),
        mcq("x", None, None),
    ]


def test_the_full_report_has_the_documented_shape():
    report = aggregate_attempt(full_attempt())
    assert list(report) == [
        "scoring_version",
        "overall",
        "subscores",
        "sections",
        "items",
        "items_unanswered",
        "explanation",
    ]
    assert report["scoring_version"] == "assessment-v1"
    assert 20 <= report["overall"] <= 80
    assert all(
        value is None or (isinstance(value, int) and 20 <= value <= 80) for value in report["subscores"].values()
    )
    for item in report["items"]:
        assert list(item) == ["item_id", "type", "score", "feedback"]
        assert item["score"] is None or 20 <= item["score"] <= 80
        assert item["feedback"]
    assert report["items_unanswered"] == 3  # p1, w9 and x
    assert json.loads(json.dumps(report)) == report
    assert all(isinstance(line, str) for line in report["explanation"])


def test_the_same_inputs_give_the_same_report():
    first = json.dumps(aggregate_attempt(full_attempt()))
    assert json.dumps(aggregate_attempt(full_attempt())) == first
    assert json.dumps(aggregate_attempt(tuple(full_attempt()))) == first


def test_the_order_of_the_items_changes_only_the_order_of_the_item_list():
    expected = aggregate_attempt(full_attempt())
    for seed in range(5):
        outcomes = full_attempt()
        random.Random(seed).shuffle(outcomes)
        report = aggregate_attempt(outcomes)
        for key in ("overall", "subscores", "sections", "items_unanswered"):
            assert json.dumps(report[key]) == json.dumps(expected[key]), key
        assert sorted(report["items"], key=lambda item: item["item_id"]) == sorted(
            expected["items"], key=lambda item: item["item_id"]
        )


# ---- what it refuses --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "code"),
    [
        (ItemOutcome("a", "karaoke", "spoken", None, None), "unknown_item_type"),
        (ItemOutcome("a", "dictation", "spoken", None, None), "unknown_item_type"),
        (ItemOutcome("a", "read_aloud", "written", None, None), "unknown_item_type"),
        (ItemOutcome("a", "mcq", "quiz", None, None), "invalid_item_outcome"),
        (ItemOutcome("", "mcq", "mcq", None, None), "invalid_item_outcome"),
        (ItemOutcome("a", "mcq", "mcq", "Listening!", None), "invalid_item_outcome"),
        (ItemOutcome("a", "read_aloud", "spoken", None, {"overall": 50}), "invalid_item_result"),
        (
            ItemOutcome("a", "read_aloud", "spoken", None, spoken_result("repeat", four(50, 50, 50, 50), 50)),
            "invalid_item_result",
        ),
        (
            ItemOutcome("a", "read_aloud", "spoken", None, spoken_result("read_aloud", four(50, 50, 50, 95), 50)),
            "invalid_item_result",
        ),
        (ItemOutcome("a", "dictation", "written", None, {"item_type": "dictation", "score": 2}), "invalid_item_result"),
        (ItemOutcome("a", "mcq", "mcq", None, {"item_type": "mcq", "correct": "yes"}), "invalid_item_result"),
    ],
)
def test_an_outcome_the_engines_could_not_have_made_is_refused(outcome, code):
    with pytest.raises(AttemptScoringError) as caught:
        aggregate_attempt([outcome])
    assert caught.value.code == code


def test_something_that_is_not_an_outcome_is_refused():
    with pytest.raises(AttemptScoringError) as caught:
        aggregate_attempt([{"item_id": "a"}])
    assert caught.value.code == "invalid_item_outcome"


def test_an_item_twice_is_refused():
    with pytest.raises(AttemptScoringError) as caught:
        aggregate_attempt([mcq("a", None, 1), mcq("a", None, 0)])
    assert (caught.value.code, caught.value.details) == ("duplicate_item_id", {"item_id": "a"})
