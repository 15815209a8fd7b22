"""Answer intake benchmark: prints figures next to targets and its floor; exits 1 if an answer was
lost or doubled (checked and printed).

Starts its own servers (as the tests do), the API under gunicorn (gunicorn.conf.py, 2 workers x 4
threads) and, for the second phase only, one Celery worker on the scoring queue, then:
  1. intake under load: 32 students (threads, each with its own token, keep-alive connection and
     started attempt on a test with one read_aloud item) PUT the same ~100 KB WAV answer over and
     over for a fixed time; in the same run the baseline, the same threads on `GET /health/live`
     for the same time. No worker consumes the scoring queue meanwhile: the answers queue up.
     Then the floor, from as many threads: the same audio put straight into S3 with boto3, the same
     job document inserted with PyMongo and the same message pushed to Redis. Checks: every 202
     has exactly one job and one queued message. Targets (issue 23): answer throughput >= 0.5x
     the floor's, PUT p99 <= 300 ms.
  2. answer to score on an idle worker: the queued answers are purged (the Redis list `scoring`),
     a prefork worker with one process starts, one answer warms it (model load), then N answers
     of a 10 s spoken clip one after another, each timed from the PUT's start until
     `GET /api/v1/jobs/<id>` says `succeeded` (polled every 50 ms). Target: p50 <= 3 s.
Usage: .venv/bin/python bench/bench_answer_intake.py [--students 32] [--seconds 15] [--runs 8]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import logging
import math
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bson import ObjectId

if TYPE_CHECKING:
    from botocore.client import BaseClient

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench.stack import stack_environment, start_celery_worker, tail  # noqa: E402
from devstack import servers  # noqa: E402

SHORT_TEXT = "The library closes at nine on Friday evening."
LONG_TEXT = (
    "Every student in the evening class must bring a printed copy of the essay, "
    "two sharp pencils and a calculator to the examination hall on Monday morning."
)
INTAKE_AUDIO_BYTES = 100 * 1024  # ~3.2 s of 16 kHz mono 16-bit WAV
SCORE_CLIP_SECONDS = 10.0
WEB_CONCURRENCY, WEB_THREADS = "2", "4"
LOG_LEVEL = "INFO"  # the project's default: the API logs every request as a JSON line (to a file here)
POLL_SECONDS = 0.05
TARGET_P99_MS = 300.0
TARGET_FLOOR_RATIO = 0.5
TARGET_SCORE_P50_S = 3.0


# ---------------------------------------------------------------- audio


def speak(directory: Path, text: str, name: str) -> Path:
    raw = directory / f"{name}-raw.wav"
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True, timeout=60)
    return raw


def seconds_of(path: Path) -> float:
    return float(subprocess.run(["soxi", "-D", str(path)], capture_output=True, text=True, check=True).stdout)


def intake_clip(directory: Path) -> bytes:
    """The short sentence as 16 kHz mono WAV, padded or cut to ~100 KB."""
    raw, out = speak(directory, SHORT_TEXT, "intake"), directory / "intake.wav"
    seconds = (INTAKE_AUDIO_BYTES - 44) / (16_000 * 2)  # the 44-byte WAV header, then 2 bytes a sample
    speech = seconds_of(raw)
    fit = ["pad", "0", f"{seconds - speech:.4f}"] if speech < seconds else ["trim", "0", f"{seconds:.4f}"]
    subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out), *fit], check=True)
    return out.read_bytes()


def scoring_clip(directory: Path) -> tuple[bytes, float, float]:
    """The long sentence as 16 kHz mono WAV, padded with silence to 10 s: (bytes, speech s, clip s)."""
    raw, out = speak(directory, LONG_TEXT, "score"), directory / "score.wav"
    speech = seconds_of(raw)
    pad = max(0.0, SCORE_CLIP_SECONDS - speech)
    subprocess.run(
        ["sox", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(out), "pad", "0", f"{pad:.3f}"], check=True
    )
    return out.read_bytes(), speech, seconds_of(out)


def multipart(audio: bytes, filename: str) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="audio"; filename="{filename}"\r\n'
        "Content-Type: audio/wav\r\n\r\n"
    ).encode()
    return head + audio + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# ---------------------------------------------------------------- load


@dataclass
class Load:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # first few unexpected answers, verbatim
    ok: int = 0
    elapsed: float = 0.0
    cores: dict[str, float] = field(default_factory=dict)  # CPU seconds per wall second, by process

    def note(self, problem: str) -> None:
        if len(self.errors) < 5:
            self.errors.append(problem)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict
    body: bytes | None
    expect: int


class HttpStep:
    """One client thread's request, repeated on its own keep-alive connection."""

    def __init__(self, port: int, call: Call) -> None:
        self.port, self.call = port, call
        self.conn: http.client.HTTPConnection | None = None

    def __call__(self) -> tuple[object, str | None, bool]:
        """(status, what was unexpected or None, whether the request completed and is timed)."""
        call = self.call
        self.conn = self.conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            self.conn.request(call.method, call.path, body=call.body, headers=call.headers)
            resp = self.conn.getresponse()
            data = resp.read()
        except (OSError, http.client.HTTPException) as exc:
            self.close()
            return type(exc).__name__, f"{call.method} {call.path}: {exc!r}", False
        problem = None if resp.status == call.expect else f"{call.method} {call.path} -> {resp.status}: {data[:300]!r}"
        return resp.status, problem, True

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def hammer(port: int, calls: list[Call], seconds: float) -> Load:
    """One thread per call, each repeating it on its own keep-alive connection for `seconds`."""
    return drive([HttpStep(port, call) for call in calls], seconds, calls[0].expect)


