"""Input hygiene, errors, determinism, versioning, JSON output, and no web or queue imports."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.writing.samples import DICTATION_ITEM, EMAIL_ITEM, GOOD_EMAIL, PASSAGE_ITEM, SENTENCE_ITEM, STRONG_ATTEMPT
from workers.writing import (
    ITEM_TYPES,
    WritingScoringError,
    aggregate_written_results,
    available_versions,
    load_config,
    score_written_answer,
)
from workers.writing.config import VERSIONS_DIR

REPO_ROOT = Path(__file__).resolve().parents[2]


def dictation(answer) -> dict:
    return score_written_answer("dictation", answer, DICTATION_ITEM)


def test_html_tags_scripts_and_entities_are_stripped():
    html = (
        "<div><script>alert('x')</script><p>Please send the <b>final</b> report to the manager "
        "by Friday&nbsp;afternoon.</p></div>"
    )
    result = dictation(html)
    assert result["score"] == 1.0
    assert result["features"]["answer_had_html"] is True


def test_a_literal_less_than_sign_is_not_taken_for_html():
    result = score_written_answer("dictation", "3 < 5 and 7 > 2", {"text": "3 < 5 and 7 > 2"})
    assert (result["score"], result["features"]["answer_had_html"]) == (1.0, False)


def test_odd_unicode_is_normalised():
    odd = "\ufeffＰｌｅａｓｅ\u00a0send the\u200b final report to the manager by Friday afternoon\u2026 \U0001f600"
    assert dictation(odd)["score"] == 1.0
    assert score_written_answer("dictation", "Don\u2019t go.", {"text": "Do not go."})["score"] == 1.0


def test_non_latin_text_is_handled():
    result = dictation("कृपया अंतिम रिपोर्ट भेजें")
    assert result["score"] == 0.0
    assert json.dumps(result)


def test_very_long_input_is_capped_before_scoring():
    """The work per answer is bounded by the cap: a 1.2 MB answer scores exactly as its first
    `max_answer_chars` characters do (no timing here: how fast is the benchmark's business)."""
    cap = load_config().section("limits")["max_answer_chars"]
    huge = "Please send the final report. " * 40000  # about 1.2 MB
    assert len(huge) > cap
    for item_type, item, _, context in STRONG_ATTEMPT:
        whole = score_written_answer(item_type, huge, item, **context)
        capped = score_written_answer(item_type, huge[:cap], item, **context)
        assert whole["features"].pop("answer_truncated") is True
        assert capped["features"].pop("answer_truncated") is False
        assert whole == capped
        assert 0.0 <= whole["score"] <= 1.0


def test_none_answer_scores_like_an_empty_one():
    assert dictation(None)["score"] == dictation("")["score"] == 0.0


@pytest.mark.parametrize("answer", [42, b"bytes", ["list"], {"text": "x"}])
def test_non_text_answer_is_rejected(answer):
    with pytest.raises(WritingScoringError) as caught:
        dictation(answer)
    assert caught.value.code == "invalid_answer"


@pytest.mark.parametrize("item_type", ["essay", "", None, "Dictation"])
def test_unknown_item_type_is_rejected(item_type):
    with pytest.raises(WritingScoringError) as caught:
        score_written_answer(item_type, "text", DICTATION_ITEM)
    assert caught.value.code == "unknown_item_type"
    assert caught.value.details["known_item_types"] == list(ITEM_TYPES)


@pytest.mark.parametrize("item", [None, "text", ["text"], {}, {"text": ""}, {"text": 5}])
def test_malformed_item_is_rejected(item):
    with pytest.raises(WritingScoringError) as caught:
        score_written_answer("dictation", "text", item)
    assert caught.value.code == "invalid_item"
    assert caught.value.to_dict()["code"] == "invalid_item"
    assert caught.value.message


@pytest.mark.parametrize("version", ["writing-v999", "../versions/writing-v1", "v1", 3])
def test_unknown_version_is_rejected(version):
    with pytest.raises(WritingScoringError) as caught:
        score_written_answer("dictation", "x", DICTATION_ITEM, version=version)
    assert caught.value.code == "unknown_scoring_version"
    assert "writing-v1" in caught.value.details["available"]


def test_every_result_records_its_version_and_is_strict_json():
    for item_type, item, answer, context in STRONG_ATTEMPT:
        result = score_written_answer(item_type, answer, item, **context)
        assert result["scoring_version"] == "writing-v2"
        assert len(result["scoring_config_sha256"]) == 64
        assert result["item_type"] == item_type
        assert result["explanation"]["summary"]
        assert json.loads(json.dumps(result, allow_nan=False)) == result


def _attempt_as_json() -> str:
    results = [score_written_answer(t, a, i, **c) for t, i, a, c in STRONG_ATTEMPT]
    results.append(score_written_answer("email_writing", GOOD_EMAIL.replace("Friday", "Fridya"), EMAIL_ITEM))
    results.append(score_written_answer("sentence_completion", "postponned", SENTENCE_ITEM))
    results.append(score_written_answer("passage_reconstruction", "The library closes.", PASSAGE_ITEM))
    return json.dumps({"results": results, "report": aggregate_written_results(results)}, sort_keys=True)


def test_scoring_is_deterministic_in_process_and_across_processes():
    here = _attempt_as_json()
    assert here == _attempt_as_json()
    script = "from tests.writing.test_writing_robustness import _attempt_as_json; print(_attempt_as_json())"
    other = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": "/usr/bin:/bin"},
    )
    assert other.stdout.strip() == here


def test_the_package_imports_neither_flask_nor_celery():
    script = (
        "import sys, workers.writing as w; w.score_written_answer('dictation', 'a b', {'text': 'a b'}); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'celery', 'kombu')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == "[]"


def test_command_line_prints_json(tmp_path):
    item_file = tmp_path / "item.json"
    item_file.write_text(json.dumps(DICTATION_ITEM))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "workers.writing",
            "--item-type",
            "dictation",
            "--item",
            str(item_file),
            "--answer",
            "Please send the final report.",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["features"]["missing_words"] == 6
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "workers.writing",
            "--item-type",
            "dictation",
            "--item",
            str(item_file),
            "--answer",
            "x",
            "--version",
            "writing-v0",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2
    assert json.loads(bad.stderr)["error"]["code"] == "unknown_scoring_version"


def test_the_recorded_hash_is_the_hash_of_the_shipped_config():
    result = dictation("Please send it.")
    expected = hashlib.sha256((VERSIONS_DIR / "writing-v2.json").read_bytes()).hexdigest()
    assert result["scoring_config_sha256"] == expected
    assert {"writing-v1", "writing-v2"} <= set(available_versions())


def test_abbreviations_do_not_start_new_sentences():
    text = (
        "Dear Ms Rao,\n\nPlease bring your documents, e.g. your passport. Mr. Sharma will check them "
        "because the office needs copies. I am sorry I cannot come on Friday; could we meet next "
        "Tuesday instead?\n\nKind regards,\nArjun"
    )
    assert score_written_answer("email_writing", text, EMAIL_ITEM)["explanation"]["grammar_issues"] == []
