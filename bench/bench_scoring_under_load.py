"""Answer-to-score latency on an idle stack and under bulk load: prints figures, asserts nothing.

Starts its own servers (MongoDB stand-in, Redis, S3), the API under gunicorn and the Celery workers
for the queues scoring, imports and notifications, each with exactly the arguments its `worker_*`
line in the Procfile gives (read at run time; `--procfile PATH` for another one), plus
`--without-gossip --without-mingle`. Nothing in the measured path publishes to `default`, so its
worker is not started. Notifications use NOTIFY_BACKEND=brevo against devstack.fake_brevo.FakeBrevo,
served by a thread of this process, so every message makes a real HTTP call.
  1. idle: one answer warms the scoring worker (model load), then N answers of a 10 s spoken clip,
     one after another, each timed from its PUT's start until `GET /api/v1/jobs/<id>` says
     `succeeded` (bench_answer_intake.answer_to_score, polled every 50 ms);
  2. under load, in the same run: POST a 10,000-row roster import (email and mobile on every row,
     invitations on: ~20,000 outbox messages) and, in a thread, queue 10,000 invitation emails with
     services.notify.notify_many; after 2 s, the same N answers again. Whether the import and the
     email send were still running when the last answer was scored is printed: an answer scored
     after the load ended was not measured under load;
  3. waits (at most --drain-seconds) for the import to finish, for its duration, then prints the table.
Target: p95 under load / p95 idle <= 1.5. With --mongo-own-core the MongoDB stand-in runs on a
core of its own in both phases (as a deployment gives MongoDB its own hosts), so the ratio shows
what the import and notification workers take from scoring, apart from the database's own CPU.
Usage: .venv/bin/python bench/bench_scoring_under_load.py [--runs 12] [--engine secantus|nx]
       [--procfile PATH] [--drain-seconds 600] [--mongo-own-core]
"""

from __future__ import annotations

import argparse
import io
import logging
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.bench_answer_intake import (  # noqa: E402
    LONG_TEXT,
    POLL_SECONDS,
    answer_to_score,
    cpu_seconds,
    job_breakdown,
    make_test,
    multipart,
    percentile,
    scoring_clip,
    setup_org,
    start_attempt,
    start_gunicorn,
    stop_group,
    tail,
    verdict,
)
from bench.bench_roster_import import roster_csv  # noqa: E402
from bench.stack import stack_environment  # noqa: E402
from devstack import servers  # noqa: E402
from devstack.fake_brevo import FakeBrevo  # noqa: E402
from devstack.workers import CeleryWorker  # noqa: E402

if TYPE_CHECKING:
    from pymongo.database import Database

QUEUES = ("scoring", "imports", "notifications")
IMPORT_ROWS = 10_000
EMAILS = 10_000
EMAIL_DOMAIN = "@school.test"  # the notify_many recipients
ROSTER_PREFIX = "L44"  # the roster's students are l44.<i>@example.edu (bench_roster_import.roster_csv)
HEAD_START_SECONDS = 2.0
TARGET_RATIO = 1.5
BREVO_KEY = "bench-key"


# ---------------------------------------------------------------- the Procfile's workers


@dataclass(frozen=True)
class WorkerSpec:
    process: str  # the Procfile's process type, e.g. worker_scoring
    queues: tuple[str, ...]
    args: tuple[str, ...]  # everything after `celery`


def option(words: list[str], *names: str) -> str | None:
    """The value of a command-line option given as `-Q x`, `--queues x` or `--queues=x`."""
    for index, word in enumerate(words):
        if word in names and index + 1 < len(words):
            return words[index + 1]
        for name in names:
            if word.startswith(f"{name}="):
                return word.split("=", 1)[1]
    return None


def procfile_workers(path: Path, queues: tuple[str, ...]) -> list[WorkerSpec]:
    """The Procfile's `celery ... worker` lines that consume one of `queues`."""
    specs = []
    for line in path.read_text().splitlines():
        name, colon, command = line.partition(":")
        if not colon or line.lstrip().startswith("#"):
            continue
        words = shlex.split(command)
        if words[:1] != ["celery"] or "worker" not in words:
            continue
        served = tuple((option(words, "-Q", "--queues") or "celery").split(","))
        if set(served) & set(queues):
            specs.append(WorkerSpec(name.strip(), served, tuple(words[1:])))
    missing = set(queues) - {queue for spec in specs for queue in spec.queues}
    if missing:
        raise SystemExit(f"{path}: no celery worker line for the queue(s) {sorted(missing)}")
    return specs