def drive(steps: list[HttpStep] | list[FloorStep], seconds: float, expect: object) -> Load:
    """One thread per step, each repeating it for `seconds`; timed steps give the latencies."""
    load, lock = Load(), threading.Lock()
    barrier = threading.Barrier(len(steps) + 1)
    end = [0.0]

    def run(step: HttpStep | FloorStep) -> None:
        mine: list[float] = []
        statuses: Counter = Counter()
        problems: list[str] = []
        barrier.wait()
        while time.perf_counter() < end[0]:
            started = time.perf_counter()
            status, problem, timed = step()
            if timed:
                mine.append((time.perf_counter() - started) * 1000)
            statuses[status] += 1
            if problem:
                problems.append(problem)
        step.close()
        with lock:
            load.latencies_ms += mine
            load.statuses.update(statuses)
            load.ok += statuses[expect]
            for problem in problems:
                load.note(problem)

    threads = [threading.Thread(target=run, args=(step,), daemon=True) for step in steps]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    end[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    load.elapsed = time.perf_counter() - started
    return load


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its living descendants (from /proc)."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except (OSError, IndexError, ValueError):
            continue
    return total


def measured(steps: list[HttpStep] | list[FloorStep], seconds: float, expect: object, watch: dict[str, int]) -> Load:
    """drive(), with the CPU each watched process (and this client process) used meanwhile."""
    before = {name: cpu_seconds(pid) for name, pid in watch.items()}
    client_before = sum(os.times()[:2])
    load = drive(steps, seconds, expect)
    load.cores = {name: (cpu_seconds(pid) - before[name]) / load.elapsed for name, pid in watch.items()}
    load.cores[f"client ({len(steps)} threads)"] = (sum(os.times()[:2]) - client_before) / load.elapsed
    return load


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (no interpolation); nan when there are no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))]


def verdict(ok: bool) -> str:  # noqa: FBT001
    return "PASS" if ok else "MISS"


# ---------------------------------------------------------------- round trips


class RoundTrips:
    """Counts, in this process, MongoDB commands (PyMongo command monitoring), Redis round trips
    (a command, or a pipeline sent at once, by its commands) and S3 calls (botocore), by name,
    while `recording`. Installed before the first client is made.
    """

    SERVERS = ("MongoDB", "Redis", "S3")

    def __init__(self) -> None:
        from pymongo import monitoring

        self.counts: dict[str, Counter] | None = None
        trips = self

        class Commands(monitoring.CommandListener):
            def started(self, event: monitoring.CommandStartedEvent) -> None:
                trips.note("MongoDB", event.command_name)

            def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
                pass

            def failed(self, event: monitoring.CommandFailedEvent) -> None:
                pass

        monitoring.register(Commands())
        self._wrap_redis()

    def _wrap_redis(self) -> None:
        import redis.client

        command, pipeline = redis.client.Redis.execute_command, redis.client.Pipeline.execute
        trips = self

        def execute_command(client, *args, **options):
            trips.note("Redis", str(args[0]).upper())
            return command(client, *args, **options)

        def execute(pipe, *args, **options):
            if pipe.command_stack:
                trips.note("Redis", "pipeline[" + " ".join(str(c[0][0]).upper() for c in pipe.command_stack) + "]")
            return pipeline(pipe, *args, **options)

        redis.client.Redis.execute_command = execute_command
        redis.client.Pipeline.execute = execute

    def watch_s3(self) -> None:
        from store import files

        files.client().meta.events.register("before-call.s3", lambda model, **_: self.note("S3", model.name))

    def note(self, server: str, name: str) -> None:
        if self.counts is not None:
            self.counts[server][name] += 1

    def per_request(self, send, repeats: int) -> dict[str, Counter]:
        """What `repeats` calls of `send` cost, by server and name, divided by `repeats`."""
        self.counts = {server: Counter() for server in self.SERVERS}
        try:
            for _ in range(repeats):
                send()
            return {server: Counter({k: v / repeats for k, v in c.items()}) for server, c in self.counts.items()}
        finally:
            self.counts = None


