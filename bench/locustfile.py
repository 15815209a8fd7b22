"""The load test (Locust): students taking a test, and admins watching results, against `make run`.

`make load USERS=200 DURATION=60s` seeds once (bench/load_seed.py), then runs this headless and
prints requests per second, p50, p95, p99 and failures per endpoint. Run the stack with
RATE_LIMITS_ENABLED=false for it, or the per-client limits answer most requests with 429 (all
users come from one address here).

Students (nine in ten users) sign in, list their open tests, start or resume an attempt, read it,
answer each item (multiple choice and sentence completion as JSON, the read-aloud as a WAV),
poll each answer's job until it is scored, finish and read the attempt. Admins sign in, page the
test's results, import a 20-row roster and ask for the CSV report, polling both jobs.

This is `make load`'s default profile; `make load PROFILE=cohort` runs bench/locust_cohort.py (a
class signing in within a minute and taking the same test once).
"""

from __future__ import annotations

import itertools
import json
import os
import time
import uuid
from pathlib import Path

from locust import HttpUser, between, task

SEED = json.loads(Path(os.environ.get("LOAD_SEED", "var/load/seed.json")).read_text())
AUDIO = Path(SEED["audio"]).read_bytes()
_next_student = itertools.count()
POLL_SECONDS = 1.0
POLL_LIMIT = 30  # a job still running after this many polls is left (and shows in its timing)


class Signed(HttpUser):
    abstract = True
    host = SEED["base_url"]

    def sign_in(self, login: str) -> None:
        with self.client.post(
            "/api/v1/auth/login", json={"login": login, "password": SEED["password"]}, catch_response=True
        ) as resp:
            if resp.status_code != 200:
                resp.failure(f"login {resp.status_code}")
                return
            self.client.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def poll(self, job_id: str) -> dict | None:
        for _ in range(POLL_LIMIT):
            resp = self.client.get(f"/api/v1/jobs/{job_id}", name="/api/v1/jobs/<id>")
            if resp.status_code != 200:
                return None
            job = resp.json()
            if job["state"] not in ("queued", "running"):
                return job
            time.sleep(POLL_SECONDS)
        return None


class Student(Signed):
    weight = 9
    wait_time = between(1, 3)

    def on_start(self) -> None:
        emails = SEED["student_emails"]
        self.sign_in(emails[next(_next_student) % len(emails)])

    @task(3)
    def list_tests(self) -> None:
        self.client.get("/api/v1/me/tests")

    @task(1)
    def take_test(self) -> None:
        test_id = SEED["test_id"]
        with self.client.post(
            f"/api/v1/tests/{test_id}/attempts", name="/api/v1/tests/<id>/attempts", catch_response=True
        ) as resp:
            if resp.status_code == 409 and resp.json()["error"]["code"] == "no_attempts_left":
                resp.success()  # this student has taken the test ten times: nothing more to do
                return
            if resp.status_code not in (200, 201):
                resp.failure(f"start {resp.status_code}")
                return
            attempt = resp.json()
        self.client.get(f"/api/v1/attempts/{attempt['id']}", name="/api/v1/attempts/<id>")
        for entry in attempt["items"]:
            job = self.answer(attempt["id"], entry)
            if job:
                self.poll(job)
        self.client.post(f"/api/v1/attempts/{attempt['id']}/finish", name="/api/v1/attempts/<id>/finish")
        self.client.get(f"/api/v1/attempts/{attempt['id']}", name="/api/v1/attempts/<id>")

    def answer(self, attempt_id: str, entry: dict) -> str | None:
        path = f"/api/v1/attempts/{attempt_id}/answers/{entry['id']}"
        if entry["type"] == "mcq":
            resp = self.client.put(path, json={"choice": 1}, name="PUT answer (multiple choice)")
        elif entry["type"] == "read_aloud":
            files = {"audio": ("answer.wav", AUDIO, "audio/wav")}
            resp = self.client.put(path, files=files, name="PUT answer (spoken)")
        else:
            resp = self.client.put(path, json={"text": "postponed"}, name="PUT answer (written)")
        return resp.json()["id"] if resp.status_code == 202 else None


class Admin(Signed):
    weight = 1
    wait_time = between(2, 5)

    def on_start(self) -> None:
        self.sign_in(SEED["admin_email"])

    @task(4)
    def results(self) -> None:
        page = 1 + next(_next_student) % 3
        self.client.get(f"/api/v1/tests/{SEED['test_id']}/results?page={page}", name="/api/v1/tests/<id>/results")

    @task(1)
    def report(self) -> None:
        resp = self.client.post(
            f"/api/v1/tests/{SEED['test_id']}/reports", json={"format": "csv"}, name="/api/v1/tests/<id>/reports"
        )
        if resp.status_code == 202:
            self.poll(resp.json()["id"])

    @task(1)
    def roster_import(self) -> None:
        tag = uuid.uuid4().hex[:8]
        rows = ["Student Name,Roll Number,Email"] + [
            f"Imported {n},IM{tag.upper()}{n:02d},im.{tag}.{n}@example.edu" for n in range(20)
        ]
        resp = self.client.post(
            f"/api/v1/batches/{SEED['batch_id']}/roster-imports",
            files={"file": ("roster.csv", "\r\n".join(rows).encode(), "text/csv")},
            data={"send_invitations": "false"},
            name="/api/v1/batches/<id>/roster-imports",
        )
        if resp.status_code == 202:
            self.poll(resp.json()["id"])