def start_worker(spec: WorkerSpec, base: Path) -> subprocess.Popen:
    """The Procfile line's worker, launched (devstack.workers.CeleryWorker); see wait_ready."""
    worker_args = list(spec.args[spec.args.index("worker") + 1 :])
    worker = CeleryWorker(base / f"{spec.process}.log", [*worker_args, "--without-gossip", "--without-mingle"])
    proc = worker.launch().proc
    assert proc is not None  # launched
    return proc


def wait_ready(workers: dict[WorkerSpec, subprocess.Popen], base: Path, timeout: float = 90) -> None:
    """Until every worker answers a remote-control ping (or one exits: its log tail is raised)."""
    from tasks.celery_app import celery_app

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for spec, proc in workers.items():
            if proc.poll() is not None:
                raise RuntimeError(f"{spec.process} exited:\n{tail(base / f'{spec.process}.log')}")
        if len(celery_app.control.ping(timeout=1.0) or []) >= len(workers):
            return
    raise RuntimeError("workers not answering pings:\n" + "\n".join(tail(base / f"{s.process}.log") for s in workers))


# ---------------------------------------------------------------- the load


class EmailSend(threading.Thread):
    """notify_many for `count` invitation emails (as bench_notifications queues them)."""

    def __init__(self, db: Database, count: int) -> None:
        super().__init__(name="notify-many", daemon=True)
        self.db, self.count = db, count
        self.created = 0
        self.queue_seconds = float("nan")
        self.error = ""

    def run(self) -> None:
        from services.notify import NotifyRequest, notify_many

        started = time.perf_counter()
        requests = [
            NotifyRequest(
                "invitation",
                {"_id": f"bench-{i}", "name": f"Student {i}", "email": f"student{i}{EMAIL_DOMAIN}"},
                {"token": f"token-{i:06d}", "expires_at": "2030-01-01T00:00:00"},
                f"invitation:bench-{i}",
            )
            for i in range(self.count)
        ]
        try:
            self.created = notify_many(self.db, requests).created
        except Exception as exc:  # noqa: BLE001 - reported with the figures, not raised in a thread
            self.error = repr(exc)
        self.queue_seconds = time.perf_counter() - started


@dataclass
class Load:
    db: Database
    brevo: FakeBrevo
    import_job: str
    emails: EmailSend
    started: float  # perf_counter() just before the load was started

    def import_job_doc(self) -> dict:
        from store import jobs

        return jobs.get(self.db, self.import_job) or {}

    def deliveries(self) -> tuple[int, int, int]:
        """Recipients the fake Brevo accepted so far: (our emails, the roster's emails, SMS).
        Other emails (the test-assigned notices of the set-up's students) are not counted.
        """
        ours = roster = sms = 0
        for to in self.brevo.deliveries():
            if to.endswith(EMAIL_DOMAIN):
                ours += 1
            elif to.startswith(f"{ROSTER_PREFIX.lower()}."):
                roster += 1
            elif "@" not in to:
                sms += 1
        return ours, roster, sms

    def state(self) -> tuple[bool, bool, str]:
        """(import running, email send running, one line describing both)."""
        job = self.import_job_doc()
        progress = job.get("progress") or {}
        ours, roster, sms = self.deliveries()
        import_running = job.get("state") not in ("succeeded", "failed", "cancelled")
        emails_running = self.emails.is_alive() or ours < EMAILS
        line = (
            f"import {job.get('state', '?')} {progress.get('done', 0)}/{progress.get('total') or '?'}, "
            f"emails sent {ours}/{EMAILS}, roster invitations sent {roster} email + {sms} SMS"
        )
        return import_running, emails_running, line


def start_import(client: Any, headers: dict, batch_id: str, rows: int) -> str:
    """POST the roster (invitations on) as bench_roster_import.timed_import does; the job id."""
    resp = client.post(
        f"/api/v1/batches/{batch_id}/roster-imports",
        headers=headers,
        data={"file": (io.BytesIO(roster_csv(ROSTER_PREFIX, rows)), "load.csv"), "send_invitations": "true"},
        content_type="multipart/form-data",
    )
    if resp.status_code != 202:
        raise SystemExit(f"roster import refused: {resp.status_code} {resp.get_json()}")
    return resp.get_json()["id"]


