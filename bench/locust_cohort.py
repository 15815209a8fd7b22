"""The cohort load test (Locust): a class takes the same test at once, against `make run`.

`make load PROFILE=cohort USERS=200` seeds a fresh cohort (bench/load_seed.py --profile cohort),
then runs this headless with USERS students spawned evenly over SIGN_IN_SECONDS (60), one admin
and one baseline user. Each student once: signs in, lists their tests (`GET /me/tests`, the test
must be there), starts the test, and answers its items one by one after a few seconds' thought:
a clocked item (the read-aloud has a time limit) is opened first (`GET /attempts/<id>/items/<id>`),
spoken answers go up as multipart `audio` (a WAV made once by espeak-ng), written and multiple
choice as JSON. Like the web console (web/js/jobs.js) it follows each answer's scoring job while
going on to the next item (If-None-Match, Retry-After, backoff up to 10 s), finishes the attempt
and leaves once its answers are scored. The admin pages the test's results all along; the baseline
user asks `GET /health/live` twice a second, and before the cohort starts the same endpoint is
timed on the idle stack. The run ends when every student has left (or at the `-t` limit).

Run the stack with RATE_LIMITS_ENABLED=false: all users come from one address here.

At the end it prints per-endpoint p50/p95/p99 and failures against the targets (no failures;
p95 at most 1 s, sign-in at most 2 s), answer-to-score times from the jobs' own timestamps, the
CPU each part of the stack used (from /proc, the `make run` processes) and the load average, and
writes it all to bench/results/cohort.json (LOAD_RESULTS), from which `python -m bench.load_table`
writes the cohort table of docs/capacity.md.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import platform
import random
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import gevent
import requests
from locust import HttpUser, constant, constant_pacing, events, task
from locust.exception import StopUser

from devstack.run import load_env

if TYPE_CHECKING:
    from collections.abc import Callable

REPO = Path(__file__).resolve().parent.parent
SEED = json.loads(Path(os.environ.get("LOAD_SEED", REPO / "var" / "load" / "cohort.json")).read_text())
RESULTS = Path(os.environ.get("LOAD_RESULTS", REPO / "bench" / "results" / "cohort.json"))
AUDIO = Path(SEED["audio"]).read_bytes()
THINK_SECONDS = (2.0, 6.0)  # reading an item and answering it
FOLLOW_LIMIT_SECONDS = 600.0  # a scoring job not ended after this is reported as unfinished
LOGIN_RETRIES = 3  # a 503 `busy` sign-in is retried after its Retry-After, as the console does
TARGET_MS = {"default": 1000, "POST /auth/login": 2000}
IDLE_BASELINE_REQUESTS = 200

_next_student = itertools.count()
RUN: dict = {
    "students_done": 0,
    "students_completed": 0,
    "login_busy": 0,
    "scoring": {},  # answer kind -> [(queued seconds, created-to-finished seconds)]
    "unfinished_jobs": 0,
    "failed_jobs": 0,
    "loadavg": [],
    "resent": 0,  # GETs sent again after the server closed their keep-alive connection (see `get`)
    "timeline": [],  # (seconds since start, endpoint, ms, failed)
    "accepted": [],  # (attempt id, item id, job id) of every answer answered 202
}


class CohortStudent(HttpUser):
    """One student of the cohort: the test once, then leaves."""

    host = SEED["base_url"]
    wait_time = constant(0)  # the journey paces itself

    def on_start(self) -> None:
        # Locust replaces a user that stops while it is still spawning (a student whose journey
        # failed early): the replacement finds no student left and leaves at once.
        number = next(_next_student)
        self.email = SEED["student_emails"][number] if number < len(SEED["student_emails"]) else None
        self.followers: list[gevent.Greenlet] = []

    def on_stop(self) -> None:
        gevent.killall(self.followers)

    def think(self) -> None:
        time.sleep(random.uniform(*THINK_SECONDS))  # pacing, not a secret

    def _journey(self) -> bool:
        """The student's test; False when a step failed (already recorded as a failure)."""
        if not sign_in(self, self.email):
            return False
        self.think()
        listed = get(
            self,
            "/api/v1/me/tests?per_page=50",
            "GET /me/tests",
            check=lambda body: None if any(t["id"] == SEED["test_id"] for t in body["items"]) else "test not listed",
        )
        if listed is None:
            return False
        with self.client.post(
            f"/api/v1/tests/{SEED['test_id']}/attempts", name="POST /tests/<id>/attempts", catch_response=True
        ) as resp:
            if resp.status_code not in (200, 201):
                resp.failure(f"start {resp.status_code}")
                return False
            attempt = resp.json()
        for item in attempt["items"]:
            self.think()
            if not self.answer(attempt["id"], item):
                return False
        with self.client.post(
            f"/api/v1/attempts/{attempt['id']}/finish", name="POST /attempts/<id>/finish", catch_response=True
        ) as resp:
            if resp.status_code != 202:
                resp.failure(f"finish {resp.status_code}")
                return False
        gevent.joinall(self.followers)  # the page shows each answer until it is scored
        return True

    def answer(self, attempt_id: str, item: dict) -> bool:
        if item["clocked"] and not item.get("opened_at"):
            path = f"/api/v1/attempts/{attempt_id}/items/{item['id']}"
            if get(self, path, "GET /attempts/<id>/items/<item_id> (open clocked)") is None:
                return False
        path = f"/api/v1/attempts/{attempt_id}/answers/{item['id']}"
        if item["type"] == "read_aloud":
            kind, send = "spoken", {"files": {"audio": ("answer.wav", AUDIO, "audio/wav")}}
        elif item["type"] == "mcq":
            kind, send = "multiple choice", {"json": {"choice": 1}}
        else:
            kind, send = "written", {"json": {"text": "postponed"}}
        with self.client.put(path, name=f"PUT answer ({kind})", catch_response=True, **send) as resp:
            if resp.status_code != 202:
                resp.failure(f"answer {resp.status_code}")
                return False
            job = resp.json()
        RUN["accepted"].append((attempt_id, item["id"], job["id"]))
        self.followers.append(gevent.spawn(self.follow, job, kind))
        return True

    def follow(self, job: dict, kind: str) -> None:
        """Poll the job as web/js/jobs.js does; record its queue wait and answer-to-score time."""
        pause, etag, started = 1.0, None, time.monotonic()
        time.sleep(0.5)
        while job["state"] in ("queued", "running"):
            if time.monotonic() - started > FOLLOW_LIMIT_SECONDS:
                RUN["unfinished_jobs"] += 1
                return
            headers = {"If-None-Match": etag} if etag else {}
            resp = get(
                self, f"/api/v1/jobs/{job['id']}", "GET /jobs/<id> (follow answer)", ok=(200, 304), headers=headers
            )
            if resp is None:
                return
            if resp.status_code == 200:
                etag, job = resp.headers.get("ETag"), resp.json()
                if job["state"] not in ("queued", "running"):
                    break
                pause = max(pause, float(resp.headers.get("Retry-After") or 0) * 0.5)
            pause = min(10.0, pause * 1.5)
            time.sleep(pause)
        if job["state"] != "succeeded":
            RUN["failed_jobs"] += 1
            return
        created, ran, finished = (_instant(job[name]) for name in ("created_at", "started_at", "finished_at"))
        RUN["scoring"].setdefault(kind, []).append((ran - created, finished - created))

    @task
    def take_the_test(self) -> None:
        if self.email is None:
            raise StopUser
        completed = False
        try:
            completed = self._journey()
        except Exception as error:  # noqa: BLE001 - counted as a failure; the student leaves either way
            events.request.fire(
                request_type="JOURNEY",
                name="student journey (unexpected answer)",
                response_time=0,
                response_length=0,
                exception=error,
                context={},
            )
        RUN["students_done"] += 1
        RUN["students_completed"] += completed
        if RUN["students_done"] >= SEED["students"] and not RUN.get("quitting"):
            RUN["quitting"] = True
            gevent.spawn_later(1, self.environment.runner.quit)  # everyone has left: the run is over
        raise StopUser


