"""Per-item feedback for the student: subscore names, numbers and general advice, and never a
reference text, an accepted answer, the correct option, a key idea or what the student said."""

from __future__ import annotations

import json
import re

import pytest

from tests.attempt_scoring.fakes import mcq, no_speech_result, spoken, spoken_result, written
from tests.writing.samples import (
    DICTATION_ITEM,
    EMAIL_ITEM,
    EMAIL_VARIANTS,
    PASSAGE,
    SENTENCE_ITEM,
    TYPING_PASSAGE,
)
from workers.attempt_scoring import AttemptScoringError, ItemOutcome, aggregate_attempt, load_config, student_feedback

# Items as the item bank holds them (shared/API.md, "Assessment"), with what the student said or typed.
READ_ALOUD = {"text": "The museum opens its new gallery on Saturday morning."}
REPEAT = {"text": "Please leave your umbrella by the door."}
SENTENCE_BUILDS = {
    "phrases": ["at the station", "we waited", "for an hour"],
    "text": "We waited at the station for an hour.",
}
SHORT_ANSWER = {
    "question": "What do you use to measure temperature?",
    "accepted_answers": ["a thermometer", "thermometer"],
}
STORY = {
    "story": "Maria's bus broke down on the bridge, so she walked to school and arrived late for her exam.",
    "key_ideas": ["the bus broke down", "Maria walked to school", "she arrived late for her exam"],
}
OPEN_QUESTION = {"question": "Describe a holiday you enjoyed."}
PASSAGE_ITEM = {"passage": PASSAGE, "key_ideas": ["library closes for two weeks", "mobile library at the town hall"]}
MCQ_ITEM = {
    "question": "Why is the library closing?",
    "options": ["Staff holiday", "Roof repairs", "A new café"],
    "answer": 1,
    "passage": PASSAGE,
}
SAID = {
    "r1": "The museum opens its gallery on Saturday",
    "p1": "Please leave the umbrella near the door",
    "b1": "We waited for an hour at the station",
    "q1": "a thermometer",
    "s1": "Maria walked to school because the bus broke down",
    "o1": "Last summer I travelled to Goa with my cousins",
}
TYPED = {
    "w1": "cancelled",
    "w2": "Please send the final reprot to the manager by Friday",
    "w3": "The library will close in June. Members can borrow books from a mobile library.",
    "w4": EMAIL_VARIANTS["perfect"],
    "w5": TYPING_PASSAGE[:30],
}


def scored(item_type: str, subscores: dict, overall: int, reference: str, said: str) -> dict:
    return spoken_result(item_type, subscores, overall, expected_text=reference, transcript=said)


def attempt() -> list[ItemOutcome]:
    all_four = {"sentence_mastery": 66, "vocabulary": 61, "fluency": 48, "pronunciation": 59}
    return [
        spoken("r1", "read_aloud", scored("read_aloud", all_four, 57, READ_ALOUD["text"], SAID["r1"])),
        spoken("p1", "repeat", scored("repeat", all_four, 58, REPEAT["text"], SAID["p1"])),
        spoken("b1", "sentence_builds", scored("sentence_builds", all_four, 60, SENTENCE_BUILDS["text"], SAID["b1"])),
        spoken(
            "q1",
            "short_answer",
            scored("short_answer", all_four, 70, SHORT_ANSWER["accepted_answers"][0], SAID["q1"]),
        ),
        spoken("s1", "story_retelling", scored("story_retelling", all_four, 55, STORY["story"], SAID["s1"])),
        spoken(
            "o1",
            "open_question",
            scored("open_question", {"fluency": 72, "pronunciation": 44}, 58, "", SAID["o1"]),
        ),
        spoken("n1", "repeat", no_speech_result("repeat", REPEAT["text"])),
        spoken("u1", "read_aloud", None),
        written("w1", "sentence_completion", TYPED["w1"], SENTENCE_ITEM),
        written("w2", "dictation", TYPED["w2"], DICTATION_ITEM),
        written("w3", "passage_reconstruction", TYPED["w3"], PASSAGE_ITEM),
        written("w4", "email_writing", TYPED["w4"], EMAIL_ITEM),
        written("w5", "typing", TYPED["w5"], {"passage": TYPING_PASSAGE}, elapsed_seconds=60),
        ItemOutcome("w6", "dictation", "written", None, None),
        mcq("m1", "reading", 1, MCQ_ITEM),
        mcq("m2", "reading", 0, MCQ_ITEM),
        mcq("m3", "reading", None, MCQ_ITEM),
    ]


def reference_strings() -> list[str]:
    """Everything a student must never be shown in feedback: the items' reference texts, accepted
    answers, key ideas, the correct option, email points' keywords, and what the student said."""
    email_keywords = [
        keyword
        for point in EMAIL_ITEM["points"]
        for keyword in [*point.get("keywords", []), *(word for group in point.get("all_of", []) for word in group)]
    ]
    return [
        READ_ALOUD["text"],
        REPEAT["text"],
        SENTENCE_BUILDS["text"],
        *SENTENCE_BUILDS["phrases"],
        *SHORT_ANSWER["accepted_answers"],
        STORY["story"],
        *STORY["key_ideas"],
        *SENTENCE_ITEM["acceptable_answers"],
        DICTATION_ITEM["text"],
        PASSAGE,
        *PASSAGE_ITEM["key_ideas"],
        *(point["description"] for point in EMAIL_ITEM["points"]),
        *email_keywords,
        TYPING_PASSAGE,
        MCQ_ITEM["options"][MCQ_ITEM["answer"]],
        *SAID.values(),
        *(text for text in TYPED.values() if text),
    ]