def start_load(db: Database, brevo: FakeBrevo, client: Any, headers: dict, batch_id: str) -> Load:
    started = time.perf_counter()
    emails = EmailSend(db, EMAILS)
    emails.start()
    return Load(db, brevo, start_import(client, headers, batch_id, IMPORT_ROWS), emails, started)


# ---------------------------------------------------------------- measuring


@dataclass
class Phase:
    label: str
    times: list[float] = field(default_factory=list)
    answers: int = 0
    wall: float = 0.0
    cores: dict[str, float] = field(default_factory=dict)  # CPU seconds per wall second, by process


def opcounters(db: Database) -> dict[str, int]:
    """The server's operation counts so far (serverStatus), by kind."""
    counts = db.client.admin.command("serverStatus").get("opcounters", {})
    return {name: int(counts.get(name, 0)) for name in ("insert", "update", "delete", "query", "getmore", "command")}


def cpu_now(watch: dict[str, int]) -> dict[str, float]:
    used = {name: cpu_seconds(pid) for name, pid in watch.items()}
    used["this process"] = sum(os.times()[:2])
    return used


def measure(phase: Phase, ctx: dict, students: list[dict], load: Load | None) -> None:
    """Score the students' answers one after another; each line says where its time went."""
    print(f"\n== {phase.label} ==")
    before, started = cpu_now(ctx["watch"]), time.perf_counter()
    for number, student in enumerate(students, start=1):
        seconds, state, job = answer_to_score(ctx["port"], student, ctx["body"], ctx["content_type"])
        phase.answers += 1
        detail = f"PUT {job['put_ms']:5.0f} ms   {job_breakdown(ctx['db'], job['id'])}" if job else ""
        print(f"answer {number:2d}   {seconds:6.2f} s  {state:9}  {detail}")
        if load is not None:
            print(f"            load: {load.state()[2]}")
        if state == "succeeded":
            phase.times.append(seconds)
        else:
            print(f"  job: {job}\n  scoring worker log tail:\n{tail(ctx['scoring_log'], 1500)}")
    phase.wall = time.perf_counter() - started
    after = cpu_now(ctx["watch"])
    phase.cores = {name: (after[name] - before[name]) / phase.wall for name in after}


def figures(times: list[float]) -> tuple[float, float, float]:
    """(p50, p95, max), nearest rank."""
    return percentile(times, 0.5), percentile(times, 0.95), max(times, default=float("nan"))


# ---------------------------------------------------------------- reporting


def report(idle: Phase, loaded: Phase, at_end: tuple[bool, bool, str], drained: dict) -> None:
    print("\n== answer to score (PUT start -> job `succeeded`), p95 by nearest rank ==")
    print(f"{'':14}{'count':>7}{'p50 s':>9}{'p95 s':>9}{'max s':>9}{'wall s':>9}")
    for phase in (idle, loaded):
        p50, p95, top = figures(phase.times)
        print(
            f"{phase.label.split(':')[0]:14}{len(phase.times):4d}/{phase.answers:<2d}"
            f"{p50:9.2f}{p95:9.2f}{top:9.2f}{phase.wall:9.1f}"
        )
    ratio = figures(loaded.times)[1] / figures(idle.times)[1]
    print(f"ratio p95 under load / idle   {ratio:5.2f}   target <= {TARGET_RATIO}   {verdict(ratio <= TARGET_RATIO)}")
    import_running, emails_running, line = at_end
    print(f"load when the last answer was scored: {line}")
    if import_running and emails_running:
        print("  -> the import and the email send were both still running: every answer was measured under load")
    else:
        parts = (("the import", import_running), ("the email send", emails_running))
        ended = [name for name, running in parts if not running]
        print(
            f"  -> WARNING: {' and '.join(ended)} had FINISHED before the last answer was scored: "
            "the later answers were NOT measured under the full load (see the per-answer load lines)"
        )
    print(f"roster import   {drained['import']}")
    print(f"emails          {drained['emails']}")
    print(f"load at the end {drained['end']}")
    print("CPU in use (cores), by process, during each phase:")
    for phase in (idle, loaded):
        shown = "  ".join(f"{name} {cores:4.2f}" for name, cores in phase.cores.items())
        print(f"  {phase.label.split(':')[0]:11} {shown}")


