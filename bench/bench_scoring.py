"""Spoken-answer scoring benchmark (prints, never asserts).

    .venv/bin/python bench/bench_scoring.py [--repeats 5]

For 3 s, 10 s and 30 s read-aloud answers (espeak-ng speech, made on the fly):
model load time, per-clip latency (median / max after load), throughput, and
peak RSS per worker process, with 1 and 2 worker processes. With 2 workers each
process uses SCORING_CPU_THREADS=1 (as a 2-core Celery host would). Target in
issue 6: a 10 s read-aloud answer scored in <= 2 s on an idle worker after load.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SENTENCES = [
    "The students finished their homework before the library closed.",
    "Please remember to bring your passport and two photographs to the office.",
    "My brother works at a small bakery near the train station.",
    "Our teacher asked everyone to read the first chapter again tonight.",
    "The weather was so cold that the buses stopped running early.",
]


def make_clip(directory: Path, target_seconds: float) -> tuple[Path, str]:
    """Whole sentences spoken until the clip is about ``target_seconds`` long."""
    words, text = [], ""
    index = 0
    while True:
        words.append(SENTENCES[index % len(SENTENCES)])
        text = " ".join(words)
        path = directory / f"clip-{target_seconds:.0f}s.wav"
        raw = directory / "raw.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(path)], check=True)
        seconds = float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True).stdout)
        if seconds >= target_seconds - 1.5 or index > 20:
            break
        index += 1
    if seconds > target_seconds:
        subprocess.run(
            ["sox", str(raw), "-r", "16000", "-c", "1", str(path), "trim", "0", str(target_seconds)], check=True
        )
    return path, text


def worker(clips: list[tuple[str, str]], repeats: int, threads: int, queue) -> None:
    os.environ["SCORING_CPU_THREADS"] = str(threads)
    from workers.scoring import get_recogniser, score_spoken_answer

    started = time.perf_counter()
    get_recogniser()
    load_s = time.perf_counter() - started
    score_spoken_answer(clips[0][0], clips[0][1])  # warm-up: first call pays one-off set-up
    latencies: dict[str, list[float]] = {}
    for path, text in clips:
        for _ in range(repeats):
            t0 = time.perf_counter()
            score_spoken_answer(path, text)
            latencies.setdefault(Path(path).stem, []).append(time.perf_counter() - t0)
    peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"load_s": load_s, "latencies": latencies, "peak_rss_mb": peak_rss_mb})


def run(workers: int, clips: list[tuple[str, str]], repeats: int) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    threads = max(1, (os.cpu_count() or 2) // workers)
    processes = [context.Process(target=worker, args=(clips, repeats, threads, queue)) for _ in range(workers)]
    wall = time.perf_counter()
    for process in processes:
        process.start()
    results = [queue.get() for _ in processes]
    for process in processes:
        process.join()
    wall = time.perf_counter() - wall
    print(f"\n== {workers} worker process(es), {threads} CPU thread(s) each ==")
    print("model load (s): " + ", ".join(f"{r['load_s']:.2f}" for r in results))
    print("peak RSS per process (MB): " + ", ".join(f"{r['peak_rss_mb']:.0f}" for r in results))
    total_clips = 0
    for name in results[0]["latencies"]:
        samples = [s for r in results for s in r["latencies"][name]]
        total_clips += len(samples)
        per_worker = 1 / statistics.median(samples)
        print(
            f"{name:10s} latency median {statistics.median(samples):.2f} s, max {max(samples):.2f} s "
            f"({len(samples)} runs); {per_worker:.2f} clips/s per worker, {per_worker * workers:.2f} clips/s total"
        )
    print(f"wall time incl. load and warm-up: {wall:.1f} s for {total_clips} scored clips")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        clips = [make_clip(Path(directory), seconds) for seconds in (3, 10, 30)]
        for path, _ in clips:
            seconds = subprocess.run(
                ["soxi", "-D", str(path)], capture_output=True, text=True, check=True
            ).stdout.strip()
            print(f"{path.name}: {float(seconds):.1f} s of audio")
        clip_args = [(str(p), t) for p, t in clips]
        for workers in (1, 2):
            run(workers, clip_args, args.repeats)


if __name__ == "__main__":
    main()
