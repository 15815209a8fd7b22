"""Reads at the size of a real college: prints figures next to targets, asserts nothing.

Starts its own servers (as the tests do) and seeds one campus, course and batch with 10,000
students (a real roster import, run in this process), one published test assigned to the batch
and a handful of other tests assigned to it too. A few students take the test through the API
(answers, scoring and settling jobs run in this process by their real Celery tasks); their
attempt and score documents are cloned for every other student, so all 10,000 attempts are
finished and carry the aggregator's result. Then the API runs under gunicorn (gunicorn.conf.py,
2 workers x 4 threads) and 8 client threads, each on its own keep-alive connection, measure for
a fixed time:
  1. GET /api/v1/tests/<id>/results as the campus admin, walking pages 1..N of 50 (each thread
     starts elsewhere), first with RESULTS_CACHE_SECONDS=0 (every page from MongoDB), then with
     the results cache on (store/listings.py; its first page builds the listing). Target p99 <= 100 ms.
  2. GET /api/v1/me/tests, each thread a different student. Target p99 <= 50 ms.
  3. baseline: GET /health/live, the same threads for the same time.
  4. the CSV report of every assigned student: POST /api/v1/tests/<id>/reports until
     GET /api/v1/jobs/<id> says succeeded, one default-queue worker (Procfile). Target <= 30 s.
Last, in this process with the Flask test client, the MongoDB commands each path issues, their
round-trip time and the server's explain verdict (index, COLLSCAN, in-memory SORT).
Usage: .venv/bin/python bench/bench_reads_at_scale.py [--students 10000] [--seconds 15]
       [--engine secantus|nx] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import http.client
import io
import json
import logging
import math
import os
import platform
import pstats
import random
import secrets
import shutil
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from pymongo import monitoring

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from bench_answer_intake import (  # noqa: E402
    Call,
    Load,
    iso,
    measured,
    percentile,
    start_gunicorn,
    stop_group,
    verdict,
)

from bench.stack import stack_environment, start_celery_worker  # noqa: E402
from devstack import servers  # noqa: E402

if TYPE_CHECKING:
    import subprocess

CLIENTS = 8
PER_PAGE = 50
TEMPLATES = 8  # students who take the test through the API; the rest are their clones
CHUNK = 1000  # documents per insert_many
TARGET_RESULTS_P99_MS, TARGET_ME_P99_MS, TARGET_REPORT_S = 100.0, 50.0, 30.0
POLL_SECONDS = 0.1
MCQ_MODULES = ("reading", "grammar", "vocabulary", "listening")
TIME_FIELDS = ("started_at", "deadline", "finished_at", "created_at", "updated_at", "released_at")
WORKER_ARGS = ["-Q", "default", "-c", "2", "--prefetch-multiplier", "4"]  # worker_default in the Procfile


# ---------------------------------------------------------------- MongoDB commands, as they go out


@dataclass
class Sent:
    name: str
    collection: str
    command: dict[str, Any]
    ms: float = 0.0
    batches: int = 1  # the command and the getMores of its cursor


class Recorder(monitoring.CommandListener):
    """Every command this process sends while `on` (registered before the first client exists)."""

    IGNORED = frozenset({"endSessions", "ping", "hello", "isMaster", "ismaster", "saslStart", "saslContinue"})

    def __init__(self) -> None:
        self.on = False
        self.sent: list[Sent] = []
        self._pending: dict[int, Sent] = {}
        self._cursors: dict[int, Sent] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if not self.on or event.command_name in self.IGNORED:
            return
        command = dict(event.command)
        if event.command_name == "getMore":
            self._pending[event.request_id] = self._cursors.get(command["getMore"], Sent("getMore", "", {}))
            return
        sent = Sent(event.command_name, str(command.get(event.command_name)), command)
        self.sent.append(sent)
        self._pending[event.request_id] = sent

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        sent = self._pending.pop(event.request_id, None)
        if sent is None:
            return
        sent.ms += event.duration_micros / 1000
        if event.command_name == "getMore":
            sent.batches += 1
        cursor = event.reply.get("cursor") or {}
        if cursor.get("id"):
            self._cursors[cursor["id"]] = sent

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        self._pending.pop(event.request_id, None)

    def take(self) -> list[Sent]:
        sent, self.sent = self.sent, []
        return sent


RECORDER = Recorder()


# ---------------------------------------------------------------- seeding


@dataclass
class Org:
    campus_id: str
    batch_id: str
    superadmin: dict
    campus_admin: dict
    headers: dict[str, dict] = field(default_factory=dict)


@dataclass
class Seeded:
    org: Org
    test_id: str
    students: list[dict]  # a few (not template) students, each with its "headers"
    attempts: int
    timings: dict[str, float] = field(default_factory=dict)


def bearer(app, user: dict) -> dict:
    from api.identity.tokens import issue_tokens

    with app.app_context():
        return {"Authorization": f"Bearer {issue_tokens(user)['access_token']}"}


def expect(resp, status: int) -> dict:
    if resp.status_code != status:
        raise SystemExit(f"set-up: {resp.request.method} {resp.request.path} -> {resp.status_code}: {resp.data!r}")
    return resp.get_json()


def run_job(db, job_id: str) -> None:
    """Run a queued job here and now through its real Celery task (as a worker would)."""
    from domain.jobkinds import job_kind
    from store import jobs
    from tasks.celery_app import celery_app

    job = jobs.get(db, job_id)
    celery_app.tasks[job_kind(job["kind"]).task].apply(args=[job_id])
    done = jobs.get(db, job_id)
    if done["state"] != "succeeded":
        raise SystemExit(f"set-up: job {job['kind']} ended {done['state']}: {done.get('error')}")


def make_org(client, db) -> Org:
    from store import batches, campuses, courses, users

    campus = campuses.create(db, {"name": "Bench College"})
    campus_id = str(campus["_id"])
    course = courses.create(db, {"name": "BTech", "campus_id": campus_id})
    batch = batches.create(db, {"name": "2026", "campus_id": campus_id, "course_ids": [str(course["_id"])]})
    superadmin = users.create(
        db, {"name": "Bench superadmin", "email": "bench.super@example.edu", "role": "superadmin"}
    )
    org = Org(campus_id, str(batch["_id"]), superadmin, {})
    org.headers["superadmin"] = bearer(client.application, superadmin)
    body = {"name": "Bench campus admin", "email": "bench.campus@example.edu", "role": "campus_admin"}
    created = expect(
        client.post("/api/v1/admins", json={**body, "campus_id": campus_id}, headers=org.headers["superadmin"]), 201
    )
    org.campus_admin = users.get(db, created["id"])
    org.headers["campus_admin"] = bearer(client.application, org.campus_admin)
    return org


def roster_csv(count: int) -> bytes:
    lines = ["Student Name,Roll Number,Email,Mobile Number"]
    lines += [f"Student {i:05d},BEN{i:05d},student.{i}@example.edu,98{i:08d}" for i in range(count)]
    return ("\r\n".join(lines) + "\r\n").encode()


def import_roster(client, db, org: Org, count: int) -> None:
    """The students, by a real roster import (the API takes the file; its job runs here)."""
    job = expect(
        client.post(
            f"/api/v1/batches/{org.batch_id}/roster-imports",
            headers=org.headers["superadmin"],
            data={"file": (io.BytesIO(roster_csv(count)), "roster.csv"), "send_invitations": "false"},
            content_type="multipart/form-data",
        ),
        202,
    )
    run_job(db, job["id"])


def make_items(client, org: Org) -> dict[str, dict]:
    """Eight multiple-choice items (two per module) and two sentence completions: id -> item."""
    bodies = [
        {
            "type": "mcq",
            "level": "intermediate",
            "module": module,
            "content": {
                "question": f"Question {n} on {module}: which word means large?",
                "options": ["tiny", "huge", "thin", "late"],
                "answer": 1,
            },
        }
        for module in MCQ_MODULES
        for n in (1, 2)
    ]
    bodies += [
        {
            "type": "sentence_completion",
            "level": "intermediate",
            "content": {"sentence": f"The meeting was ___ until Monday ({n}).", "acceptable_answers": ["postponed"]},
        }
        for n in (1, 2)
    ]
    made = [
        expect(
            client.post("/api/v1/items", json={**b, "campus_id": org.campus_id}, headers=org.headers["superadmin"]), 201
        )
        for b in bodies
    ]
    return {item["id"]: item for item in made}


def make_test(client, org: Org, title: str, sections: list[dict], start: datetime, end: datetime) -> str:
    headers = org.headers["campus_admin"]
    body = {
        "title": title,
        "campus_id": org.campus_id,
        "sections": sections,
        "duration_minutes": 60,
        "window_start": iso(start),
        "window_end": iso(end),
        "release": "manual",
    }
    test = expect(client.post("/api/v1/tests", json=body, headers=headers), 201)
    assigned = {"batch_ids": [org.batch_id]}
    expect(client.post(f"/api/v1/tests/{test['id']}/assignments", json=assigned, headers=headers), 200)
    return test["id"]


def make_tests(client, org: Org, items: dict[str, dict]) -> str:
    """The test everyone takes, open now, and six others (four open, one over, one to come)."""
    now = datetime.now(UTC)
    mcq = [item_id for item_id, item in items.items() if item["type"] == "mcq"]
    written = [item_id for item_id, item in items.items() if item["type"] != "mcq"]
    sections = [{"item_ids": mcq}, {"item_ids": written}]
    test_id = make_test(client, org, "English end-term", sections, now - timedelta(hours=3), now + timedelta(hours=3))
    others = [(-2, 24 * n) for n in range(1, 5)] + [(-72, -48), (24, 48)]
    for n, (start, end) in enumerate(others, start=1):
        window = (now + timedelta(hours=start), now + timedelta(hours=end))
        make_test(client, org, f"Practice {n}", [{"item_ids": mcq[:2]}], *window)
    return test_id


def answer(item: dict, *, right: bool) -> dict:
    if item["type"] == "mcq":
        return {"choice": 1 if right else 0}
    return {"text": "postponed" if right else "cancelled"}


def take_test(client, db, test_id: str, headers: dict, items: dict[str, dict], rng: random.Random) -> str:
    """Start, answer every item, finish: the real API calls, their jobs run here. The attempt id."""
    attempt = expect(client.post(f"/api/v1/tests/{test_id}/attempts", headers=headers), 201)
    share = rng.random()
    for entry in attempt["items"]:
        body = answer(items[entry["id"]], right=rng.random() < share)
        path = f"/api/v1/attempts/{attempt['id']}/answers/{entry['id']}"
        run_job(db, expect(client.put(path, json=body, headers=headers), 202)["id"])
    run_job(db, expect(client.post(f"/api/v1/attempts/{attempt['id']}/finish", headers=headers), 202)["id"])
    return attempt["id"]


def moved(value: Any, shift: timedelta = timedelta(0)) -> datetime:
    """A stored time (nx-27017 gives text back) as the application writes one, shifted."""
    from store.common import as_utc

    moment = as_utc(value)
    if moment is None:
        raise SystemExit(f"set-up: not a time: {value!r}")
    return moment + shift


def cloned(template: dict, scores: list[dict], student: dict, shift: timedelta) -> tuple[dict, list[dict]]:
    """The template's attempt and scores as `student`'s, `shift` earlier or later."""
    attempt_id = ObjectId()
    job_ids = {item_id: ObjectId() for item_id in template["answers"]}
    doc = {  # shallow: the clones share the template's unchanged parts (result, items) until inserted
        **template,
        "_id": attempt_id,
        "student_id": str(student["_id"]),
        "batch_id": student.get("batch_id"),
        "course_id": student.get("course_id"),
        "seed": secrets.token_hex(8),
        **{name: moved(template[name], shift) for name in TIME_FIELDS if template.get(name) is not None},
        "answers": {
            item_id: {**answered, "job_id": str(job_ids[item_id]), "at": moved(answered["at"], shift)}
            for item_id, answered in template["answers"].items()
        },
    }
    copies = [
        {
            **score,
            "_id": job_ids[score["item_id"]],
            "attempt_id": str(attempt_id),
            "owner_id": str(student["_id"]),
            "scored_at": moved(score["scored_at"], shift),
            "created_at": moved(score["created_at"], shift),
        }
        for score in scores
    ]
    return doc, copies


def clone_attempts(db, template_ids: list[str], students: list[dict], window: timedelta) -> int:
    """Every other student's attempt: a template's documents, spread over `window` before now."""
    from store import attempts, scores

    templates = [attempts.get(db, attempt_id) for attempt_id in template_ids]
    score_docs = {attempt_id: list(scores.matching(db, attempt_id=attempt_id)) for attempt_id in template_ids}
    step = window / max(1, len(students))
    written = 0
    for start in range(0, len(students), CHUNK):
        attempt_docs, score_copies = [], []
        for n, student in enumerate(students[start : start + CHUNK], start=start):
            template = templates[n % len(templates)]
            shift = -window + step * n - (moved(template["started_at"]) - moved(templates[0]["started_at"]))
            doc, copies = cloned(template, score_docs[str(template["_id"])], student, shift)
            attempt_docs.append(doc)
            score_copies += copies
        db[attempts.COLLECTION].insert_many(attempt_docs, ordered=False)
        db[scores.COLLECTION].insert_many(score_copies, ordered=False)
        written += len(attempt_docs)
    return written


def seed(client, db, count: int) -> Seeded:
    from store import users

    timings: dict[str, float] = {}
    started = time.perf_counter()
    org = make_org(client, db)
    import_roster(client, db, org, count)
    timings["roster import"] = time.perf_counter() - started
    mark = time.perf_counter()
    items = make_items(client, org)
    test_id = make_tests(client, org, items)
    timings["items and tests"] = time.perf_counter() - mark
    mark = time.perf_counter()
    students = list(db[users.COLLECTION].find({"role": "student", "batch_id": org.batch_id}).sort("roll_number", 1))
    rng = random.Random(7)
    template_ids = [
        take_test(client, db, test_id, bearer(client.application, student), items, rng)
        for student in students[:TEMPLATES]
    ]
    timings[f"{len(template_ids)} attempts via the API"] = time.perf_counter() - mark
    mark = time.perf_counter()
    clones = clone_attempts(db, template_ids, students[TEMPLATES:], timedelta(hours=2))
    timings[f"{clones} cloned attempts"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - started
    chosen = [
        {**s, "headers": bearer(client.application, s)}
        for s in students[TEMPLATES :: max(1, count // CLIENTS)][:CLIENTS]
    ]
    return Seeded(org, test_id, chosen, len(template_ids) + clones, timings)


# ---------------------------------------------------------------- load


class PageWalk:
    """A Call whose path is the next results page each time it is read (pages 1..last, wrapping)."""

    def __init__(self, test_id: str, headers: dict, first: int, last: int) -> None:
        self.method, self.headers, self.body, self.expect = "GET", headers, None, 200
        self.test_id, self.page, self.last = test_id, first - 1, last

    @property
    def path(self) -> str:
        self.page = self.page % self.last + 1
        return f"/api/v1/tests/{self.test_id}/results?page={self.page}&per_page={PER_PAGE}"


def read_phase(
    port: int, seeded: Seeded, seconds: float, watch: dict[str, int], labels: tuple[str, ...]
) -> dict[str, Load]:
    last = math.ceil(seeded.attempts / PER_PAGE)
    admin = seeded.org.headers["campus_admin"]
    health = [Call("GET", "/health/live", {}, None, 200) for _ in range(CLIENTS)]
    pages = [PageWalk(seeded.test_id, admin, 1 + n * last // CLIENTS, last) for n in range(CLIENTS)]
    mine = [Call("GET", "/api/v1/me/tests", s["headers"], None, 200) for s in seeded.students]
    loads = {}
    phases = {"health": health, "results": pages, "results_uncached": pages, "me": mine}
    for label, calls in ((label, phases[label]) for label in labels):
        measured(port, calls, 1.0, {})  # warm-up, discarded: connections, imports, first-request costs
        loads[label] = measured(port, calls, seconds, watch)
    return loads


def measure_reads(base: Path, seeded: Seeded, seconds: float, watch: dict[str, int]) -> tuple[subprocess.Popen, int]:
    """The results pages without the cache, then everything with it; the API left running, and its port."""
    os.environ["RESULTS_CACHE_SECONDS"] = "0"
    port = servers.free_port()
    gunicorn = start_gunicorn(base, port)
    try:
        loads = read_phase(port, seeded, seconds, {**watch, "gunicorn": gunicorn.pid}, ("results_uncached",))
    finally:
        stop_group(gunicorn)
        del os.environ["RESULTS_CACHE_SECONDS"]
    port = servers.free_port()
    gunicorn = start_gunicorn(base, port)
    build_s = first_page_seconds(port, seeded)
    loads |= read_phase(port, seeded, seconds, {**watch, "gunicorn": gunicorn.pid}, ("health", "results", "me"))
    print_reads(loads, seeded)
    print(f"the first results page after a change (it builds the cached listing): {build_s:.2f} s")
    return gunicorn, port


def first_page_seconds(port: int, seeded: Seeded) -> float:
    """One results page on a cold cache: what the first admin to look after a change waits."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        started = time.perf_counter()
        path = f"/api/v1/tests/{seeded.test_id}/results?page=1&per_page={PER_PAGE}"
        status, _ = request_json(conn, "GET", path, seeded.org.headers["campus_admin"])
        if status != 200:
            raise SystemExit(f"results page: {status}")
        return time.perf_counter() - started
    finally:
        conn.close()