def profile_answers(client, trips: RoundTrips, person: dict, body: bytes, content_type: str, repeats: int = 4) -> None:
    """Round trips per answer PUT, spoken and multiple choice, through the app in this process
    (Flask's test client, the same code as under gunicorn), after one warm-up answer of each.
    """

    def spoken() -> None:
        headers = {**person["headers"], "Content-Type": content_type}
        expect(client.put(person["spoken_path"], data=body, headers=headers), 202)

    def mcq() -> None:
        expect(client.put(person["mcq_path"], json={"choice": 1}, headers=person["headers"]), 202)

    trips.watch_s3()
    print(f"\n== round trips per answer (one PUT, in-process through the app, mean of {repeats} after a warm-up) ==")
    for label, send in (("spoken (multipart WAV)", spoken), ("mcq (JSON choice)", mcq)):
        send()
        counts = trips.per_request(send, repeats)
        total = sum(sum(c.values()) for c in counts.values())
        print(f"{label:24} total {total:g}")
        for server, names in counts.items():
            listed = ", ".join(f"{name} {n:g}" for name, n in sorted(names.items()))
            print(f"  {server:8} {sum(names.values()):3g}   {listed}")


# ---------------------------------------------------------------- processes


def start_gunicorn(base: Path, port: int) -> subprocess.Popen:
    log = (base / "gunicorn.log").open("ab")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "api.wsgi:app"],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        env={
            **os.environ,
            "API_HOST": "127.0.0.1",
            "API_PORT": str(port),
            "WEB_CONCURRENCY": WEB_CONCURRENCY,
            "WEB_THREADS": WEB_THREADS,
        },
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited:\n{tail(base / 'gunicorn.log')}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/health/live")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn not answering:\n{tail(base / 'gunicorn.log')}")


def start_scoring_worker(base: Path) -> tuple[subprocess.Popen, Path]:
    args = ["-Q", "scoring", "--pool", "prefork", "-c", "1", "--prefetch-multiplier", "1"]
    args += ["--without-gossip", "--without-mingle", "-n", f"bench-scoring-{uuid.uuid4().hex[:6]}@%h"]
    return start_celery_worker(base, "scoring", args)


