"""Features of one spoken answer: content, pronunciation, fluency, recogniser confidence.

Every function here is pure (numbers and words in, numbers and words out) so it
can be tested and explained without audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import jiwer

from workers.scoring.text import content_words, light_stem, normalise, syllable_count

if TYPE_CHECKING:
    from .recogniser import RecognisedWord, Recognition
    from .vad import SpeechActivity

CORRECT, SUBSTITUTED, MISSING = "correct", "substituted", "missing"


@dataclass
class WordResult:
    """One expected word, as a teacher would read it."""

    expected: str
    heard: str | None
    status: str
    alignment_probability: float | None = None
    weak: bool = False
    possibly_filled_in: bool = False

    @property
    def flagged(self) -> bool:
        return self.status != CORRECT or self.weak or self.possibly_filled_in


@dataclass
class ContentComparison:
    words: list[WordResult]
    inserted: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for w in self.words if w.status == status)

    @property
    def error_count(self) -> int:
        """Substituted, missing and extra words."""
        return self.count(SUBSTITUTED) + self.count(MISSING) + len(self.inserted)

    @property
    def word_accuracy(self) -> float:
        """1 - WER, floored at 0 (insertions count as errors)."""
        return max(0.0, 1.0 - self.error_count / max(1, len(self.words)))

    @property
    def content_word_recall(self) -> float:
        expected = content_words([w.expected for w in self.words]) or [w.expected for w in self.words]
        correct = [w.expected for w in self.words if w.status == CORRECT]
        remaining = list(correct)
        hits = 0
        for word in expected:
            if word in remaining:
                remaining.remove(word)
                hits += 1
        return hits / max(1, len(expected))


def compare_words(expected: list[str], heard: list[str]) -> ContentComparison:
    """Word-level alignment (jiwer) of what was heard against what was expected."""
    if not expected:
        return ContentComparison(words=[], inserted=list(heard))
    if not heard:
        return ContentComparison(words=[WordResult(w, None, MISSING) for w in expected])
    output = jiwer.process_words(" ".join(expected), " ".join(heard))
    words: list[WordResult] = []
    inserted: list[str] = []
    for chunk in output.alignments[0]:
        ref = expected[chunk.ref_start_idx : chunk.ref_end_idx]
        hyp = heard[chunk.hyp_start_idx : chunk.hyp_end_idx]
        if chunk.type == "equal":
            words += [WordResult(r, h, CORRECT) for r, h in zip(ref, hyp, strict=True)]
        elif chunk.type == "substitute":
            words += [WordResult(r, h, SUBSTITUTED) for r, h in zip(ref, hyp, strict=True)]
        elif chunk.type == "delete":
            words += [WordResult(r, None, MISSING) for r in ref]
        else:
            inserted += hyp
    return ContentComparison(words=words, inserted=inserted)


def best_accepted_answer(accepted: list[str], heard: list[str]) -> tuple[str, ContentComparison]:
    """For short answers: the accepted answer that covers the most of what was heard.

    Ranked by words heard correctly (more wins), then by errors (fewer wins: substituted,
    missing and extra words), then by the order the answers are listed. Counts, not the
    floored word accuracy: with a repeated or padded response several answers all floor
    at 0 and the first listed would win by accident, whatever the recogniser heard.
    """
    scored = [(answer, compare_words(normalise(answer).split(), heard)) for answer in accepted]
    ranked = sorted(
        enumerate(scored), key=lambda entry: (-entry[1][1].count(CORRECT), entry[1][1].error_count, entry[0])
    )
    return ranked[0][1]


def is_short_item(comparison: ContentComparison, config: dict) -> bool:
    """One to three expected words (speech-v2 on): scored on the short-item path."""
    short = config.get("short_items")
    return short is not None and 0 < len(comparison.words) <= short["max_expected_words"]


def reading_words(recognition: Recognition) -> tuple[list[str], list[float]]:
    """A reading's normalised words, each with the probability of the written word it came from."""
    words: list[str] = []
    probabilities: list[float] = []
    for item in recognition.words:
        for word in normalise(item.word).split():
            words.append(word)
            probabilities.append(item.probability)
    return words, probabilities