def drain(load: Load, seconds: float, measured_end: float, sent_at_end: int) -> dict:
    """Wait (up to `seconds`) for the import to finish; describe it and the email send."""
    deadline = time.monotonic() + seconds
    job = load.import_job_doc()
    while job.get("state") not in ("succeeded", "failed", "cancelled") and time.monotonic() < deadline:
        time.sleep(1)
        job = load.import_job_doc()
    load.emails.join(max(0.0, deadline - time.monotonic()))
    if job.get("finished_at") and job.get("created_at"):
        took = (job["finished_at"] - job["created_at"]).total_seconds()
        result = job.get("result") or {}
        about = (
            f"{IMPORT_ROWS} rows + invitations: {job['state']} in {took:.1f} s from the POST "
            f"(measurement ended {measured_end:.1f} s after the load started; "
            f"created {result.get('created')}, failed {result.get('failed')})"
        )
    else:
        about = (
            f"{IMPORT_ROWS} rows + invitations: still {job.get('state')} "
            f"{time.perf_counter() - load.started:.0f} s after the POST (gave up waiting)"
        )
    ours, after = load.deliveries()[0], time.perf_counter() - load.started
    queued = (
        f"still queueing after {after:.0f} s"
        if load.emails.is_alive()
        else f"queued by notify_many in {load.emails.queue_seconds:.1f} s ({load.emails.created} created"
        f"{', error ' + load.emails.error if load.emails.error else ''})"
    )
    emails = (
        f"{EMAILS} invitations {queued}; sent {sent_at_end} when the measurement ended, "
        f"{ours} by {after:.0f} s after the load started"
    )
    return {"import": about, "emails": emails, "end": f"{after:.0f} s after the load started: {load.state()[2]}"}


# ---------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=12, help="answers measured in each phase")
    parser.add_argument("--engine", choices=servers.MONGO_ENGINES, default="secantus")
    parser.add_argument("--procfile", type=Path, default=REPO / "Procfile")
    parser.add_argument("--drain-seconds", type=float, default=600.0, help="how long to wait for the import after")
    parser.add_argument(
        "--mongo-own-core",
        action="store_true",
        help="pin the MongoDB stand-in to the last core and everything else to the others, in both phases, "
        "as a deployment gives MongoDB its own hosts",
    )
    return parser.parse_args()


def pin_apart(mongo_pid: int) -> None:
    """The MongoDB server's threads on the last core; this process's threads, and so every
    process it starts from now on (Redis, S3, gunicorn, the workers), on the others.
    """
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit("--mongo-own-core needs at least 2 cores")
    others = ",".join(map(str, cores[:-1]))
    subprocess.run(["taskset", "-a", "-p", "-c", str(cores[-1]), str(mongo_pid)], check=True, capture_output=True)
    subprocess.run(["taskset", "-a", "-p", "-c", others, str(os.getpid())], check=True, capture_output=True)
    print(f"placement   MongoDB stand-in pinned to core {cores[-1]}; everything else on core(s) {others}")


def environment(base: Path, mongo: servers.Server, redis: servers.Server, s3: servers.Server, brevo: FakeBrevo) -> None:
    stack_environment(
        base,
        mongo,
        redis,
        s3,
        JWT_ACCESS_SECONDS="7200",  # the run outlasts the default 15 minutes
        NOTIFY_BACKEND="brevo",
        BREVO_API_KEY=BREVO_KEY,
        BREVO_API_HOST=brevo.base_url,
    )