def stop_group(proc: subprocess.Popen | None, timeout: float = 20) -> None:
    """SIGTERM the process group this script started (gunicorn or celery and its children)."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# ---------------------------------------------------------------- the organisation


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def setup_org(client, db, students: int) -> tuple[dict, list[dict], str, str]:
    """(superadmin headers, students with their headers, campus id, batch id)."""
    from api.identity.tokens import issue_tokens
    from store import batches, campuses, courses, users

    campus = campuses.create(db, {"name": "Bench campus"})
    campus_id = str(campus["_id"])
    course = courses.create(db, {"name": "BSc", "campus_id": campus_id})
    batch = batches.create(db, {"name": "Bench 2026", "campus_id": campus_id, "course_ids": [str(course["_id"])]})
    admin = users.create(db, {"name": "Bench admin", "email": "bench.admin@example.edu", "role": "superadmin"})
    people = [
        users.create(
            db,
            {
                "name": f"Student {i}",
                "email": f"student{i}@example.edu",
                "role": "student",
                "roll_number": f"BEN{i:04d}",
                "campus_id": campus_id,
                "batch_id": str(batch["_id"]),
                "course_id": str(course["_id"]),
            },
        )
        for i in range(students)
    ]
    with client.application.app_context():
        admin_headers = {"Authorization": f"Bearer {issue_tokens(admin)['access_token']}"}
        for person in people:
            person["headers"] = {"Authorization": f"Bearer {issue_tokens(person)['access_token']}"}
    return admin_headers, people, campus_id, str(batch["_id"])


def read_aloud(text: str) -> dict:
    return {"type": "read_aloud", "level": "beginner", "content": {"text": text}}


MCQ = {
    "type": "mcq",
    "level": "beginner",
    "content": {"question": "When does the library close on Friday?", "options": ["At six", "At nine"], "answer": 1},
}


def make_test(client, headers: dict, campus_id: str, batch_id: str, body: dict) -> tuple[str, str]:
    """A test of one item (`body`, as POST /items takes it) assigned to the batch: (test id, item id)."""
    item = client.post("/api/v1/items", json=body, headers=headers)
    expect(item, 201)
    now = datetime.now(UTC)
    test = client.post(
        "/api/v1/tests",
        json={
            "title": f"Bench {uuid.uuid4().hex[:6]}",
            "campus_id": campus_id,
            "sections": [{"item_ids": [item.get_json()["id"]]}],
            "duration_minutes": 120,
            "window_start": iso(now - timedelta(hours=1)),
            "window_end": iso(now + timedelta(hours=3)),
            "release": "manual",
        },
        headers=headers,
    )
    expect(test, 201)
    test_id = test.get_json()["id"]
    expect(client.post(f"/api/v1/tests/{test_id}/assignments", json={"batch_ids": [batch_id]}, headers=headers), 200)
    return test_id, item.get_json()["id"]


def start_attempt(client, test_id: str, headers: dict) -> str:
    resp = client.post(f"/api/v1/tests/{test_id}/attempts", headers=headers)
    expect(resp, 201)
    return resp.get_json()["id"]


def expect(resp, status: int) -> None:
    if resp.status_code != status:
        raise SystemExit(
            f"set-up failed: {resp.request.method} {resp.request.path} -> {resp.status_code}: {resp.data!r}"
        )


# ---------------------------------------------------------------- phases


def intake_phase(
    port: int, students: list[dict], seconds: float, body: bytes, content_type: str, watch: dict[str, int]
) -> tuple[Load, Load, int]:
    health = [Call("GET", "/health/live", {}, None, 200) for _ in students]
    answers = [
        Call(
            "PUT",
            f"/api/v1/attempts/{s['attempt']}/answers/{s['item']}",
            {**s["headers"], "Content-Type": content_type},
            body,
            202,
        )
        for s in students
    ]
    hammer(port, health, 1.0)  # warm-up, discarded: connections, imports, first-request costs
    warm = hammer(port, answers, 1.0)
    bare = measured([HttpStep(port, call) for call in health], seconds, 200, watch)
    return bare, measured([HttpStep(port, call) for call in answers], seconds, 202, watch), warm.ok


# ---------------------------------------------------------------- the floor


class FloorStep:
    """What an answer must at least cost: its audio PUT to S3 with boto3, its job document inserted
    with PyMongo and its Celery message pushed to Redis, one after another, with no API in between.
    """

    def __init__(self, audio: bytes, job: dict, message: str, redis_url: str, s3: BaseClient) -> None:
        import redis as redis_lib

        from store import files
        from store.mongo import get_db

        self.audio, self.job, self.message = audio, job, message
        self.s3, self.bucket, self.encryption = s3, files.bucket(), files.encryption()
        self.jobs = get_db().jobs
        self.redis = redis_lib.Redis.from_url(redis_url)

    def __call__(self) -> tuple[object, str | None, bool]:
        try:
            key = f"floor/{uuid.uuid4().hex}"
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=self.audio, ContentType="audio/wav", **self.encryption)
            self.jobs.insert_one({**self.job, "_id": ObjectId()})
            self.redis.lpush(FLOOR_QUEUE, self.message)
        except Exception as exc:  # noqa: BLE001 - counted and shown, as the API's failures are
            return type(exc).__name__, f"floor: {exc!r}", False
        return "ok", None, True

    def close(self) -> None:
        """Connections stay open for the next round (the warm-up, then the measured one)."""


FLOOR_QUEUE = "bench-floor"  # a list no worker reads


def floor_phase(students: int, seconds: float, audio: bytes, redis_url: str, watch: dict[str, int]) -> Load:
    """The floor, in this process: as many threads as clients, each repeating FloorStep; the job
    document and the message are copies of the last answer the API queued.
    """
    import redis as redis_lib

    from store.mongo import get_db

    message = redis_lib.Redis.from_url(redis_url).lindex("scoring", 0).decode()
    args = json.loads(base64.b64decode(json.loads(message)["body"]))[0]  # Celery protocol 2: [args, kwargs, embed]
    job = get_db().jobs.find_one({"_id": ObjectId(args[0])})
    s3 = s3_client(students)
    steps = [FloorStep(audio, job, message, redis_url, s3) for _ in range(students)]
    logging.getLogger("slow").setLevel(logging.ERROR)  # this process's slow-command warnings: noise here
    drive(steps, 1.0, "ok")  # warm-up, discarded
    return measured(steps, seconds, "ok", watch)


def s3_client(connections: int) -> BaseClient:
    """A boto3 client as store.files makes it, with a connection for each thread (its pool of 10
    would close and reopen connections under 32 threads).
    """
    import boto3
    from botocore.config import Config

    from config import get_settings

    s = get_settings()
    return boto3.client(
        "s3",
        endpoint_url=s.s3_endpoint_url or None,
        region_name=s.s3_region,
        aws_access_key_id=s.aws_access_key_id or None,
        aws_secret_access_key=s.aws_secret_access_key or None,
        config=Config(
            signature_version="s3v4",
            retries={"max_attempts": 3, "mode": "standard"},
            s3={"addressing_style": "path"},
            max_pool_connections=connections,
        ),
    )


def answer_to_score(port: int, student: dict, body: bytes, content_type: str) -> tuple[float, str, dict]:
    """Seconds from the PUT's start until the job is terminal, its state, and the job as polled."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        started = time.perf_counter()
        conn.request(
            "PUT",
            f"/api/v1/attempts/{student['attempt']}/answers/{student['item']}",
            body=body,
            headers={**student["headers"], "Content-Type": content_type},
        )
        resp = conn.getresponse()
        data = resp.read()
        put_ms = (time.perf_counter() - started) * 1000
        if resp.status != 202:
            return time.perf_counter() - started, f"PUT {resp.status}: {data[:300]!r}", {}
        location = resp.getheader("Location")
        deadline = started + 180
        while time.perf_counter() < deadline:
            conn.request("GET", location, headers=student["headers"])
            poll = conn.getresponse()
            job = json.loads(poll.read())
            if poll.status != 200:
                return time.perf_counter() - started, f"GET job {poll.status}: {job}", {}
            if job["state"] not in ("queued", "running"):
                return time.perf_counter() - started, job["state"], {**job, "put_ms": put_ms}
            time.sleep(POLL_SECONDS)
        return time.perf_counter() - started, "timeout", {}
    finally:
        conn.close()