class _Resend(Exception):  # noqa: N818 - not an error: the request is sent again
    """Raised inside Locust's response context so that the try is not reported."""


def get(
    user: HttpUser,
    path: str,
    name: str,
    *,
    ok: tuple[int, ...] = (200,),
    headers: dict | None = None,
    check: Callable[[dict], str | None] | None = None,
) -> requests.Response | None:
    """GET as a browser sends it: when the server closed the keep-alive connection just as it was
    reused (gunicorn closes connections idle for `keepalive` = 5 s; a poll pausing about that long
    races it), the request failed before any answer and is sent once more on a new connection, as
    browsers do; that try is counted in RUN["resent"], not reported. The response, or None when it
    failed (reported as a failure, with `check`'s message for a 200 whose body is not right).
    """
    for attempt in range(2):
        try:
            with user.client.get(path, name=name, headers=headers or {}, catch_response=True) as resp:
                if resp.status_code == 0 and attempt == 0 and _closed_by_server(resp.error):
                    RUN["resent"] += 1
                    raise _Resend  # noqa: TRY301 - out of the response context, unreported
                problem = None if resp.status_code in ok else f"{resp.status_code} {resp.error or ''}".strip()
                if problem is None and check is not None and resp.status_code == 200:
                    problem = check(resp.json())
                if problem:
                    resp.failure(problem)
                    return None
                return resp
        except _Resend:
            continue
    return None