def main() -> None:  # noqa: PLR0915 - one run, told in order
    args = parse_args()
    specs = procfile_workers(args.procfile, QUEUES)
    base = Path(tempfile.mkdtemp(prefix="bench-score-load-"))
    started: list = []
    processes: list[subprocess.Popen] = []
    brevo = FakeBrevo(api_key=BREVO_KEY).start()
    run_started = time.perf_counter()
    try:
        audio, speech_seconds, clip_seconds = scoring_clip(base)
        mongo = servers.start_mongo(base / "m", servers.free_port(), args.engine)
        started.append(mongo)
        if args.mongo_own_core:
            pin_apart(mongo.proc.pid)
        redis = servers.start_redis(base / "r", servers.free_port(), persistent=False)
        started.append(redis)
        s3 = servers.start_s3(base / "s", servers.free_port(), persistent=False)
        started.append(s3)
        environment(base, mongo, redis, s3, brevo)

        from api.app import create_app
        from config import get_settings
        from services import notify
        from store import files, migrations
        from store.mongo import close_clients, get_db
        from tasks.publish import kick_groups

        db = get_db()
        migrations.apply_all(db)
        files.ensure_bucket()
        client = create_app().test_client()
        notify.use_kicker(kick_groups)  # notify_many in this process publishes dispatch tasks
        logging.getLogger().setLevel(logging.WARNING)  # this process's set-up requests
        admin, people, campus_id, batch_id = setup_org(client, db, 2 * args.runs + 1)
        test_id, item_id = make_test(client, admin, campus_id, batch_id, LONG_TEXT)
        students = [{**person, "item": item_id} for person in people]
        for student in students:
            student["attempt"] = start_attempt(client, test_id, student["headers"])

        port = servers.free_port()
        gunicorn = start_gunicorn(base, port)
        processes.append(gunicorn)
        workers = {spec: start_worker(spec, base) for spec in specs}
        processes += workers.values()
        wait_ready(workers, base)

        settings = get_settings()
        print(
            f"machine     {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}, "
            "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        )
        print(
            f"stack       MongoDB stand-in {args.engine}, Redis without persistence, S3 moto, gunicorn "
            f"(gunicorn.conf.py, 2 workers x 4 threads), LOG_LEVEL=INFO, notifications via fake Brevo "
            f"(rate {settings.notify_rate_per_second:g}/s per channel per process)"
        )
        for spec in specs:
            print(f"worker      {spec.process:22} celery {' '.join(spec.args)} --without-gossip --without-mingle")
        print(
            f"answers     {args.runs} per phase, {clip_seconds:.1f} s clip ({speech_seconds:.1f} s speech, "
            f"{len(audio)} bytes), poll every {POLL_SECONDS * 1000:.0f} ms, "
            f"SCORING_CPU_THREADS={settings.scoring.scoring_cpu_threads}"
        )
        body, content_type = multipart(audio, "answer.wav")
        scoring = next(spec for spec in specs if "scoring" in spec.queues)
        ctx = {
            "port": port,
            "body": body,
            "content_type": content_type,
            "db": db,
            "scoring_log": base / f"{scoring.process}.log",
            "watch": {
                "gunicorn": gunicorn.pid,
                **{spec.process: proc.pid for spec, proc in workers.items()},
                "MongoDB": mongo.proc.pid,
                "Redis": redis.proc.pid,
                "S3": s3.proc.pid,
            },
        }
        warm_seconds, warm_state, _ = answer_to_score(port, students[0], body, content_type)
        print(f"warm-up     {warm_seconds:6.2f} s  {warm_state}  (includes the model load in the pool process)")

        idle = Phase("idle: answer to score on the idle stack")
        before = opcounters(db)
        measure(idle, ctx, students[1 : args.runs + 1], None)
        per_answer = {name: (count - before[name]) / args.runs for name, count in opcounters(db).items()}

        load = start_load(db, brevo, client, admin, batch_id)
        time.sleep(HEAD_START_SECONDS)
        loaded = Phase(
            f"under load: {IMPORT_ROWS}-row roster import with invitations + {EMAILS} emails "
            f"(started {HEAD_START_SECONDS:.0f} s before)"
        )
        measure(loaded, ctx, students[args.runs + 1 :], load)
        at_end, sent_at_end = load.state(), load.deliveries()[0]
        measured_end = time.perf_counter() - load.started
        drained = drain(load, args.drain_seconds, measured_end, sent_at_end)
        report(idle, loaded, at_end, drained)
        print(
            "MongoDB operations per spoken answer (idle phase, the server's opcounters; queries include "
            f"this script's job polling every {POLL_SECONDS * 1000:.0f} ms): "
            + "  ".join(f"{name} {count:.1f}" for name, count in per_answer.items())
        )
        print(f"run took    {time.perf_counter() - run_started:.0f} s")
        close_clients()
    finally:
        for proc in reversed(processes):
            stop_group(proc)
        for server in reversed(started):
            server.stop()
        brevo.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