def job_breakdown(db, job_id: str) -> str:
    """Where the time went, from the job document's own timestamps (ms precision)."""
    job = db.jobs.find_one({"_id": ObjectId(job_id)})
    if not job or not job.get("started_at") or not job.get("finished_at"):
        return ""
    wait = (job["started_at"] - job["created_at"]).total_seconds()
    run = (job["finished_at"] - job["started_at"]).total_seconds()
    return f"queued->running {wait:5.2f} s   running->done {run:5.2f} s"


# ---------------------------------------------------------------- main


def main() -> None:  # noqa: PLR0915 - one run, told in order
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--runs", type=int, default=8)
    args = parser.parse_args()

    base = Path(tempfile.mkdtemp(prefix="bench-answers-"))
    started: list = []
    gunicorn = worker = None
    trips = RoundTrips()  # before any client exists
    try:
        intake_audio = intake_clip(base)
        score_audio, speech_seconds, clip_seconds = scoring_clip(base)
        mongo = servers.start_mongo(base / "m", servers.free_port())
        started.append(mongo)
        redis = servers.start_redis(base / "r", servers.free_port(), persistent=False)
        started.append(redis)
        s3 = servers.start_s3(base / "s", servers.free_port(), persistent=False)
        started.append(s3)
        stack_environment(base, mongo, redis, s3, LOG_LEVEL=LOG_LEVEL)
        from api.app import create_app
        from config import get_settings
        from store import files, migrations
        from store.mongo import close_clients, get_db

        db = get_db()
        migrations.apply_all(db)
        files.ensure_bucket()
        client = create_app().test_client()
        logging.getLogger().setLevel(logging.WARNING)  # this process's set-up requests; gunicorn keeps LOG_LEVEL
        admin, people, campus_id, batch_id = setup_org(client, db, max(args.students, args.runs + 1) + 1)
        intake_test, intake_item = make_test(client, admin, campus_id, batch_id, read_aloud(SHORT_TEXT))
        score_test, score_item = make_test(client, admin, campus_id, batch_id, read_aloud(LONG_TEXT))
        mcq_test, mcq_item = make_test(client, admin, campus_id, batch_id, MCQ)
        profiled = people[-1]  # in neither list below: its answers count against nobody's quota
        for test_id, item_id, name in ((intake_test, intake_item, "spoken_path"), (mcq_test, mcq_item, "mcq_path")):
            attempt = start_attempt(client, test_id, profiled["headers"])
            profiled[name] = f"/api/v1/attempts/{attempt}/answers/{item_id}"
        intake_students = people[: args.students]
        for person in intake_students:
            person.update(attempt=start_attempt(client, intake_test, person["headers"]), item=intake_item)
        score_students = [{**p, "item": score_item} for p in people[: args.runs + 1]]
        for person in score_students:
            person["attempt"] = start_attempt(client, score_test, person["headers"])

        settings = get_settings()
        cpus = os.cpu_count()
        print(
            f"machine          {cpus} CPUs (usable: {len(os.sched_getaffinity(0))}), "
            f"Python {platform.python_version()}, {platform.machine()}, "
            "load average before phase 1 {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
        )
        print(
            f"settings         gunicorn {WEB_CONCURRENCY} workers x {WEB_THREADS} threads (gthread), "
            f"LOG_LEVEL={LOG_LEVEL} (API logs to a file), rate limits {settings.rate_limits_enabled}, "
            "MongoDB stand-in SecantusDB, S3 moto, Redis without persistence"
        )
        print(
            f"                 phase 1: {args.students} client threads in this process, {args.seconds:.0f} s per "
            f"endpoint after 1 s warm-up, audio {len(intake_audio)} bytes WAV 16 kHz mono, no scoring worker; "
            f"then the floor from {args.students} threads in this process"
        )
        print(
            f"                 phase 2: 1 scoring worker (prefork -c 1, SCORING_CPU_THREADS="
            f"{settings.scoring.scoring_cpu_threads}), {args.runs} answers of a {clip_seconds:.1f} s clip "
            f"({speech_seconds:.1f} s speech, {len(score_audio)} bytes), poll every {POLL_SECONDS * 1000:.0f} ms"
        )

        port = servers.free_port()
        gunicorn = start_gunicorn(base, port)
        body, content_type = multipart(intake_audio, "answer.wav")
        watch = {"gunicorn": gunicorn.pid, "MongoDB": mongo.proc.pid, "S3": s3.proc.pid, "Redis": redis.proc.pid}
        bare, ours, warm_ok = intake_phase(port, intake_students, args.seconds, body, content_type, watch)
        queued = redis_len(redis.url, "scoring")
        intake_checks = check_intake(ours.ok + warm_ok, queued, db.jobs.count_documents({"kind": "answer_scoring"}))
        floor = floor_phase(len(intake_students), args.seconds, intake_audio, redis.url, watch)
        report_intake(bare, ours, floor, queued, warm_ok)
        for name, ok in intake_checks.items():
            print(f"check            {'OK    ' if ok else 'FAILED'}   {name}")
        profile_answers(client, trips, profiled, body, content_type)

        dropped = redis_delete(redis.url, "scoring")
        print(f"\npurged the scoring queue: {dropped} message(s) deleted before the worker started")
        worker, worker_log = start_scoring_worker(base)
        score_body, score_type = multipart(score_audio, "answer.wav")
        warm_seconds, warm_state, _ = answer_to_score(port, score_students[0], score_body, score_type)
        print(f"warm-up answer   {warm_seconds:6.2f} s  {warm_state}  (includes the model load in the pool process)")
        report_scoring(db, port, score_students[1:], score_body, score_type, worker_log)
        close_clients()
        if not all(intake_checks.values()):
            sys.exit(1)
    finally:
        stop_group(worker)
        stop_group(gunicorn)
        for server in reversed(started):
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