def _closed_by_server(error: Exception | None) -> bool:
    text = repr(error)
    return isinstance(error, requests.ConnectionError) and ("RemoteDisconnected" in text or "reset by peer" in text)


def sign_in(user: HttpUser, login: str) -> bool:
    for _ in range(LOGIN_RETRIES + 1):
        with user.client.post(
            "/api/v1/auth/login",
            json={"login": login, "password": SEED["password"]},
            name="POST /auth/login",
            catch_response=True,
        ) as resp:
            if resp.status_code == 200:
                user.client.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"
                return True
            resp.failure(f"login {resp.status_code}")
            if resp.status_code != 503:
                return False
            RUN["login_busy"] += 1
            wait = float(resp.headers.get("Retry-After") or 1)
        time.sleep(wait)
    return False


class CohortAdmin(HttpUser):
    """The campus admin paging the test's results while the cohort takes it."""

    fixed_count = 1
    host = SEED["base_url"]
    wait_time = constant(0)

    def on_start(self) -> None:
        if not sign_in(self, SEED["admin_email"]):
            raise StopUser
        self.page, self.pages = 1, 1

    def think(self) -> None:
        time.sleep(random.uniform(1, 3))  # pacing, not a secret

    @task
    def results(self) -> None:
        path = f"/api/v1/tests/{SEED['test_id']}/results?page={self.page}&per_page=50"
        resp = get(self, path, "GET /tests/<id>/results (admin)")
        if resp is not None:
            self.pages = max(1, math.ceil(resp.json()["total"] / 50))
        self.page = self.page % self.pages + 1
        self.think()


class Baseline(HttpUser):
    """`GET /health/live` twice a second all through the run: what the stack adds to any request."""

    fixed_count = 1
    host = SEED["base_url"]
    wait_time = constant_pacing(0.5)

    @task
    def live(self) -> None:
        get(self, "/health/live", "GET /health/live (baseline)")