# ---------------------------------------------------------------- the report


def start_default_worker(base: Path) -> subprocess.Popen:
    name = f"bench-default-{uuid.uuid4().hex[:6]}@%h"
    return start_celery_worker(base, "default", [*WORKER_ARGS, "-n", name])[0]


@dataclass
class Report:
    seconds: float
    state: str
    job: dict
    size: int = 0
    rows: int = 0
    download_s: float = 0.0


def request_json(conn: http.client.HTTPConnection, method: str, path: str, headers: dict, body: Any = None) -> tuple:
    data = None if body is None else json.dumps(body).encode()
    conn.request(method, path, body=data, headers={**headers, "Content-Type": "application/json"})
    resp = conn.getresponse()
    return resp.status, json.loads(resp.read() or b"null")


def timed_report(port: int, test_id: str, headers: dict) -> Report:
    """POST the CSV report, poll its job until it ends, then download it."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        started = time.perf_counter()
        status, job = request_json(conn, "POST", f"/api/v1/tests/{test_id}/reports", headers, {"format": "csv"})
        if status != 202:
            return Report(time.perf_counter() - started, f"POST {status}", job)
        while job["state"] in ("queued", "running") and time.perf_counter() - started < 600:
            time.sleep(POLL_SECONDS)
            status, job = request_json(conn, "GET", f"/api/v1/jobs/{job['id']}", headers)
        report = Report(time.perf_counter() - started, job["state"], job)
    finally:
        conn.close()
    if report.state == "succeeded":
        mark = time.perf_counter()
        with urllib.request.urlopen(job["result"]["download_url"], timeout=60) as resp:
            data = resp.read()
        report.download_s = time.perf_counter() - mark
        report.size, report.rows = len(data), sum(1 for _ in csv.reader(io.StringIO(data.decode()))) - 1
    return report


# ---------------------------------------------------------------- which queries, and how the server runs them


def flattened(query: Any) -> dict | None:
    """A top-level {"$and": [...]} of plain conditions on distinct fields as one document (the
    same query); None when there is nothing to flatten.
    """
    if not isinstance(query, dict) or list(query) != ["$and"]:
        return None
    merged: dict[str, Any] = {}
    for part in query["$and"]:
        if set(part) & set(merged):
            return None
        merged.update(part)
    return merged


def explain_flattened(db, sent: Sent) -> str | None:
    """The verdict for the same command with its top-level $and flattened, if it has one."""
    command = dict(sent.command)
    if sent.name == "find" and flattened(command.get("filter")) is not None:
        command["filter"] = flattened(command["filter"])
    elif sent.name == "aggregate" and flattened(command["pipeline"][0].get("$match")) is not None:
        command["pipeline"] = [{"$match": flattened(command["pipeline"][0]["$match"])}, *command["pipeline"][1:]]
    else:
        return None
    return explain_verdict(db, Sent(sent.name, sent.collection, command))


def explain_verdict(db, sent: Sent) -> str:
    command = sent.command
    if sent.name == "find":
        keys = ("filter", "sort", "projection", "skip", "limit")
        wanted = {"find": sent.collection, **{key: command[key] for key in keys if key in command}}
    elif sent.name == "aggregate":
        wanted = {"aggregate": sent.collection, "pipeline": command["pipeline"], "cursor": {}}
    else:
        return "-"
    try:
        plan = db.command("explain", wanted, verbosity="queryPlanner")
    except Exception as exc:  # noqa: BLE001 - a stand-in that cannot explain this says why
        return f"explain failed: {str(exc)[:60]}"
    return plan_summary(plan.get("queryPlanner", {}).get("winningPlan"))


def plan_summary(plan: Any) -> str:
    """SecantusDB: MongoDB's stage tree; nx-27017: SQLite's plan lines."""
    if isinstance(plan, list):
        return " | ".join(step.get("detail", "?") for step in plan)[:110]
    stages, todo = [], [plan]
    while todo:
        stage = todo.pop()
        if not isinstance(stage, dict):
            continue
        name = stage.get("stage", "?")
        stages.append(f"{name}({stage['indexName']})" if stage.get("indexName") else name)
        todo += [stage.get("inputStage"), *(stage.get("inputStages") or [])]
    return " <- ".join(stages) or "no winningPlan"


def brief(command: dict) -> str:
    """The query part of a command, short."""
    if "pipeline" in command:
        shown = {"pipeline": command["pipeline"]}
    else:
        keys = ("filter", "sort", "projection", "skip", "limit")
        shown = {key: command[key] for key in keys if key in command}
    text = json.dumps(shown, default=str)
    return text if len(text) <= 150 else text[:147] + "..."


def recorded(action) -> tuple[list[Sent], float]:
    RECORDER.take()
    RECORDER.on = True
    started = time.perf_counter()
    try:
        action()
    finally:
        RECORDER.on = False
    return RECORDER.take(), (time.perf_counter() - started) * 1000


def diagnose(client, db, seeded: Seeded, *, profile: bool) -> None:
    from config import get_settings
    from jobs.attempts import reports

    last = math.ceil(seeded.attempts / PER_PAGE)
    results = f"/api/v1/tests/{seeded.test_id}/results?per_page={PER_PAGE}&page="
    admin, student = seeded.org.headers["campus_admin"], seeded.students[0]["headers"]
    superadmin = seeded.org.headers["superadmin"]
    paths = {
        "results page 1": lambda: expect(client.get(results + "1", headers=admin), 200),
        f"results page {last}": lambda: expect(client.get(results + str(last), headers=admin), 200),
        "results page 1 (superadmin: no scope)": lambda: expect(client.get(results + "1", headers=superadmin), 200),
        "me/tests": lambda: expect(client.get("/api/v1/me/tests", headers=student), 200),
        "CSV report (write_report)": lambda: reports.write_report(
            db,
            seeded.test_id,
            "diagnose",
            requester_id=str(seeded.org.superadmin["_id"]),
            file_format="csv",
            anonymised=False,
            key=get_settings().pseudonym_key,
        ),
    }
    print("\n== the MongoDB commands of each path (in this process, Flask test client; ms = round trip) ==")
    for label, action in paths.items():
        action()  # warm
        sent, total_ms = recorded(action)
        print(f"{label}: {total_ms:.0f} ms in all, {len(sent)} commands, {sum(s.ms for s in sent):.0f} ms in MongoDB")
        for item in sent:
            print(f"  {item.ms:7.1f} ms  {item.name:9} {item.collection:9} x{item.batches:<3} {brief(item.command)}")
            print(f"             explain: {explain_verdict(db, item)}")
            alternative = explain_flattened(db, item)
            if alternative:
                print(f"             the same with its $and flattened: {alternative}")
        if profile:
            profiled(action)


def profiled(action) -> None:
    """cProfile the action, repeated for at least a second; the functions with the most own time."""
    profiler, calls, started = cProfile.Profile(), 0, time.perf_counter()
    while calls == 0 or time.perf_counter() - started < 1.0:
        profiler.runcall(action)
        calls += 1
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    print(f"  cProfile, {calls} call(s), by own time:")
    print("\n".join("    " + line.replace(str(REPO) + "/", "") for line in lines[3:]))


# ---------------------------------------------------------------- report


def load_row(label: str, load: Load, target: str, base_rps: float) -> str:
    rate = load.ok / load.elapsed if load.elapsed else float("nan")
    values = [percentile(load.latencies_ms, q) for q in (0.5, 0.95, 0.99)]
    ratio = f"{rate / base_rps:8.2f}" if base_rps else f"{'-':>8}"
    return f"{label:44}{load.ok:8d}{rate:8.1f}" + "".join(f"{v:8.1f}" for v in values) + f"{ratio}  {target}"


def print_reads(loads: dict[str, Load], seeded: Seeded) -> None:
    last = math.ceil(seeded.attempts / PER_PAGE)
    base = loads["health"]
    base_rps = base.ok / base.elapsed
    print(f"\n== reads: {CLIENTS} client threads, keep-alive, each endpoint for {base.elapsed:.1f} s ==")
    print(f"{'':44}{'ok':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'x base':>8}  target")
    p99 = {label: percentile(load.latencies_ms, 0.99) for label, load in loads.items()}
    rows = (
        ("GET /health/live (baseline)", "health", "-"),
        (
            f"GET /tests/<id>/results p1..{last} x{PER_PAGE} (admin)",
            "results",
            f"p99 <= {TARGET_RESULTS_P99_MS:.0f} ms  {verdict(p99['results'] <= TARGET_RESULTS_P99_MS)}",
        ),
        (
            "  the same, RESULTS_CACHE_SECONDS=0 (no cache)",
            "results_uncached",
            f"p99 <= {TARGET_RESULTS_P99_MS:.0f} ms  {verdict(p99['results_uncached'] <= TARGET_RESULTS_P99_MS)}",
        ),
        (
            f"GET /me/tests ({len(seeded.students)} students)",
            "me",
            f"p99 <= {TARGET_ME_P99_MS:.0f} ms  {verdict(p99['me'] <= TARGET_ME_P99_MS)}",
        ),
    )
    for label, key, target in rows:
        print(load_row(label, loads[key], target, base_rps if key != "health" else 0.0))
    print(f"CPU in use (cores of {os.cpu_count()}), by process, during each:")
    for label, load in loads.items():
        print(f"  {label:8} " + "   ".join(f"{name} {cores:4.2f}" for name, cores in load.cores.items()))
    for label, load in loads.items():
        others = {status: n for status, n in load.statuses.items() if status != 200}
        if others:
            print(f"UNEXPECTED {label}: {others}")
            for problem in load.errors:
                print(f"  {problem}")


def print_report(report: Report, students: int) -> None:
    print("\n== CSV report of every assigned student (1 default worker, Procfile settings) ==")
    job = report.job
    if report.state != "succeeded":
        print(f"report ended {report.state} after {report.seconds:.2f} s: {json.dumps(job)[:500]}")
        return
    print(
        f"POST -> succeeded {report.seconds:6.2f} s   target <= {TARGET_REPORT_S:.0f} s   "
        f"{verdict(report.seconds <= TARGET_REPORT_S)}"
    )
    print(
        f"report           {report.size:,} bytes, {report.rows:,} rows ({students:,} students assigned), "
        f"job result rows {job['result']['rows']:,}, downloaded in {report.download_s:.2f} s"
    )


# ---------------------------------------------------------------- main


def print_setting(args: argparse.Namespace, seeded: Seeded) -> None:
    from config import get_settings

    print(
        f"machine          {os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}, "
        "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    )
    print(
        f"settings         MongoDB stand-in {args.engine}, gunicorn 2 workers x 4 threads (gthread), "
        f"LOG_LEVEL=INFO, rate limits {get_settings().rate_limits_enabled}"
    )
    print(
        f"data             1 campus, 1 course, 1 batch of {args.students:,} students; the test assigned to the batch, "
        f"{seeded.attempts:,} finished attempts with results ({TEMPLATES} through the API, the rest cloned); "
        "6 more tests assigned (4 open now)"
    )
    print("seeding          " + "   ".join(f"{label} {seconds:.1f} s" for label, seconds in seeded.timings.items()))


def purge(redis_url: str, queue: str) -> int:
    import redis as redis_lib

    client = redis_lib.Redis.from_url(redis_url)
    count = int(client.llen(queue))
    client.delete(queue)
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--engine", choices=servers.MONGO_ENGINES, default="secantus")
    parser.add_argument("--profile", action="store_true", help="cProfile each path once, in this process")
    args = parser.parse_args()

    monitoring.register(RECORDER)
    base = Path(tempfile.mkdtemp(prefix="bench-reads-"))
    started: list = []
    gunicorn = worker = None
    try:
        mongo = servers.start_mongo(base / "m", servers.free_port(), engine=args.engine)
        started.append(mongo)
        redis = servers.start_redis(base / "r", servers.free_port(), persistent=False)
        started.append(redis)
        s3 = servers.start_s3(base / "s", servers.free_port(), persistent=False)
        started.append(s3)
        stack_environment(base, mongo, redis, s3)  # LOG_LEVEL INFO: gunicorn's request lines go to its log
        # the job tasks run_job runs here (importing them registers them)
        import tasks.assessment
        import tasks.roster_imports  # noqa: F401
        from api.app import create_app
        from store import files, migrations
        from store.mongo import close_clients, get_db

        db = get_db()
        migrations.apply_all(db)
        files.ensure_bucket()
        client = create_app().test_client()
        logging.getLogger().setLevel(logging.WARNING)  # this process's set-up requests; gunicorn keeps INFO
        seeded = seed(client, db, args.students)
        print_setting(args, seeded)

        gunicorn, port = measure_reads(base, seeded, args.seconds, {"MongoDB": mongo.proc.pid, "Redis": redis.proc.pid})

        dropped = purge(redis.url, "default")
        worker = start_default_worker(base)
        print(f"\n(default queue: {dropped} message(s) of jobs already run in set-up purged before the worker started)")
        print_report(timed_report(port, seeded.test_id, seeded.org.headers["campus_admin"]), args.students)

        diagnose(client, db, seeded, profile=args.profile)
        close_clients()
    finally:
        stop_group(worker)
        stop_group(gunicorn)
        for server in reversed(started):
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