def check_intake(accepted: int, queued: int, stored: int) -> dict[str, bool]:
    """Every answer the API accepted (202) has exactly one job in MongoDB and one message in the
    scoring queue (no worker consumed it during the phase)."""
    return {
        f"no lost answer: {accepted} accepted, {stored} answer_scoring jobs stored": stored >= accepted,
        f"no duplicate job: {stored} jobs for {accepted} accepted answers": stored <= accepted,
        f"one message per job: {queued} in the scoring queue for {stored} jobs": queued == stored,
    }


def redis_len(url: str, key: str) -> int:
    import redis as redis_lib

    return int(redis_lib.Redis.from_url(url).llen(key))


def redis_delete(url: str, key: str) -> int:
    import redis as redis_lib

    r = redis_lib.Redis.from_url(url)
    count = int(r.llen(key))
    r.delete(key)
    return count


def report_intake(bare: Load, ours: Load, floor: Load, queued: int, warm_ok: int) -> None:
    print("\n== phase 1: answer intake under load ==")
    print(f"{'':34}{'requests':>9}{'ok':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    rows = (
        ("GET /health/live (baseline)", bare),
        ("PUT answer (audio)", ours),
        ("floor: S3 PUT + insert + LPUSH", floor),
    )
    for label, load in rows:
        print(
            f"{label:34}{sum(load.statuses.values()):9d}{load.ok:7d}{rate(load):9.1f}"
            f"{percentile(load.latencies_ms, 0.5):9.1f}{percentile(load.latencies_ms, 0.99):9.1f}"
            f"{max(load.latencies_ms, default=float('nan')):9.1f}"
        )
    p99 = percentile(ours.latencies_ms, 0.99)
    ratio = rate(ours) / rate(floor) if floor.ok else float("nan")
    print(f"answer PUT p99         {p99:8.1f} ms   target <= {TARGET_P99_MS:.0f} ms   {verdict(p99 <= TARGET_P99_MS)}")
    met = verdict(ratio >= TARGET_FLOOR_RATIO)
    print(f"throughput / floor     {ratio:8.2f}x     target >= {TARGET_FLOOR_RATIO}x      {met}")
    floor_p50, floor_p99 = percentile(floor.latencies_ms, 0.5), percentile(floor.latencies_ms, 0.99)
    print(
        f"API / floor            answers/s {rate(ours) / rate(floor) if floor.ok else float('nan'):5.2f}x   "
        f"p50 {percentile(ours.latencies_ms, 0.5) / floor_p50:5.2f}x   p99 {p99 / floor_p99:5.2f}x"
    )
    print(
        f"answers waiting in the scoring queue after the phase: {queued} "
        f"(202s: {ours.ok} measured + {warm_ok} in the 1 s warm-up)"
    )
    print(f"CPU in use (cores of {os.cpu_count()}), by process, during each:")
    for label, load in (("baseline", bare), ("answers", ours), ("floor", floor)):
        print(f"  {label:9} " + "   ".join(f"{name} {cores:4.2f}" for name, cores in load.cores.items()))
    for label, load in (("baseline", bare), ("answers", ours), ("floor", floor)):
        others = {k: v for k, v in load.statuses.items() if k not in (200, 202, "ok")}
        if others:
            print(f"UNEXPECTED {label}: {dict(others)}")
            for problem in load.errors:
                print(f"  {problem}")