def _instant(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


# --- the stack's processes and their CPU ---------------------------------------------------------

GROUPS = (  # (name, what its command line holds), first match wins
    ("API (gunicorn)", "gunicorn"),
    ("scoring worker", "-Q scoring"),
    ("default worker", "-Q default"),
    ("notifications worker", "-Q notifications"),
    ("imports worker", "-Q imports"),
    ("beat", "beat"),
    ("flower", "flower"),
    ("MongoDB stand-in", "secantusd"),
    ("MongoDB stand-in", "nx-27017"),
    ("Redis", "redis-server"),
    ("S3 (s3rver)", "s3rver"),
)


def _processes() -> dict[int, tuple[int, str, float]]:
    """pid -> (parent pid, command line, CPU seconds so far) of every readable process; a
    process's own CPU and that of its children that ended and were reaped (a Celery pool process
    replaced after `worker_max_tasks_per_child`).
    """
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for path in Path("/proc").iterdir():
        entry = path.name
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        found[int(entry)] = (int(fields[1]), command, sum(int(field) for field in fields[11:15]) / tick)
    return found


def stack_cpu() -> dict[int, tuple[str, float]]:
    """pid -> (part of the stack, CPU seconds so far) of the `make run` processes of this
    repository (devstack.run and every process under it), and of this Locust process.
    """
    procs = _processes()
    roots = [pid for pid, (_, command, _) in procs.items() if "devstack.run" in command and _cwd(pid) == REPO]
    children: dict[int, list[int]] = {}
    for pid, (parent, _, _) in procs.items():
        children.setdefault(parent, []).append(pid)
    found: dict[int, tuple[str, float]] = {}
    todo = list(roots)
    while todo:
        pid = todo.pop()
        todo += children.get(pid, [])
        command, cpu = procs[pid][1], procs[pid][2]
        found[pid] = (next((name for name, marker in GROUPS if marker in command), "other (devstack, shells)"), cpu)
    found[os.getpid()] = ("Locust (this load generator)", procs.get(os.getpid(), (0, "", 0.0))[2])
    return found


def cpu_used(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU seconds between two `stack_cpu` readings by part of the stack, most first. A process that
    ended in between counts through its parent's reaped-children time, which holds all of its CPU,
    so what it had used before is taken off.
    """
    used: dict[str, float] = {}
    for pid, (group, cpu) in after.items():
        used[group] = used.get(group, 0.0) + cpu - before.get(pid, (group, 0.0))[1]
    for pid, (group, cpu) in before.items():
        if pid not in after:
            used[group] = used.get(group, 0.0) - cpu
    return {name: round(seconds, 1) for name, seconds in sorted(used.items(), key=lambda item: -item[1])}


def _cwd(pid: int) -> Path | None:
    try:
        return Path(f"/proc/{pid}/cwd").readlink()
    except OSError:
        return None


# --- the run: idle baseline first, figures at the end -------------------------------------------


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]

    return {"p50": at(0.5), "p95": at(0.95), "p99": at(0.99), "max": ordered[-1]}


SAMPLE_SECONDS = 5
BIN_SECONDS = 15


def _sample() -> None:
    """Every few seconds: the load average, and the stack's CPU so far (to split the run in phases)."""
    while True:
        RUN["loadavg"].append(os.getloadavg()[0])
        RUN["cpu_samples"].append((time.monotonic() - RUN["started_monotonic"], stack_cpu()))
        gevent.sleep(SAMPLE_SECONDS)


@events.request.add_listener
def _record(name: str, response_time: float, exception: Exception | None, **_kwargs: object) -> None:
    if "started_monotonic" in RUN:
        RUN["timeline"].append(
            (time.monotonic() - RUN["started_monotonic"], name, response_time, exception is not None)
        )


def timeline() -> list[dict]:
    """Requests per BIN_SECONDS: how many, failures, p95 of the cohort's requests and of the baseline."""
    bins: dict[int, list[tuple[str, float, bool]]] = {}
    for at, name, ms, failed in RUN["timeline"]:
        bins.setdefault(int(at // BIN_SECONDS), []).append((name, ms, failed))
    rows = []
    for index in sorted(bins):
        cohort = [ms for name, ms, _ in bins[index] if "baseline" not in name]
        baseline = [ms for name, ms, _ in bins[index] if "baseline" in name]
        loads = RUN["loadavg"][index * BIN_SECONDS // SAMPLE_SECONDS : (index + 1) * BIN_SECONDS // SAMPLE_SECONDS]
        rows.append(
            {
                "from_s": index * BIN_SECONDS,
                "requests": len(bins[index]),
                "failures": sum(failed for _, _, failed in bins[index]),
                "p95_ms": round(_percentiles(cohort)["p95"]) if cohort else None,
                "baseline_p95_ms": round(_percentiles(baseline)["p95"]) if baseline else None,
                "loadavg": round(statistics.fmean(loads), 2) if loads else None,
            }
        )
    return rows


def phases(cpu_after: dict[int, tuple[str, float]], wall: float) -> list[dict]:
    """The run in two phases, answering (until the last attempt was finished) and the scoring tail
    (students waiting for their answers' scores), each with its length and the stack's CPU.
    """
    finishes = [at for at, name, _, _ in RUN["timeline"] if name == "POST /attempts/<id>/finish"]
    if not finishes or not RUN["cpu_samples"]:
        return [
            {"phase": "whole run", "seconds": round(wall, 1), "cpu_seconds": cpu_used(RUN["cpu_before"], cpu_after)}
        ]
    at, middle = next(((t, cpu) for t, cpu in RUN["cpu_samples"] if t >= max(finishes)), RUN["cpu_samples"][-1])
    return [
        {"phase": "answering", "seconds": round(at, 1), "cpu_seconds": cpu_used(RUN["cpu_before"], middle)},
        {"phase": "scoring tail", "seconds": round(wall - at, 1), "cpu_seconds": cpu_used(middle, cpu_after)},
    ]


@events.test_start.add_listener
def _before(**_kwargs: object) -> None:
    RUN["loadavg_before"] = os.getloadavg()
    session, times = requests.Session(), []
    for _ in range(IDLE_BASELINE_REQUESTS):
        began = time.perf_counter()
        session.get(f"{SEED['base_url']}/health/live", timeout=10).raise_for_status()
        times.append((time.perf_counter() - began) * 1000)
    RUN["idle_baseline_ms"] = {"requests": len(times), **_percentiles(times)}
    RUN["started"] = time.time()
    RUN["started_monotonic"] = time.monotonic()
    RUN["cpu_before"] = stack_cpu()
    RUN["cpu_samples"] = []
    RUN["sampler"] = gevent.spawn(_sample)


@events.test_stop.add_listener
def _after(environment, **_kwargs: object) -> None:
    if "started" not in RUN or RUN.get("written"):
        return
    RUN["written"] = True
    RUN["sampler"].kill()
    wall = time.monotonic() - RUN["started_monotonic"]
    cpu_after = stack_cpu()
    cpu = cpu_used(RUN["cpu_before"], cpu_after)
    endpoints = []
    for entry in environment.stats.entries.values():
        if not entry.num_requests:
            continue
        target = TARGET_MS.get(entry.name, TARGET_MS["default"])
        p95 = entry.get_response_time_percentile(0.95)
        endpoints.append(
            {
                "endpoint": entry.name,
                "requests": entry.num_requests,
                "failures": entry.num_failures,
                "p50_ms": entry.get_response_time_percentile(0.5),
                "p95_ms": p95,
                "p99_ms": entry.get_response_time_percentile(0.99),
                "max_ms": round(entry.max_response_time),
                "target_p95_ms": None if "baseline" in entry.name else target,
                "met": None if "baseline" in entry.name else p95 <= target and entry.num_failures == 0,
            }
        )
    endpoints.sort(key=lambda row: _ORDER.index(row["endpoint"]) if row["endpoint"] in _ORDER else len(_ORDER))
    total = environment.stats.total
    loads = RUN["loadavg"] or [os.getloadavg()[0]]
    figures = {
        "profile": "cohort",
        "when": datetime.fromtimestamp(RUN["started"], UTC).isoformat(timespec="seconds"),
        "machine": {"cores": os.cpu_count(), "platform": platform.platform()},
        "students": SEED["students"],
        "students_completed": RUN["students_completed"],
        "sign_in_seconds": float(os.environ.get("SIGN_IN_SECONDS", "60")),
        "wall_seconds": round(wall, 1),
        "requests": total.num_requests,
        "failures": total.num_failures,
        "login_busy_503": RUN["login_busy"],
        "loadavg": {
            "before": round(RUN["loadavg_before"][0], 2),
            "during_mean": round(statistics.fmean(loads), 2),
            "during_max": round(max(loads), 2),
            "after": round(os.getloadavg()[0], 2),
        },
        "idle_baseline_ms": {k: round(v, 1) for k, v in RUN["idle_baseline_ms"].items()},
        "endpoints": endpoints,
        "answer_to_score_s": {
            kind: {
                "answers": len(rows),
                "queued": {k: round(v, 2) for k, v in _percentiles([r[0] for r in rows]).items()},
                "end_to_end": {k: round(v, 2) for k, v in _percentiles([r[1] for r in rows]).items()},
            }
            for kind, rows in sorted(RUN["scoring"].items())
        },
        "jobs_failed": RUN["failed_jobs"],
        "jobs_unfinished": RUN["unfinished_jobs"],
        "cpu_seconds": cpu,
        "phases": phases(cpu_after, wall),
        "timeline": timeline(),
        "resent_after_keepalive_close": RUN["resent"],
        "checks": data_checks(),
        "targets_met": total.num_failures == 0 and all(row["met"] is not False for row in endpoints),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=1) + "\n")
    print(report(figures))


def data_checks() -> dict[str, bool]:
    """From MongoDB, after the run: every answer the API accepted is the one its attempt keeps, with
    its own job, and no answer has a second scoring job."""
    os.environ.update({key: value for key, value in load_env().items() if key not in os.environ})
    from store.mongo import get_db

    db = get_db()
    accepted = RUN["accepted"]
    attempts = {str(doc["_id"]): doc for doc in db.attempts.find({"test_id": SEED["test_id"]}, {"answers": 1})}
    kept = sum(
        ((attempts.get(attempt) or {}).get("answers") or {}).get(item, {}).get("job_id") == job
        for attempt, item, job in accepted
    )
    jobs_per_answer: dict[tuple[str, str], int] = {}
    for job in db.jobs.find({"kind": "answer_scoring", "params.attempt_id": {"$in": list(attempts)}}, {"params": 1}):
        key = (job["params"]["attempt_id"], job["params"]["item_id"])
        jobs_per_answer[key] = jobs_per_answer.get(key, 0) + 1
    doubled = sum(count > 1 for count in jobs_per_answer.values())
    return {
        f"no lost answer: {kept} of {len(accepted)} accepted answers kept by their attempts": kept == len(accepted),
        f"no duplicate job: {doubled} answers with more than one scoring job": doubled == 0,
        f"one job per accepted answer: {len(jobs_per_answer)} answers with a job": len(jobs_per_answer)
        == len(accepted),
    }


_ORDER = [
    "POST /auth/login",
    "GET /me/tests",
    "POST /tests/<id>/attempts",
    "GET /attempts/<id>/items/<item_id> (open clocked)",
    "PUT answer (spoken)",
    "PUT answer (written)",
    "PUT answer (multiple choice)",
    "GET /jobs/<id> (follow answer)",
    "POST /attempts/<id>/finish",
    "GET /tests/<id>/results (admin)",
    "GET /health/live (baseline)",
]


def report(figures: dict) -> str:
    load = figures["loadavg"]
    lines = [
        "",
        (
            f"Cohort: {figures['students_completed']}/{figures['students']} students finished in "
            f"{figures['wall_seconds']} s; {figures['requests']} requests, {figures['failures']} failures "
            f"({figures['login_busy_503']} sign-ins answered 503 busy); load average before {load['before']}, "
            f"during {load['during_mean']} (max {load['during_max']}), after {load['after']}"
        ),
        f"{'endpoint':<52} {'reqs':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6}  target",
    ]
    for row in figures["endpoints"]:
        verdict = "" if row["met"] is None else f"p95<={row['target_p95_ms']} {'met' if row['met'] else 'MISSED'}"
        lines.append(
            f"{row['endpoint']:<52} {row['requests']:>6} {row['failures']:>5} {row['p50_ms']:>6.0f} "
            f"{row['p95_ms']:>6.0f} {row['p99_ms']:>6.0f}  {verdict}"
        )
    idle = figures["idle_baseline_ms"]
    lines.append(
        f"GET /health/live on the idle stack, before: p50 {idle['p50']} p95 {idle['p95']} p99 {idle['p99']} ms"
    )
    for kind, row in figures["answer_to_score_s"].items():
        lines.append(
            f"answer to score, {kind}: {row['answers']} answers, queued p50 {row['queued']['p50']} "
            f"p95 {row['queued']['p95']} s, end to end p50 {row['end_to_end']['p50']} p95 {row['end_to_end']['p95']} s"
        )
    lines.append(
        f"jobs failed {figures['jobs_failed']}, not ended in time {figures['jobs_unfinished']}; GETs sent again "
        f"after the server closed their keep-alive connection: {figures['resent_after_keepalive_close']}"
    )
    for phase in figures["phases"]:
        wall = max(phase["seconds"], 0.1)
        lines.append(
            f"CPU, {phase['phase']} ({phase['seconds']} s; seconds, and cores busy on average): "
            + ", ".join(f"{name} {sec} ({sec / wall:.2f})" for name, sec in phase["cpu_seconds"].items() if sec >= 0.1)
        )
    lines.append("timeline: from_s requests failures p95_ms baseline_p95_ms loadavg")
    lines += [
        f"  {row['from_s']:>5} {row['requests']:>6} {row['failures']:>4} {row['p95_ms']} {row['baseline_p95_ms']} "
        f"{row['loadavg']}"
        for row in figures["timeline"]
    ]
    lines += [f"check {'OK    ' if ok else 'FAILED'} {name}" for name, ok in figures["checks"].items()]
    lines.append(f"targets {'MET' if figures['targets_met'] else 'MISSED'}; figures in {RESULTS}")
    return "\n".join(lines)