def confirmed_probabilities(expected: list[str], confirmation: Recognition) -> list[float | None]:
    """Per expected word: the probability an unprompted reading gave it, if that reading heard it
    in line with the others (jiwer's alignment), else None.
    """
    words, probabilities = reading_words(confirmation)
    confirmed: list[float | None] = [None] * len(expected)
    if not words or not expected:
        return confirmed
    for chunk in jiwer.process_words(" ".join(expected), " ".join(words)).alignments[0]:
        if chunk.type == "equal":
            for step in range(chunk.ref_end_idx - chunk.ref_start_idx):
                confirmed[chunk.ref_start_idx + step] = probabilities[chunk.hyp_start_idx + step]
    return confirmed


def spread_alignment(aligned: list[RecognisedWord], expected_words: list[str]) -> list[float] | None:
    """Per normalised expected word, the probability of the written word it came from.

    "It's 25." aligns as two written words but normalises to four ("it is twenty
    five"); each normalised word takes its written word's probability. None if the
    two do not line up (then the caller aligns the normalised text instead).
    """
    probabilities: list[float] = []
    for item in aligned:
        probabilities += [item.probability] * len(normalise(item.word).split())
    return probabilities if len(probabilities) == len(expected_words) else None


def attach_pronunciation(comparison: ContentComparison, probabilities: list[float], config: dict) -> dict:
    weak_below = config["pronunciation"]["weak_word_probability"]
    filled_in_below = config["confidence"]["filled_in_probability"]
    spoken: list[float] = []  # the rounded probabilities of the words heard correctly
    for word, probability in zip(comparison.words, probabilities, strict=True):
        word.alignment_probability = round(probability, 3)
        if word.status == CORRECT:
            spoken.append(word.alignment_probability)
            word.weak = probability < weak_below
            word.possibly_filled_in = probability < filled_in_below
    return {
        "mean_probability_spoken_words": round(sum(spoken) / len(spoken), 3) if spoken else 0.0,
        "mean_probability_all_words": round(sum(probabilities) / max(1, len(probabilities)), 3),
        "weak_words": [w.expected for w in comparison.words if w.weak],
        "method": "forced alignment of the expected text",
    }


def fluency_features(activity: SpeechActivity, heard: list[str], config: dict) -> dict:
    """Rate, pauses and latency from voice activity. A version that rates speech in syllables
    (speech-v2 on) also gets syllables per second of voiced time: words of any length count
    alike, and pauses are left to their own penalty.
    """
    settings = config["fluency"]
    span = activity.span
    span_s = (span[1] - span[0]) if span else 0.0
    pauses = activity.pauses()
    features = {
        "speech_span_seconds": round(span_s, 2),
        "speech_seconds": round(activity.speech_seconds, 2),
        "words_spoken": len(heard),
        "words_per_minute": round(60.0 * len(heard) / span_s, 1) if span_s > 0 else 0.0,
        "pauses_over_0_4s": sum(1 for p in pauses if p >= settings["short_pause_seconds"]),
        "pauses_over_1_5s": sum(1 for p in pauses if p >= settings["long_pause_seconds"]),
        "longest_pause_seconds": round(max(pauses), 2) if pauses else 0.0,
        "response_latency_seconds": round(activity.first_onset_s or 0.0, 2),
    }
    if "rate_syllables_per_second_to_score" in settings:
        syllables = syllable_count(heard)
        voiced_s = activity.speech_seconds
        features["syllables_spoken"] = syllables
        features["syllables_per_second"] = round(syllables / voiced_s, 2) if voiced_s > 0 else 0.0
    return features


