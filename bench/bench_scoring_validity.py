"""Scoring validity on real human speech: a calibration report (prints, never asserts).

    .venv/bin/python bench/bench_scoring_validity.py [--clips 40] [--short 12] [--versions speech-v1,speech-v2]
                                                     [--seed 20260601] [--json figures.json]

Scores a labelled set built from real recordings (bench/speech_corpus.py: Allison Smith's
asterisk-core-sounds-en prompts, the alsa-utils channel voices) with every scoring version in
workers/scoring/versions/ (or --versions), side by side, through the engine's public API with one
recogniser loaded once. Each passage is scored at five levels whose order the scores should
keep: clean (4), noisy at 10 dB SNR (3), first half only (2), against another passage's text (1),
silence (0). Short repeat answers (1-3 words, said correctly) are reported apart. Prints:
- recogniser WER on the clean and noisy passages, with and without the expected text as prompt;
- per version and level: overall median [min-max], subscore medians, share flagged for review;
- per version: Spearman rank correlation of level and overall, wrong-text and truncated figures
  beside their targets, short-answer figures, and time per answer with the model loaded.
Targets: wrong_text overall <= 30 (every answer) and all flagged; truncated median <= 55; clean
median >= 75; no short correct answer flagged low_recognition_confidence. Progress goes to stderr.
Needs apt packages asterisk-core-sounds-en-wav, asterisk-core-sounds-en and alsa-utils (exit 2 without).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import textwrap
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import jiwer
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench.speech_corpus import (
    LEVELS,
    NOISE_SNR_DB,
    PASSAGE_WORDS,
    SHORT_WORDS,
    SILENCE_DBFS,
    Answer,
    Corpus,
    MissingRecordingsError,
    build_corpus,
)
from config import get_scoring_settings
from workers.scoring import ScoringError, load_audio, load_config, score_spoken_answer
from workers.scoring.mapping import CURRENT_VERSION, VERSIONS_DIR
from workers.scoring.recogniser import DecodingSettings, get_recogniser
from workers.scoring.text import normalise

if TYPE_CHECKING:
    from workers.scoring.recogniser import Recogniser

DEFAULT_SEED = 20260601
SUBSCORES = {"sentence_mastery": "SM", "vocabulary": "V", "fluency": "F", "pronunciation": "P"}
REASONS = {
    "low_recognition_confidence": "low_conf",
    "words_possibly_filled_in": "filled_in",
    "repetitive_transcript": "repetitive",
    "recogniser_hears_no_speech": "hears_none",
    "answer_longer_than_scored_window": "window",
    "answer_longer_than_time_limit": "time_limit",
    "expected_content_missing": "content_missing",
}
LOW_CONFIDENCE = "low_recognition_confidence"
WRONG_TEXT_MAX, TRUNCATED_MEDIAN_MAX, CLEAN_MEDIAN_MIN = 30, 55, 75


@dataclass(frozen=True)
class Scored:
    answer: Answer
    version: str
    seconds: float
    result: dict | None  # None when the engine raised
    error: str | None = None

    @property
    def overall(self) -> float | None:
        return None if self.result is None else float(self.result["overall"])

    @property
    def flagged(self) -> bool:
        return bool(self.result and self.result["needs_review"])

    def has_reason(self, reason: str) -> bool:
        return bool(self.result) and reason in self.result["review_reasons"]


# ---------------------------------------------------------------- small statistics


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation); nan when there are no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else math.nan


def average_ranks(values: list[float]) -> np.ndarray:
    """Ranks from 1, tied values sharing the mean of their ranks."""
    array = np.asarray(values, dtype=float)
    order = np.argsort(array, kind="stable")
    _, first, counts = np.unique(array[order], return_index=True, return_counts=True)
    ranks = np.empty(len(array))
    ranks[order] = np.repeat(first + (counts + 1) / 2, counts)
    return ranks


def spearman(x: list[float], y: list[float]) -> float:
    """Spearman's rho: Pearson correlation of the average ranks; nan if either side is constant."""
    if len(x) < 2:
        return math.nan
    rx, ry = average_ranks(x), average_ranks(y)
    if rx.std() == 0 or ry.std() == 0:
        return math.nan
    return float(np.corrcoef(rx, ry)[0, 1])


# ---------------------------------------------------------------- engine


def available_versions() -> list[str]:
    return sorted(path.stem for path in VERSIONS_DIR.glob("*.json"))


def load_model() -> tuple[Recogniser, float]:
    """The process-wide recogniser and the seconds its first load took."""
    started = time.perf_counter()
    recogniser = get_recogniser()
    return recogniser, time.perf_counter() - started