def _mentions(feedback: str, reference: str) -> bool:
    return re.search(rf"(?<![a-z]){re.escape(reference.lower().strip())}(?![a-z])", feedback.lower()) is not None


def test_feedback_never_contains_a_reference_string():
    outcomes = attempt()
    report = aggregate_attempt(outcomes)
    texts = [item["feedback"] for item in report["items"]] + [student_feedback(outcome) for outcome in outcomes]
    assert len(texts) == 2 * len(outcomes)
    references = reference_strings()
    assert len(references) > 40
    leaks = [(text, reference) for text in texts for reference in references if _mentions(text, reference)]
    assert not leaks
    # Not vacuous: the engine results the feedback is made from do hold such strings.
    results = json.dumps([outcome.result for outcome in outcomes])
    for held in ("postponed", SAID["o1"], SHORT_ANSWER["accepted_answers"][0], REPEAT["text"], TYPED["w1"]):
        assert _mentions(results, held), held


def test_the_explanation_never_contains_a_reference_string_either():
    report = aggregate_attempt(attempt())
    leaks = [
        (line, reference)
        for line in report["explanation"]
        for reference in reference_strings()
        if _mentions(line, reference)
    ]
    assert not leaks


def test_feedback_is_made_only_of_the_configs_words_and_numbers():
    """A stronger check than any list of references: every word comes from the config's fixed
    sentences and subscore labels, so nothing from an item or an answer can be in it."""
    feedback_config = load_config().section("feedback")
    fixed = " ".join(
        [
            *feedback_config["messages"].values(),
            *feedback_config["advice"].values(),
            feedback_config["default_advice"],
            *load_config().section("subscore_labels").values(),
        ]
    )
    allowed = set(re.findall(r"[a-z]+", re.sub(r"\{[a-z_]+\}", " ", fixed).lower()))
    for item in aggregate_attempt(attempt())["items"]:
        words = set(re.findall(r"[a-z]+", item["feedback"].lower()))
        assert words <= allowed, (item["item_id"], words - allowed)
        assert re.fullmatch(r"[A-Za-z0-9 ,.:]+", item["feedback"]), item["feedback"]


def test_the_item_list_uses_student_feedback():
    outcomes = attempt()
    report = aggregate_attempt(outcomes)
    assert [item["feedback"] for item in report["items"]] == [student_feedback(outcome) for outcome in outcomes]


def by_id() -> dict[str, str]:
    return {item["item_id"]: item["feedback"] for item in aggregate_attempt(attempt())["items"]}


def test_spoken_feedback_names_each_subscore_and_advises_below_60():
    assert by_id()["r1"] == (
        "Score 57 of 80. Sentence mastery 66 of 80. Vocabulary 61 of 80. "
        "Fluency 48 of 80: try to keep a steady pace without long pauses. "
        "Pronunciation 59 of 80: say each word clearly and completely."
    )


def test_open_question_feedback_names_only_fluency_and_pronunciation():
    assert (
        by_id()["o1"]
        == "Score 58 of 80. Fluency 72 of 80. Pronunciation 44 of 80: say each word clearly and completely."
    )


def test_no_speech_and_unanswered_spoken_feedback():
    feedback = by_id()
    assert feedback["n1"] == (
        "No speech was heard, so this answer gets 20 of 80. "
        "Check your microphone and start speaking soon after the prompt."
    )
    assert feedback["u1"] == "Not answered: 20 of 80. Try to answer every question."


def test_written_feedback_gives_the_traits_the_item_measured():
    feedback = by_id()
    assert feedback["w1"] == (
        "Score 20 of 80. Grammar 20 of 80: check verb forms, articles and word order. "
        "Vocabulary 20 of 80: use precise words and include every main idea. "
        "Reading comprehension 20 of 80: read carefully and cover every point the task asks for."
    )
    assert feedback["w4"].startswith("Score ")
    assert "Voice and tone" in feedback["w4"]
    assert "Organization" in feedback["w4"]
    assert feedback["w6"] == "Not answered, so this item has no score. Try to answer every question."


def test_typing_feedback_gives_speed_and_accuracy_and_says_when_below_the_minimum():
    assert by_id()["w5"] == (
        "Score 25 of 80. Typing speed 6 words per minute, accuracy 100 percent. "
        "This is below the minimum speed or accuracy for a typing result: type steadily and check each word."
    )


def test_mcq_feedback_says_right_or_wrong_but_never_which_option_was_right():
    feedback = by_id()
    assert feedback["m1"] == "Correct: 80 of 80."
    assert feedback["m2"] == ("Not correct: 20 of 80. Read the question and every option carefully before you choose.")
    assert feedback["m3"] == "Not answered: 20 of 80. Try to answer every question."


def test_student_feedback_checks_its_input():
    with pytest.raises(AttemptScoringError) as caught:
        student_feedback(ItemOutcome("x", "read_aloud", "spoken", None, {"item_type": "read_aloud"}))
    assert caught.value.code == "invalid_item_result"
    with pytest.raises(AttemptScoringError) as caught:
        student_feedback(ItemOutcome("x", "mcq", "mcq", None, None), version="assessment-v0")
    assert caught.value.code == "unknown_scoring_version"