def rate(load: Load) -> float:
    return load.ok / load.elapsed if load.elapsed else float("nan")


def report_scoring(db, port: int, students: list[dict], body: bytes, content_type: str, worker_log: Path) -> None:
    print("\n== phase 2: answer to score on an idle worker ==")
    times: list[float] = []
    for number, student in enumerate(students, start=1):
        seconds, state, job = answer_to_score(port, student, body, content_type)
        detail = f"PUT {job['put_ms']:5.0f} ms   {job_breakdown(db, job['id'])}" if job else ""
        print(f"answer {number:2d}        {seconds:6.2f} s  {state:9}  {detail}")
        if state != "succeeded":
            print(f"  job: {json.dumps(job)[:500]}")
            print(f"  worker log tail:\n{tail(worker_log, 1500)}")
            continue
        times.append(seconds)
    if not times:
        print("no answer was scored: no figures")
        return
    p50, p95 = statistics.median(times), percentile(times, 0.95)
    print(f"answer to score  p50 {p50:5.2f} s   p95 {p95:5.2f} s   ({len(times)} of {len(students)} succeeded)")
    print(f"target p50 <= {TARGET_SCORE_P50_S:.0f} s   {verdict(p50 <= TARGET_SCORE_P50_S)}")


if __name__ == "__main__":
    main()