def decoding_prompt(text: str) -> str:
    """The expected text as the engine gives it to Whisper (engine._decoding_prompt): a sentence."""
    return text if text.rstrip()[-1:] in ".?!" else text + "."


def transcripts(recogniser: Recogniser, answer: Answer, settings: DecodingSettings) -> dict[str, str]:
    """What the recogniser hears in the answer, unprompted and with the expected text as prompt
    (one after the other, so the second reuses the recogniser's encoding of the clip).
    """
    samples = load_audio(answer.wav)
    prompts = {"unprompted": None, "prompted": decoding_prompt(answer.expected_text)}
    return {key: recogniser.recognise(samples, prompt, settings).text for key, prompt in prompts.items()}


def recogniser_wer(recogniser: Recogniser, passages: list[Answer]) -> tuple[dict, list[dict]]:
    """Corpus WER of the recogniser alone on the clean and noisy passages, unprompted and prompted,
    and what it heard in each.
    """
    settings = DecodingSettings.from_config(load_config()["decoding"])
    answers = [a for a in passages if a.level in {"clean", "noisy"}]
    started, heard = time.perf_counter(), []
    for number, answer in enumerate(answers, start=1):
        progress(f"WER {number}/{len(answers)} {answer.level:10} {answer.clip}")
        heard.append({"clip": answer.clip, "level": answer.level, "expected_text": answer.expected_text})
        heard[-1].update(transcripts(recogniser, answer, settings))
    figures: dict = {"decoding_version": CURRENT_VERSION, "passages": len(answers) // 2}
    for level in ("clean", "noisy"):
        rows = [row for row in heard if row["level"] == level]
        for key in ("unprompted", "prompted"):
            references = [normalise(row["expected_text"]) for row in rows]
            figures[f"{level}_{key}"] = float(jiwer.wer(references, [normalise(row[key]) for row in rows]))
    figures["seconds"] = round(time.perf_counter() - started, 2)
    return figures, heard


def score_one(recogniser: Recogniser, answer: Answer, version: str) -> Scored:
    started = time.perf_counter()
    try:
        result = score_spoken_answer(
            answer.wav, answer.expected_text, answer.item_type, version=version, recogniser=recogniser
        )
    except ScoringError as exc:
        return Scored(answer, version, time.perf_counter() - started, None, f"{exc.code}: {exc}")
    return Scored(answer, version, time.perf_counter() - started, result)


def score_all(recogniser: Recogniser, answers: list[Answer], version: str) -> list[Scored]:
    scored = []
    for number, answer in enumerate(answers, start=1):
        item = score_one(recogniser, answer, version)
        shown = f"overall {item.overall:.0f}" if item.result else f"ERROR {item.error}"
        progress(f"{version} {number}/{len(answers)} {answer.level:10} {answer.clip:28} {shown} ({item.seconds:.1f} s)")
        scored.append(item)
    return scored


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- figures


def group_figures(items: list[Scored]) -> dict:
    """n, overall median [min-max], subscore medians, shares flagged and without speech, reasons."""
    ok = [s for s in items if s.result]
    overall = [s.overall for s in ok]
    reasons = Counter(r for s in ok for r in s.result["review_reasons"])
    return {
        "n": len(items),
        "errors": len(items) - len(ok),
        "overall_median": median(overall),
        "overall_min": min(overall, default=math.nan),
        "overall_max": max(overall, default=math.nan),
        "subscore_medians": {name: median(_subscores(ok, name)) for name in SUBSCORES},
        "subscore_ranges": {
            name: [min(_subscores(ok, name), default=math.nan), max(_subscores(ok, name), default=math.nan)]
            for name in SUBSCORES
        },
        "flagged_share": share([s.flagged for s in ok]),
        "low_confidence_share": share([s.has_reason(LOW_CONFIDENCE) for s in ok]),
        "no_speech_share": share([s.result["status"] == "no_speech" for s in ok]),
        "review_reasons": dict(sorted(reasons.items())),
    }


def _subscores(items: list[Scored], name: str) -> list[float]:
    return [s.result["subscores"][name] for s in items if s.result["subscores"][name] is not None]


def calibration(scored: list[Scored]) -> dict:
    """The figures the targets are about, for the passage answers of one version."""
    by_level = {level: [s for s in scored if s.answer.level == level and s.result] for level in LEVELS}
    ranked = [s for s in scored if s.result]
    clean = median([s.overall for s in by_level["clean"]])
    truncated = median([s.overall for s in by_level["truncated"]])
    wrong = [s.overall for s in by_level["wrong_text"]]
    return {
        "spearman_level_overall": spearman([s.answer.level_number for s in ranked], [s.overall for s in ranked]),
        "clean_overall_median": clean,
        "truncated_overall_median": truncated,
        "truncated_minus_clean_median": truncated - clean,
        "wrong_text_overall_median": median(wrong),
        "wrong_text_overall_max": max(wrong, default=math.nan),
        "wrong_text_flagged_share": share([s.flagged for s in by_level["wrong_text"]]),
    }


def targets(cal: dict, short: dict) -> dict[str, bool]:
    return {
        "wrong_text_overall_max<=30": cal["wrong_text_overall_max"] <= WRONG_TEXT_MAX,
        "wrong_text_flagged==100%": cal["wrong_text_flagged_share"] == 1.0,
        "truncated_overall_median<=55": cal["truncated_overall_median"] <= TRUNCATED_MEDIAN_MAX,
        "clean_overall_median>=75": cal["clean_overall_median"] >= CLEAN_MEDIAN_MIN,
        "short_low_confidence==0%": short["all"]["low_confidence_share"] == 0.0,
    }


def short_figures(scored: list[Scored]) -> dict:
    groups = {"alsa": [s for s in scored if s.answer.source == "alsa"]}
    groups["asterisk"] = [s for s in scored if s.answer.source == "asterisk"]
    groups["all"] = scored
    return {name: group_figures(items) for name, items in groups.items()}


def time_figures(scored: list[Scored]) -> dict:
    seconds = [s.seconds for s in scored]
    speech = [s.seconds for s in scored if s.result and s.result["status"] == "scored"]
    return {
        "answers": len(seconds),
        "mean_s": statistics.fmean(seconds) if seconds else math.nan,
        "p95_s": percentile(seconds, 0.95),
        "mean_s_scored_speech": statistics.fmean(speech) if speech else math.nan,
        "p95_s_scored_speech": percentile(speech, 0.95),
    }


def version_figures(passages: list[Scored], short: list[Scored]) -> dict:
    cal, short_groups = calibration(passages), short_figures(short)
    return {
        "levels": {level: group_figures([s for s in passages if s.answer.level == level]) for level in LEVELS},
        "calibration": cal,
        "short": short_groups,
        "time": time_figures(passages + short),
        "targets": targets(cal, short_groups),
    }


def answer_row(item: Scored) -> dict:
    result = item.result or {}
    return {
        "version": item.version,
        "group": item.answer.group,
        "source": item.answer.source,
        "clip": item.answer.clip,
        "level": item.answer.level,
        "item_type": item.answer.item_type,
        "expected_text": item.answer.expected_text,
        "spoken_text": item.answer.spoken_text,
        "audio_seconds": item.answer.seconds,
        "status": result.get("status", "error"),
        "overall": result.get("overall"),
        "subscores": result.get("subscores"),
        "needs_review": result.get("needs_review"),
        "review_reasons": result.get("review_reasons"),
        "transcript": result.get("transcript"),
        "error": item.error,
        "seconds": round(item.seconds, 3),
    }


# ---------------------------------------------------------------- report


def number(value: float, width: int = 0) -> str:
    """An int-looking figure without decimals, a .5 median with one; "-" for nan."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-".rjust(width)
    text = f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    return text.rjust(width)


def percent(value: float, width: int = 0) -> str:
    return ("-" if math.isnan(value) else f"{value:.0%}").rjust(width)


def verdict(ok: bool) -> str:  # noqa: FBT001
    return "PASS" if ok else "MISS"


def print_header(corpus: Corpus, model_info: dict, versions: list[str], seed: int) -> None:
    passages = [a for a in corpus.passages if a.level == "clean"]
    sources = Counter(a.source for a in corpus.short)
    seconds = [a.seconds for a in passages]
    print("== Scoring validity on real human speech ==")
    print(
        f"machine     {platform.platform()}, {os.cpu_count()} cores (usable {len(os.sched_getaffinity(0))}), "
        f"Python {platform.python_version()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        f"model       {model_info.get('name')}, {model_info.get('compute_type')}, "
        f"model.bin sha256 {str(model_info.get('model_sha256'))[:16]}..., "
        f"SCORING_CPU_THREADS={get_scoring_settings().scoring_cpu_threads}"
    )
    print(
        f"passages    {len(passages)} per level (asterisk-core-sounds-en, Allison Smith, 8 kHz; "
        f"{PASSAGE_WORDS[0]}-{PASSAGE_WORDS[1]} words, {min(seconds, default=0):.1f}-{max(seconds, default=0):.1f} s), "
        "item_type read_aloud"
    )
    print(f"levels      clean (4), noisy (3: white noise at {NOISE_SNR_DB:g} dB SNR), truncated (2: first half),")
    print(f"            wrong_text (1: another passage's text), silence (0: {SILENCE_DBFS:g} dBFS noise)")
    print(
        f"short       {sources['alsa']} alsa-utils voices (2 words, 48 kHz) + {sources['asterisk']} asterisk prompts "
        f"({SHORT_WORDS[0]}-{SHORT_WORDS[1]} words), item_type repeat, each said correctly"
    )
    print(f"seed        {seed}")
    for version in versions:
        print(f"version     {version}: {textwrap.shorten(load_config(version).get('description', ''), 100)}")


def print_wer(wer: dict) -> None:
    print(
        f"\n== recogniser WER (recogniser alone, {wer['decoding_version']} decoding, normalised text, "
        f"corpus WER over {wer['passages']} passages, {wer['seconds']:.0f} s) =="
    )
    print(f"{'':10}{'unprompted':>12}{'prompted':>10}")
    for level in ("clean", "noisy"):
        print(f"{level:10}{percent(wer[f'{level}_unprompted'], 12)}{percent(wer[f'{level}_prompted'], 10)}")


def figures_header(first: str) -> str:
    subs = "".join(f"{short:>14}" for short in SUBSCORES.values())
    return f"{first:16}{'version':12}{'n':>4}{'overall':>15}{subs}{'flagged':>9}{'no_speech':>11}   review reasons"


def figures_row(label: str, version: str, figures: dict) -> str:
    overall = (
        f"{number(figures['overall_median'], 5)} [{number(figures['overall_min'], 2)}-"
        f"{number(figures['overall_max'], 2)}]"
    )
    subs = "".join(
        f"{number(figures['subscore_medians'][name])} [{number(figures['subscore_ranges'][name][0])}-"
        f"{number(figures['subscore_ranges'][name][1])}]".rjust(14)
        for name in SUBSCORES
    )
    reasons = ", ".join(f"{REASONS.get(k, k)} {v}" for k, v in figures["review_reasons"].items())
    errors = f"  ERRORS {figures['errors']}" if figures["errors"] else ""
    line = (
        f"{label:16}{version:12}{figures['n']:4d}{overall:>15}{subs}"
        f"{percent(figures['flagged_share'], 9)}{percent(figures['no_speech_share'], 11)}   {reasons}{errors}"
    )
    return line.rstrip()


def print_levels(by_version: dict) -> None:
    print("\n== passage answers by level (overall and each subscore: median [min-max]; scale 20-80) ==")
    print(figures_header("level"))
    for level, rank in LEVELS.items():
        for index, (version, figures) in enumerate(by_version.items()):
            label = f"{level} ({rank})" if index == 0 else ""
            print(figures_row(label, version, figures["levels"][level]))


def summary_line(label: str, values: list[str], target: str) -> str:
    return (f"{label:44}" + "".join(f"{v:>16}" for v in values) + f"   {target}").rstrip()


def print_calibration(by_version: dict) -> None:
    print("\n== calibration per version ==")
    print(summary_line("figure", list(by_version), "target"))
    cal = {v: f["calibration"] for v, f in by_version.items()}
    met = {v: f["targets"] for v, f in by_version.items()}
    rows = [
        ("Spearman rho(level, overall), all passages", "spearman_level_overall", None, "higher is better (max 1)"),
        ("clean overall median", "clean_overall_median", "clean_overall_median>=75", ">= 75"),
        ("truncated overall median", "truncated_overall_median", "truncated_overall_median<=55", "<= 55"),
        ("truncated median - clean median", "truncated_minus_clean_median", None, ""),
        ("wrong_text overall median", "wrong_text_overall_median", None, ""),
        ("wrong_text overall max", "wrong_text_overall_max", "wrong_text_overall_max<=30", "<= 30 (every answer)"),
        ("wrong_text flagged for review", "wrong_text_flagged_share", "wrong_text_flagged==100%", "100%"),
    ]
    for label, key, target_key, target in rows:
        values = [calibration_cell(key, cal[v][key], ok=met[v].get(target_key)) for v in by_version]
        print(summary_line(label, values, target))


def calibration_cell(key: str, value: float, *, ok: bool | None) -> str:
    if key == "spearman_level_overall":
        text = "-" if math.isnan(value) else f"{value:.3f}"
    elif key.endswith("_share"):
        text = percent(value)
    else:
        text = number(value)
    return text if ok is None else f"{text} {verdict(ok)}"


def print_short(by_version: dict) -> None:
    print("\n== short answers (repeat items, said correctly; not in the rank correlation) ==")
    print(figures_header("set"))
    labels = {"alsa": "alsa (2 words)", "asterisk": "asterisk (1-3)", "all": "all short"}
    for group, label in labels.items():
        for index, (version, figures) in enumerate(by_version.items()):
            print(figures_row(label if index == 0 else "", version, figures["short"][group]))
    values = [
        f"{percent(f['short']['all']['low_confidence_share'])} {verdict(f['targets']['short_low_confidence==0%'])}"
        for f in by_version.values()
    ]
    print()
    print(summary_line("figure", list(by_version), "target"))
    print(summary_line("flagged low_recognition_confidence", values, "0%"))


def print_time(by_version: dict, load_s: float, warm_up_s: float) -> None:
    print("\n== time (model loaded; each answer: decode with ffmpeg, VAD, recognise, align, score) ==")
    print(f"model load (get_recogniser, once) {load_s:.2f} s; first scoring call (warm-up) {warm_up_s:.2f} s")
    print(summary_line("figure", list(by_version), ""))
    rows = [
        ("answers scored", "answers", "{:.0f}"),
        ("mean s per answer (all)", "mean_s", "{:.2f}"),
        ("p95 s per answer (all)", "p95_s", "{:.2f}"),
        ("mean s per answer (speech scored)", "mean_s_scored_speech", "{:.2f}"),
        ("p95 s per answer (speech scored)", "p95_s_scored_speech", "{:.2f}"),
    ]
    for label, key, fmt in rows:
        print(summary_line(label, [fmt.format(f["time"][key]) for f in by_version.values()], ""))


# ---------------------------------------------------------------- run


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=40, help="passages (each scored at five levels)")
    parser.add_argument("--short", type=int, default=12, help="asterisk prompts of 1-3 words (plus the 8 alsa)")
    parser.add_argument("--versions", default="", help="comma-separated scoring versions (default: every one)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--json", type=Path, help="also write every figure (and every answer) here")
    args = parser.parse_args()
    if args.clips < 2:
        parser.error("--clips must be at least 2")
    return args


def chosen_versions(requested: str) -> list[str]:
    known = available_versions()
    versions = [v.strip() for v in requested.split(",") if v.strip()] or known
    unknown = [v for v in versions if v not in known]
    if unknown:
        raise SystemExit(f"unknown scoring version(s) {', '.join(unknown)}; known: {', '.join(known)}")
    return versions


def build(args: argparse.Namespace) -> Corpus:
    try:
        return build_corpus(args.clips, args.short, args.seed)
    except MissingRecordingsError as exc:
        print(f"bench_scoring_validity: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def without_nan(value: object) -> object:
    """JSON has no NaN: a figure without data is null."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: without_nan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nan(item) for item in value]
    return value


def write_json(path: Path, report: dict) -> None:
    path.write_text(json.dumps(without_nan(report), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    progress(f"figures written to {path}")


def main() -> None:
    args = parse_args()
    versions = chosen_versions(args.versions)
    corpus = build(args)
    progress(f"corpus: {len(corpus.passages)} passage answers, {len(corpus.short)} short answers")
    recogniser, load_s = load_model()
    progress(f"model loaded in {load_s:.2f} s")
    wer, heard = recogniser_wer(recogniser, corpus.passages)
    warm_up_s = score_one(recogniser, corpus.passages[0], versions[0]).seconds
    scored = {v: (score_all(recogniser, corpus.passages, v), score_all(recogniser, corpus.short, v)) for v in versions}
    by_version = {v: version_figures(passages, short) for v, (passages, short) in scored.items()}

    print_header(corpus, recogniser.model_info, versions, args.seed)
    print_wer(wer)
    print_levels(by_version)
    print_calibration(by_version)
    print_short(by_version)
    print_time(by_version, load_s, warm_up_s)
    if args.json:
        rows = [answer_row(s) for passages, short in scored.values() for s in passages + short]
        write_json(
            args.json,
            {
                "seed": args.seed,
                "model": recogniser.model_info,
                "clips": args.clips,
                "model_load_s": load_s,
                "warm_up_s": warm_up_s,
                "recogniser_wer": wer,
                "recogniser_transcripts": heard,
                "versions": by_version,
                "answers": rows,
            },
        )


if __name__ == "__main__":
    main()
