"""The cohort load table (docs/capacity.md, linked from the README), written from the figures of the
last cohort run.

`make load PROFILE=cohort` writes bench/results/cohort.json; this rewrites what lies between the
markers `<!-- load-table:cohort:start -->` and `<!-- load-table:cohort:end -->` in docs/capacity.md with a
table made from it (every figure from the file, nothing typed by hand).
Usage: .venv/bin/python -m bench.load_table [--results bench/results/cohort.json] [--check]
(--check changes nothing and fails when the document's table is not the file's.)
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DOCUMENT = REPO / "docs" / "capacity.md"
START, END = "<!-- load-table:cohort:start -->", "<!-- load-table:cohort:end -->"


def _ms(value: float) -> str:
    return f"{value:,.0f}"


def table(figures: dict) -> str:
    load, wall, idle = figures["loadavg"], figures["wall_seconds"], figures["idle_baseline_ms"]
    summary = (
        f"Run of {figures['when']} ({figures['machine']['cores']} cores, the whole `make run` stack and Locust on "
        f"them): {figures['students']} students spawned over {figures['sign_in_seconds']:.0f} s, "
        f"{figures['students_completed']} finished; {figures['requests']:,} requests in {wall:.0f} s, "
        f"**{figures['failures']} failures** ({figures['login_busy_503']} sign-ins answered 503 `busy`). "
        f"Load average (1 min) {load['before']} before, {load['during_mean']} during (max {load['during_max']}). "
        f"Targets (no failures, p95 <= 1 s, sign-in <= 2 s): **{'met' if figures['targets_met'] else 'missed'}**."
    )
    lines = [
        summary,
        "",
        "| endpoint | requests | failures | p50 ms | p95 ms | p99 ms | p95 target |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in figures["endpoints"]:
        target = "-" if row["met"] is None else f"{_ms(row['target_p95_ms'])} {'met' if row['met'] else '**missed**'}"
        lines.append(
            f"| `{row['endpoint']}` | {row['requests']:,} | {row['failures']} | {_ms(row['p50_ms'])} "
            f"| {_ms(row['p95_ms'])} | {_ms(row['p99_ms'])} | {target} |"
        )
    idle_line = f"p50 {idle['p50']} ms, p95 {idle['p95']} ms, p99 {idle['p99']} ms"
    lines += ["", f"- `GET /health/live` on the idle stack just before: {idle_line}."]
    for kind, row in figures["answer_to_score_s"].items():
        lines.append(
            f"- Answer to score, {kind} ({row['answers']} answers, from the jobs' timestamps): queued p50 "
            f"{row['queued']['p50']} s, p95 {row['queued']['p95']} s; end to end p50 {row['end_to_end']['p50']} s, "
            f"p95 {row['end_to_end']['p95']} s, max {row['end_to_end']['max']} s."
        )
    for phase in figures["phases"]:
        seconds = max(phase["seconds"], 0.1)
        cpu = ", ".join(
            f"{name} {used:.0f} s ({used / seconds:.2f} cores)"
            for name, used in phase["cpu_seconds"].items()
            if used >= 1
        )
        lines.append(f"- CPU of the stack, {phase['phase']} ({seconds:.0f} s; /proc): {cpu}.")
    lines.append(
        f"- GETs sent again after the server closed their keep-alive connection (as a browser does): "
        f"{figures['resent_after_keepalive_close']}."
    )
    for name, ok in figures.get("checks", {}).items():
        lines.append(f"- Check, from MongoDB after the run: {name}: **{'OK' if ok else 'FAILED'}**.")
    return "\n".join(lines)


def rewrite(readme: str, figures: dict) -> str:
    head, found, rest = readme.partition(START)
    _, found_end, tail = rest.partition(END)
    if not found or not found_end:
        raise SystemExit(f"load_table: {DOCUMENT.name} has no {START} ... {END} markers")
    return f"{head}{START}\n{table(figures)}\n{END}{tail}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=Path, default=REPO / "bench" / "results" / "cohort.json")
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    figures = json.loads(args.results.read_text())
    before = DOCUMENT.read_text()
    after = rewrite(before, figures)
    if args.check:
        if after != before:
            sys.exit(
                f"load_table: {DOCUMENT.name}'s cohort table is not the results file's: run python -m bench.load_table"
            )
        return
    DOCUMENT.write_text(after)
    print(f"{DOCUMENT.relative_to(REPO)}: cohort table from {args.results}")


if __name__ == "__main__":
    main()
