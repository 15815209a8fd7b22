"""speech-v2, feature by feature: content gates manner, rate in syllables, the short-item path, a
second reading when words are too few for the voiced time, and speech-v1 kept as it was.

Pure functions are checked with made-up numbers; the engine with espeak-ng speech (the same
labelled set as the other scoring tests). The calibration on real recordings is
bench/bench_scoring_validity.py: these tests pin behaviour, not one machine's figures.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import pytest

from tests.scoring.labelled_set import READ_ITEMS
from workers.scoring import CURRENT_VERSION, load_config
from workers.scoring.features import confidence_check, confirmed_probabilities, fluency_features
from workers.scoring.mapping import fluency_score, piecewise_linear, subscores
from workers.scoring.reading import better_supported_reading, speech_only, voiced_outside_words
from workers.scoring.recogniser import RecognisedWord, Recognition
from workers.scoring.text import normalise, syllable_count
from workers.scoring.vad import SpeechActivity

V1, V2 = load_config("speech-v1"), load_config("speech-v2")
LIBRARY, PASSPORT = READ_ITEMS["library"], READ_ITEMS["passport"]


def test_the_current_version_is_speech_v2_and_v1_is_kept():
    assert CURRENT_VERSION == "speech-v2"
    assert "manner_gate" not in V1
    assert "rate_words_per_minute_to_score" in V1["fluency"]


# --- rate in syllables ---------------------------------------------------------------------------


def _activity(voiced_seconds: float, pauses: tuple[float, ...] = ()) -> SpeechActivity:
    """Speech in equal stretches separated by the given pauses, starting at 0.5 s."""
    stretch = voiced_seconds / (len(pauses) + 1)
    segments, at = [], 0.5
    for pause in (*pauses, None):
        segments.append((at, at + stretch))
        at += stretch + (pause or 0.0)
    return SpeechActivity(segments=segments, duration_s=at + 0.5)


def test_long_words_and_short_words_at_one_syllable_rate_score_alike():
    long_words = normalise("invalid personal identification numbers").split()
    short_words = normalise("the cat sat on the mat and then it ran to me and sat").split()
    assert syllable_count(long_words) == syllable_count(short_words) == 14
    slow_in_words = fluency_features(_activity(3.5), long_words, V2)  # 4 words: 69 per minute
    brisk_in_words = fluency_features(_activity(3.5), short_words, V2)  # 14 words: 240 per minute
    assert slow_in_words["syllables_per_second"] == brisk_in_words["syllables_per_second"] == 4.0
    assert fluency_score(slow_in_words, "read_aloud", V2) == fluency_score(brisk_in_words, "read_aloud", V2) == 80
    # speech-v1 counted words: the same two readings were far apart.
    v1_scores = [
        fluency_score(fluency_features(_activity(3.5), w, V1), "read_aloud", V1) for w in (long_words, short_words)
    ]
    assert v1_scores[0] < 60 < v1_scores[1] - 5


def test_pauses_still_cost_and_a_slow_rate_still_scores_low():
    words = normalise("the students finished their homework before the library closed").split()
    smooth = fluency_score(fluency_features(_activity(3.5), words, V2), "read_aloud", V2)
    halting = fluency_score(fluency_features(_activity(3.5, (0.6, 1.8)), words, V2), "read_aloud", V2)
    dragging = fluency_score(fluency_features(_activity(9.0), words, V2), "read_aloud", V2)
    assert smooth == 80
    assert halting == 80 - V2["fluency"]["short_pause_penalty"] * 2 - V2["fluency"]["long_pause_penalty"]
    assert dragging < 55


# --- content gates manner ------------------------------------------------------------------------


def _features(coverage: float, expected: int = 10) -> dict:
    correct = round(coverage * expected)
    return {
        "content": {
            "words_correct": correct,
            "expected_words": expected,
            "word_accuracy": coverage,
            "content_word_recall": coverage,
            "exact_match": coverage == 1.0,
            "expected_coverage": correct / expected,
            "short_item": False,
        },
        "pronunciation": {"mean_probability_spoken_words": 0.9},
        "fluency": {
            "syllables_per_second": 4.5,
            "words_per_minute": 170.0,
            "pauses_over_0_4s": 0,
            "pauses_over_1_5s": 0,
            "response_latency_seconds": 0.5,
        },
    }


# The share of manner credit kept: none up to chance overlap (a fifth of the words), then linear.
@pytest.mark.parametrize(("coverage", "manner"), [(1.0, 80), (0.6, 50), (0.2, 20), (0.1, 20), (0.0, 20)])
def test_manner_credit_scales_with_the_expected_response_produced(coverage, manner):
    scores = subscores(_features(coverage), "read_aloud", V2)
    assert (scores["fluency"], scores["pronunciation"]) == (manner, manner)


def test_speech_v1_gave_full_manner_credit_whatever_was_said():
    scores = subscores(_features(0.1), "read_aloud", V1)
    assert scores["fluency"] == 80
    assert scores["pronunciation"] == 80


# --- the short-item path -------------------------------------------------------------------------


def _recognition(*words: tuple[str, float], start: float = 0.0, end: float = 0.0) -> Recognition:
    """A reading whose words share the time from start to end evenly."""
    step = (end - start) / max(1, len(words))
    return Recognition(
        text=" ".join(w for w, _ in words),
        words=[RecognisedWord(w, start + i * step, start + (i + 1) * step, p) for i, (w, p) in enumerate(words)],
        avg_logprob=-0.4,
        no_speech_prob=0.01,
        compression_ratio=1.0,
        token_count=len(words),
        hit_token_cap=False,
    )


def test_an_unprompted_reading_confirms_the_words_it_also_heard():
    confirmation = _recognition(("Front", 0.42), ("centre,", 0.48), (".", 0.98))
    assert confirmed_probabilities(["front", "center"], confirmation) == [0.42, None]
    assert confirmed_probabilities(["front", "centre"], confirmation) == [0.42, 0.48]
    assert confirmed_probabilities(["back", "door"], confirmation) == [None, None]


def test_a_short_answer_is_low_confidence_only_when_the_unprompted_reading_disagrees():
    from workers.scoring.features import ContentComparison, WordResult

    comparison = ContentComparison(
        words=[WordResult("front", "front", "correct"), WordResult("door", "door", "correct")]
    )
    unsure = _recognition(("Front", 0.3), ("door.", 0.35))  # a short clip: low probabilities, as usual
    assert "low_recognition_confidence" in confidence_check(unsure, comparison, V2)["review_reasons"]
    assert confidence_check(unsure, comparison, V2, confirmed_share=1.0)["review_reasons"] == []
    assert confidence_check(unsure, comparison, V2, confirmed_share=0.0)["review_reasons"] == [
        "low_recognition_confidence"
    ]


def test_a_short_item_is_rated_on_its_own_band():
    short = fluency_features(_activity(1.0), ["rear", "left"], V2)  # 2 syllables a second: slow for a passage
    assert short["syllables_per_second"] == 2.0
    assert fluency_score(short, "repeat", V2, short_item=True) == 80
    assert fluency_score(short, "repeat", V2) < 55
    assert piecewise_linear(0.5, V2["short_items"]["pronunciation_from_mean_probability"]) == 80


# --- a second reading ----------------------------------------------------------------------------

AUDIO_HOLDS = normalise(LIBRARY.text).split()


class HalfHearingRecogniser:
    """Prompted, it hears only the second half of the sentence (as noise made it happen on one real
    recording); unprompted, or on the speech alone, it hears all of it. The audio supports exactly
    the sentence's words."""

    model_info: ClassVar[dict] = {"name": "fake"}

    def __init__(self, *, prompted_hears_half: bool = True) -> None:
        self.prompted_hears_half = prompted_hears_half
        self.calls: list[tuple[int, str | None]] = []

    def recognise(self, audio, prompt, _settings) -> Recognition:
        self.calls.append((len(audio), prompt))
        if prompt and self.prompted_hears_half:
            return _recognition(*((w, 0.8) for w in AUDIO_HOLDS[len(AUDIO_HOLDS) // 2 :]), start=2.6, end=4.6)
        return _recognition(*((w, 0.8) for w in AUDIO_HOLDS), start=0.3, end=4.6)

    def align(self, _audio, text):
        return [RecognisedWord(w, 0.0, 0.0, 0.8 if w in AUDIO_HOLDS else 0.02) for w in normalise(text).split()]


CLIP = np.zeros(16000 * 5, dtype=np.float32)
SEGMENTS = [(0.3, 2.3), (2.6, 4.6)]  # 4 s of voice


def test_too_few_words_for_the_voiced_time_are_read_again_and_the_better_supported_reading_kept():
    recogniser = HalfHearingRecogniser()
    first = recogniser.recognise(CLIP, LIBRARY.text, None)
    chosen, record = better_supported_reading(recogniser, CLIP, SEGMENTS, first, LIBRARY.text, V2)
    assert normalise(chosen.text).split() == AUDIO_HOLDS
    assert record["retried"] is True
    assert record["kept"] != 0
    assert record["readings"][record["kept"]]["support"] > record["readings"][0]["support"]
    assert record["readings_disagree"] is True
    # One reading unprompted, one of the speech alone (prompted as before).
    assert [prompt for _, prompt in recogniser.calls[1:]] == [None, LIBRARY.text]
    assert recogniser.calls[2][0] < len(CLIP)


def test_enough_words_for_the_voiced_time_are_not_read_again():
    recogniser = HalfHearingRecogniser(prompted_hears_half=False)
    first = recogniser.recognise(CLIP, LIBRARY.text, None)
    assert better_supported_reading(recogniser, CLIP, SEGMENTS, first, LIBRARY.text, V2) == (first, None)
    assert len(recogniser.calls) == 1


def test_speech_v1_never_reads_again():
    recogniser = HalfHearingRecogniser()
    first = recogniser.recognise(CLIP, LIBRARY.text, None)
    assert better_supported_reading(recogniser, CLIP, SEGMENTS, first, LIBRARY.text, V1) == (first, None)


def test_voice_after_the_last_word_is_read_again_even_at_a_good_rate():
    """A prompted reading that drops a closing sentence: the words it has come at a normal rate,
    but the voice goes on for over a second after its last word."""
    recogniser = HalfHearingRecogniser(prompted_hears_half=False)
    words = [(w, 0.8) for w in AUDIO_HOLDS[:6]]
    first = _recognition(*words, start=0.3, end=2.3)  # the second stretch of voice is left out
    assert voiced_outside_words(first, SEGMENTS) == pytest.approx(2.0)
    chosen, record = better_supported_reading(recogniser, CLIP, SEGMENTS, first, LIBRARY.text, V2)
    assert record["voiced_seconds_outside_first_reading"] == 2.0
    assert normalise(chosen.text).split() == AUDIO_HOLDS


def test_speech_only_keeps_the_stretches_of_speech_in_order():
    clip = np.arange(16000 * 3, dtype=np.float32)
    kept = speech_only(clip, [(0.5, 1.0), (2.0, 2.5)])
    assert len(kept) == 8000 + 3200 + 8000 + 3200
    assert kept[0] == 8000
    assert kept[8000 + 3200] == 32000


# --- the engine on espeak-ng speech --------------------------------------------------------------


def test_a_fluent_reading_of_the_wrong_text_earns_no_manner_credit_and_is_flagged(read_aloud_clips, score):
    result = score(read_aloud_clips["library"]["correct"], PASSPORT.text)
    before = score(read_aloud_clips["library"]["correct"], PASSPORT.text, version="speech-v1")
    assert before["subscores"]["fluency"] >= 60  # speech-v1: fluency from voice activity alone
    assert result["overall"] <= 30
    assert result["subscores"]["fluency"] <= 30
    assert result["subscores"]["pronunciation"] <= 30
    assert result["needs_review"] is True
    assert "expected_content_missing" in result["review_reasons"]


def test_half_a_reading_earns_about_half_the_manner_credit(speech_set, read_aloud_clips, score):
    half = score(speech_set.speak("library-first-half.wav", "The students finished their homework."), LIBRARY.text)
    whole = score(read_aloud_clips["library"]["correct"], LIBRARY.text)
    coverage = half["features"]["content"]["expected_coverage"]
    assert 0.3 < coverage < 0.7
    for name in ("fluency", "pronunciation"):
        assert half["subscores"][name] <= round(20 + 60 * coverage) + 1
    assert whole["overall"] - half["overall"] >= 20


def test_a_correct_two_word_repeat_is_scored_on_the_short_path_and_not_doubted(speech_set, score):
    result = score(speech_set.speak("front-door.wav", "Front door."), "Front door.", "repeat")
    assert result["features"]["content"]["short_item"] is True
    assert result["features"]["confidence"]["confirmed_by_unprompted_reading"] == 1.0
    assert "low_recognition_confidence" not in result["review_reasons"]
    assert result["overall"] >= 70
    wrong = score(speech_set.speak("back-window.wav", "Back window."), "Front door.", "repeat")
    assert wrong["overall"] <= 25
    assert "expected_content_missing" in wrong["review_reasons"]


def test_speech_v1_results_are_still_speech_v1(read_aloud_clips, score):
    result = score(read_aloud_clips["library"]["correct"], LIBRARY.text, version="speech-v1")
    fluency = result["features"]["fluency"]
    assert result["scoring_version"] == "speech-v1"
    assert "syllables_per_second" not in fluency
    assert "expected_coverage" not in result["features"]["content"]
    assert "reading" not in result["features"]
    assert result["subscores"]["fluency"] == fluency_score(fluency, "read_aloud", V1)
