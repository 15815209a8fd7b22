"""Email writing: task points, length window, grammar and spelling, vocabulary, organisation, tone."""

from __future__ import annotations

import pytest

from tests.writing.samples import EMAIL_ITEM, EMAIL_VARIANTS, GOOD_EMAIL
from workers.writing import WritingScoringError, score_written_answer


def email(answer: str, item: dict = EMAIL_ITEM) -> dict:
    return score_written_answer("email_writing", answer, item)


def covered(result: dict) -> dict[str, bool]:
    return {point["id"]: point["covered"] for point in result["explanation"]["points"]}


def test_graded_variants_in_teacher_order():
    scores = [email(answer)["score"] for answer in EMAIL_VARIANTS.values()]
    assert scores[0] > scores[1] > scores[2] > scores[3] > scores[4]
    assert scores[4] == scores[5] == 0.0


def test_every_point_is_detected_in_a_complete_email():
    result = email(GOOD_EMAIL)
    assert covered(result) == {"apology": True, "reason": True, "new_date": True}
    assert result["explanation"]["missing_points"] == []
    assert result["features"]["task_completion"] == 1.0


def test_missing_points_are_named():
    result = email(EMAIL_VARIANTS["missing_points"])
    assert covered(result) == {"apology": True, "reason": False, "new_date": False}
    assert result["explanation"]["missing_points"] == ["Explain why you cannot attend", "Suggest another date"]
    assert "Covered 1 of 3" in result["explanation"]["summary"]


def test_all_of_needs_a_hit_in_every_group():
    only_suggestion = (
        GOOD_EMAIL.replace("Tuesday or Wednesday of next week", "a better time")
        .replace("on those days", "then")
        .replace("on Friday", "")
    )
    assert covered(email(only_suggestion))["new_date"] is False


def test_keywords_match_other_word_forms_and_british_spelling():
    item = {**EMAIL_ITEM, "points": [{"id": "apology", "keywords": ["apologize"]}]}
    assert covered(email("Dear Ms Rao, I apologise for this. Regards, Arjun", item)) == {"apology": True}


def test_misspellings_are_listed_with_suggestions():
    result = email(EMAIL_VARIANTS["typos"])
    assert {m["word"]: m["suggestion"] for m in result["explanation"]["misspellings"]} == {
        "apointment": "appointment",
        "schedul": "schedule",
        "understandng": "understanding",
    }
    assert result["trait_evidence"]["grammar"] < email(GOOD_EMAIL)["trait_evidence"]["grammar"]


def test_names_from_the_prompt_are_not_misspellings():
    assert email(GOOD_EMAIL)["features"]["spelling_errors"] == 0


def test_grammar_problems_are_found_and_explained():
    text = (
        "Dear Ms Rao,\n\ni am sorry but i can not come on Friday. He have told me that I should to visit "
        "a office. Can we meet next Tuesday instead?\n\nRegards,\nArjun"
    )
    issues = email(text)["explanation"]["grammar_issues"]
    assert {issue["rule"] for issue in issues} >= {
        "lowercase_i",
        "subject_verb_agreement",
        "modal_followed_by_to",
        "article_a_an",
    }
    assert all(issue["message"] and issue["text"] for issue in issues)


def test_length_window():
    short = email("Dear Ms Rao, sorry, I cannot come on Friday because I am ill. Regards, Arjun")
    long_email = email(GOOD_EMAIL + "\n" + "I also want to add that I enjoy these sessions very much. " * 25)
    assert short["features"]["short_factor"] < 1
    assert "Too short" in short["explanation"]["summary"]
    assert long_email["features"]["long_factor"] < 1
    assert "Too long" in long_email["explanation"]["summary"]
    assert email(GOOD_EMAIL)["features"]["short_factor"] == email(GOOD_EMAIL)["features"]["long_factor"] == 1


def test_organisation_greeting_paragraphs_closing():
    features = email(GOOD_EMAIL)["features"]
    assert (features["greeting"], features["closing"]) == ("dear", "kind regards")
    assert features["paragraphs"] >= 2
    flat = email(GOOD_EMAIL.replace("Dear Ms Rao,", "").replace("Kind regards,", "").replace("\n\n", " "))
    assert flat["features"]["greeting"] is None
    assert flat["features"]["closing"] is None
    assert flat["trait_evidence"]["organization"] < email(GOOD_EMAIL)["trait_evidence"]["organization"]


def test_informal_tone_is_lower():
    informal = email(EMAIL_VARIANTS["informal_short"])
    assert {"gonna", "u", "thx"} <= set(informal["features"]["informal_markers"])
    assert informal["trait_evidence"]["voice_tone"] < email(GOOD_EMAIL)["trait_evidence"]["voice_tone"]


def test_html_paragraphs_count_as_paragraphs():
    html = "".join(f"<p>{block}</p>" for block in GOOD_EMAIL.split("\n\n"))
    assert email(html)["features"]["paragraphs"] == email(GOOD_EMAIL)["features"]["paragraphs"]
    assert email(html)["score"] == email(GOOD_EMAIL)["score"]


@pytest.mark.parametrize(
    "points", [None, [], [{"id": "x"}], [{"keywords": []}], [{"all_of": [[]]}], [{"keywords": "sorry"}], ["sorry"]]
)
def test_malformed_points_are_rejected(points):
    with pytest.raises(WritingScoringError) as caught:
        email(GOOD_EMAIL, {**EMAIL_ITEM, "points": points})
    assert caught.value.code == "invalid_item"


def test_inverted_length_window_is_rejected():
    with pytest.raises(WritingScoringError) as caught:
        email(GOOD_EMAIL, {**EMAIL_ITEM, "min_words": 100, "max_words": 50})
    assert caught.value.details["field"] == "max_words"