def confidence_check(
    recognition: Recognition, comparison: ContentComparison, config: dict, confirmed_share: float | None = None
) -> dict:
    """Reasons to have a person listen: the recogniser was unsure or may have filled words in.

    confirmed_share (short items, speech-v2 on): the share of the expected words an unprompted
    reading also heard; it replaces the mean word probability, which is low on any short clip.
    """
    settings = config["confidence"]
    heard = [w.probability for w in recognition.words]
    mean_probability = sum(heard) / len(heard) if heard else 0.0
    correct = [w for w in comparison.words if w.status == CORRECT]
    filled_in = [w.expected for w in correct if w.possibly_filled_in]
    filled_fraction = len(filled_in) / len(correct) if correct else 0.0
    reasons = []
    if confirmed_share is not None:
        if confirmed_share < config["short_items"]["min_confirmed_share"]:
            reasons.append("low_recognition_confidence")
    elif heard and mean_probability < settings["min_mean_word_probability"]:
        reasons.append("low_recognition_confidence")
    if filled_fraction > settings["max_filled_in_fraction"]:
        reasons.append("words_possibly_filled_in")
    if recognition.compression_ratio > settings["max_compression_ratio"] or recognition.hit_token_cap:
        reasons.append("repetitive_transcript")
    if recognition.no_speech_prob > settings["max_no_speech_probability"]:
        reasons.append("recogniser_hears_no_speech")
    extra = {} if confirmed_share is None else {"confirmed_by_unprompted_reading": round(confirmed_share, 3)}
    return {
        **extra,
        "mean_word_probability": round(mean_probability, 3),
        "possibly_filled_in_words": filled_in,
        "compression_ratio": round(recognition.compression_ratio, 3),
        "no_speech_probability": round(recognition.no_speech_prob, 3),
        "avg_logprob": round(recognition.avg_logprob, 3),
        "needs_review": bool(reasons),
        "review_reasons": reasons,
    }


def key_idea_recall(ideas: list[str], heard: list[str], config: dict) -> dict:
    """Story retelling: how much of each key idea the transcript holds.

    An idea's words are its distinct content words (all its words if it has none), compared
    by light stem with every word heard, in any order. share = words found / words; the idea
    counts as recalled at share >= ``recalled_at_share`` (credit 1), below that it earns its
    share as partial credit. key_idea_recall is the mean credit over the ideas (0-1).
    """
    recalled_at = config["key_ideas"]["recalled_at_share"]
    heard_stems = {light_stem(word) for word in heard}
    details = []
    for idea in ideas:
        words = normalise(idea).split()
        looked_for: dict[str, str] = {}  # stem -> the idea's first spelling of it, in the idea's order
        for word in content_words(words) or words:
            looked_for.setdefault(light_stem(word), word)
        found = [word for stem, word in looked_for.items() if stem in heard_stems]
        share = len(found) / len(looked_for)
        recalled = share >= recalled_at
        details.append(
            {
                "idea": idea,
                "share": round(share, 3),
                "recalled": recalled,
                "credit": 1.0 if recalled else round(share, 3),
                "words_found": found,
                "words_missing": [word for stem, word in looked_for.items() if stem not in heard_stems],
            }
        )
    return {
        "key_ideas": len(details),
        "key_ideas_recalled": sum(1 for d in details if d["recalled"]),
        "key_idea_recall": round(sum(d["credit"] for d in details) / max(1, len(details)), 3),
        "missed_key_ideas": [d["idea"] for d in details if not d["recalled"]],
        "ideas": details,
        "words_heard": len(heard),
    }


def recognised_pronunciation(heard: list[str], probabilities: list[float], config: dict) -> dict:
    """Free speech (no fixed wording): the forced-alignment probability of each recognised word."""
    weak_below = config["pronunciation"]["weak_word_probability"]
    words = [
        {"word": word, "alignment_probability": round(probability, 3), "weak": probability < weak_below}
        for word, probability in zip(heard, probabilities, strict=True)
    ]
    mean = round(sum(w["alignment_probability"] for w in words) / len(words), 3) if words else 0.0
    return {
        "mean_probability_spoken_words": mean,
        "mean_probability_all_words": mean,
        "weak_words": [w["word"] for w in words if w["weak"]],
        "words": words,
        "method": "forced alignment of the recognised transcript",
    }
