"""The data `make load` needs, made once against the running stack (`make run`): prints its file.

Through the API as the development superadmin (DEV_ADMIN_EMAIL / DEV_ADMIN_PASSWORD): a campus,
a course, a batch, four items (two multiple choice, a sentence completion, a
read-aloud) and a test of them, open for a day and assigned to the batch. Students and a campus
admin are written through the store with one known password (the API invites accounts; it never
sets their passwords).
A spoken answer (espeak-ng, 16 kHz WAV) is made for the read-aloud item. Everything goes to
var/load/seed.json; a second run reuses it.

`--profile cohort` (`make load PROFILE=cohort`, bench/locust_cohort.py) seeds afresh on every run,
so each run's students have not started yet: its own campus, course and batch, one test of three
items (a read-aloud with a 60 s time limit, so it is clocked and must be opened first, a sentence
completion and a multiple choice), one attempt allowed, assigned to the batch; `--students`
students with the password and a campus admin. It goes to var/load/cohort.json.
Usage: .venv/bin/python -m bench.load_seed [--profile default|cohort] [--students 800]
       [--base-url http://127.0.0.1:8000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from devstack.run import load_env  # noqa: E402

SEED = REPO / "var" / "load" / "seed.json"
COHORT_SEED = REPO / "var" / "load" / "cohort.json"
PASSWORD = "Load-Test-Password-2026"
SPOKEN_TEXT = "The library closes at nine on Friday evening."


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--students", type=int, default=800)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--profile", choices=["default", "cohort"], default="default")
    args = parser.parse_args()
    os.environ.update(load_env())
    if args.profile == "cohort":
        seed_cohort(args.base_url, args.students)
        return
    if SEED.exists() and json.loads(SEED.read_text())["students"] >= args.students:
        print(SEED)
        return
    api = Api(args.base_url)
    api.login(os.environ["DEV_ADMIN_EMAIL"], os.environ["DEV_ADMIN_PASSWORD"])
    tag = uuid.uuid4().hex[:6]
    campus = api.post("/api/v1/campuses", {"name": f"Load College {tag}"})["id"]
    course = api.post("/api/v1/courses", {"name": "BTech", "campus_id": campus})["id"]
    batch = api.post("/api/v1/batches", {"name": f"Load {tag}", "campus_id": campus, "course_ids": [course]})["id"]
    admin_email = f"load.admin.{tag}@example.edu"
    items = [api.post("/api/v1/items", {**body, "campus_id": campus})["id"] for body in ITEMS]
    test = make_test(api, campus, batch, items)
    emails = write_accounts(campus, course, batch, tag, args.students, admin_email)
    SEED.parent.mkdir(parents=True, exist_ok=True)
    audio = SEED.parent / "read-aloud.wav"
    speak(SPOKEN_TEXT, audio)
    write_seed(SEED, args.base_url, emails, admin_email, test=test, batch=batch, audio=audio)
    print(SEED)


ITEMS = [
    {
        "type": "mcq",
        "level": "intermediate",
        "module": "vocabulary",
        "content": {"question": "Which word means large?", "options": ["tiny", "huge", "thin"], "answer": 1},
    },
    {
        "type": "mcq",
        "level": "intermediate",
        "module": "grammar",
        "content": {"question": "She ___ to school.", "options": ["go", "goes", "going"], "answer": 1},
    },
    {
        "type": "sentence_completion",
        "level": "intermediate",
        "content": {"sentence": "The meeting was ___ until Monday.", "acceptable_answers": ["postponed"]},
    },
    {"type": "read_aloud", "level": "beginner", "content": {"text": SPOKEN_TEXT}},
]


# The cohort's test: one item of each kind of answer. The read-aloud has a time limit, so it is
# clocked: a client must open it (GET /attempts/<id>/items/<item_id>) before answering.
COHORT_ITEMS = [
    {"type": "read_aloud", "level": "beginner", "time_limit_seconds": 60, "content": {"text": SPOKEN_TEXT}},
    ITEMS[2],
    ITEMS[0],
]


def seed_cohort(base_url: str, count: int) -> None:
    """A fresh cohort (see the module's docstring) in var/load/cohort.json; prints its path."""
    api = Api(base_url)
    api.login(os.environ["DEV_ADMIN_EMAIL"], os.environ["DEV_ADMIN_PASSWORD"])
    tag = uuid.uuid4().hex[:6]
    campus = api.post("/api/v1/campuses", {"name": f"Cohort College {tag}"})["id"]
    course = api.post("/api/v1/courses", {"name": "BTech", "campus_id": campus})["id"]
    batch = api.post("/api/v1/batches", {"name": f"Cohort {tag}", "campus_id": campus, "course_ids": [course]})["id"]
    items = [api.post("/api/v1/items", {**body, "campus_id": campus})["id"] for body in COHORT_ITEMS]
    test = make_test(api, campus, batch, items, title=f"Cohort test {tag}", attempts_allowed=1)
    admin_email = f"cohort.admin.{tag}@example.edu"
    emails = write_accounts(campus, course, batch, tag, count, admin_email)
    COHORT_SEED.parent.mkdir(parents=True, exist_ok=True)
    audio = COHORT_SEED.parent / "read-aloud.wav"
    if not audio.exists():
        speak(SPOKEN_TEXT, audio)
    write_seed(COHORT_SEED, base_url, emails, admin_email, test=test, batch=batch, audio=audio, profile="cohort")
    print(COHORT_SEED)


def write_seed(
    path: Path, base_url: str, emails: list[str], admin_email: str, *, test: str, batch: str, audio: Path, **extra: str
) -> None:
    """What a load run reads: the accounts (one password), the test, its batch and the spoken answer."""
    seed = {
        **extra,
        "base_url": base_url,
        "students": len(emails),
        "student_emails": emails,
        "admin_email": admin_email,
        "password": PASSWORD,
        "test_id": test,
        "batch_id": batch,
        "audio": str(audio),
    }
    path.write_text(json.dumps(seed, indent=1))


class Api:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()

    def login(self, login: str, password: str) -> None:
        resp = self.session.post(f"{self.base_url}/api/v1/auth/login", json={"login": login, "password": password})
        resp.raise_for_status()
        self.session.headers["Authorization"] = f"Bearer {resp.json()['access_token']}"

    def post(self, path: str, body: dict) -> dict:
        resp = self.session.post(f"{self.base_url}{path}", json=body, timeout=30)
        if resp.status_code >= 300:
            raise SystemExit(f"seed: POST {path} -> {resp.status_code} {resp.text[:300]}")
        return resp.json()


def make_test(
    api: Api, campus: str, batch: str, items: list[str], *, title: str = "Load test", attempts_allowed: int = 10
) -> str:
    now = datetime.now(UTC)
    body = {
        "title": title,
        "campus_id": campus,
        "sections": [{"item_ids": items}],
        "duration_minutes": 60,
        "window_start": (now - timedelta(hours=1)).isoformat(),
        "window_end": (now + timedelta(days=1)).isoformat(),
        "release": "immediate",
        "attempts_allowed": attempts_allowed,
    }
    test = api.post("/api/v1/tests", body)["id"]
    api.post(f"/api/v1/tests/{test}/assignments", {"batch_ids": [batch]})
    return test


def write_accounts(campus: str, course: str, batch: str, tag: str, count: int, admin_email: str) -> list[str]:
    """The students and the campus admin, with the load test's password; the students' emails."""
    from security.passwords import hash_password
    from store import users
    from store.mongo import get_db

    password_hash = hash_password(PASSWORD)  # once: argon2 is slow on purpose
    emails = [f"load.{tag}.{n}@example.edu" for n in range(count)]
    students = [
        {
            "name": f"Load Student {n}",
            "email": email,
            "roll_number": f"LD{tag.upper()}{n:05d}",
            "role": "student",
            "campus_id": campus,
            "course_id": course,
            "batch_id": batch,
            "password_hash": password_hash,
        }
        for n, email in enumerate(emails)
    ]
    admin = {"name": "Load admin", "email": admin_email, "role": "campus_admin", "campus_id": campus}
    for account in [*students, admin]:
        users.create(get_db(), {**account, "password_hash": password_hash})
    return emails


def speak(text: str, out: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True, timeout=60)
        subprocess.run(["sox", str(raw), "-r", "16000", "-c", "1", str(out)], check=True, timeout=60)


if __name__ == "__main__":
    main()
