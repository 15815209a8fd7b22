"""Real servers for the tests that need them: a MongoDB wire-protocol server, Redis and an S3 server.

pytest_configure only reserves free ports and sets the settings' environment (before any test
module reads it); the servers start on first use of the `stack` fixture, which every fixture
that touches MongoDB, Redis or S3 depends on. So `pytest tests/writing` starts none of them.
They run with throw-away data and stop at the end. TEST_MONGO_ENGINE picks the MongoDB
stand-in (secantus, the default, or nx) so the data-layer tests run against both.

Tests that use `stack` (directly or through another fixture) are marked `functional`, the
others `unit`: `pytest -m unit` runs the server-free part of the suite.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from devstack import servers
from devstack.workers import CeleryWorker
from domain.jobkinds import QUEUES
from tests import querylog  # noqa: F401 - registers the query listener before any MongoDB client exists

REPO_ROOT = Path(__file__).resolve().parent.parent
_STACK: dict = {}

TEST_PASSWORD = "Correct-Horse-Battery-9"


def raw_token(message: dict) -> str:
    """The single-use token a queued invitation or reset message carries (sealed at rest)."""
    from services.notify import opened_params

    token: str = opened_params(message["params"])["token"]
    return token


S3_KEYS = ("test-access-key", "test-secret-key")  # what the moto server accepts


def pytest_configure(config: pytest.Config) -> None:
    if _STACK:
        return
    ports = {name: servers.free_port() for name in ("mongo", "redis", "s3")}
    _STACK.update(
        base=Path(tempfile.mkdtemp(prefix="aiversant-tests-")),
        ports=ports,
        engine=os.environ.get("TEST_MONGO_ENGINE", "secantus"),
    )
    os.environ.update(
        {
            "APP_ENV": "test",
            "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
            "LOG_LEVEL": "WARNING",
            "MONGO_URI": f"mongodb://127.0.0.1:{ports['mongo']}/",
            "MONGO_DB": f"aiversant_test_{uuid.uuid4().hex[:8]}",
            "REDIS_URL": f"redis://127.0.0.1:{ports['redis']}/0",
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{ports['s3']}",
            "S3_BUCKET": "aiversant-test",
            "BACKUP_BUCKET": "aiversant-test-backups",
            "AWS_ACCESS_KEY_ID": S3_KEYS[0],
            "AWS_SECRET_ACCESS_KEY": S3_KEYS[1],
            "UPLOAD_MAX_BYTES": str(1024 * 1024),
            # Short timings so recovery paths finish within a test.
            "JOB_LEASE_SECONDS": "4",
            "JOB_QUEUED_REPUBLISH_SECONDS": "3",
            "JOB_SWEEP_INTERVAL_SECONDS": "1",
            "BROKER_VISIBILITY_TIMEOUT": "6",
            "JOB_MAX_DELIVERIES": "3",
            "RATE_LIMITS_ENABLED": "true",
            # Small enough that the "too large" and "too long" answer paths are cheap to reach.
            "SCORING_MAX_AUDIO_BYTES": str(2 * 1024 * 1024),
            "SCORING_MAX_AUDIO_SECONDS": "60",
            "ANSWER_GRACE_SECONDS": "1",
            "ATTEMPT_SWEEP_INTERVAL_SECONDS": "1",
            # Development backend for messages: files here, never in ./var of the checkout.
            "OUTBOX_DIR": str(_STACK["base"] / "outbox"),
        }
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        needs_servers = "stack" in getattr(item, "fixturenames", ())
        item.add_marker(pytest.mark.functional if needs_servers else pytest.mark.unit)


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Drop the coverage data of processes the tests killed with SIGKILL (half-written, unreadable)
    before pytest-cov combines the rest."""
    for path in REPO_ROOT.glob(".coverage.*"):
        try:
            with contextlib.closing(sqlite3.connect(path)) as data:
                data.execute("select count(*) from coverage_schema").fetchone()
        except sqlite3.Error:
            path.unlink(missing_ok=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    for name in ("s3", "redis", "mongo"):
        if name in _STACK:
            _STACK[name].stop()
    if "base" in _STACK:
        shutil.rmtree(_STACK["base"], ignore_errors=True)
    _STACK.clear()


def _servers_started() -> bool:
    return "mongo" in _STACK


@pytest.fixture(scope="session")
def stack() -> dict:
    """The running servers (started here on first use, on the ports pytest_configure reserved)."""
    if not _servers_started():
        base, ports = _STACK["base"], _STACK["ports"]
        _STACK["mongo"] = servers.start_mongo(base / "mongo", ports["mongo"], _STACK["engine"])
        _STACK["redis"] = servers.start_redis(base / "redis", ports["redis"], persistent=False)
        _STACK["s3"] = servers.start_s3(base / "s3", ports["s3"], persistent=False)
    return _STACK


@pytest.fixture(scope="session")
def settings():
    from config import get_settings

    return get_settings()


@pytest.fixture(scope="session")
def db(stack, settings):
    from store import files, migrations
    from store.mongo import close_clients, get_db

    database = get_db()
    migrations.apply_all(database)
    files.ensure_bucket()
    yield database
    close_clients()


@pytest.fixture
def mongo_db(stack):
    """A fresh, empty database on the real server for data-layer tests; dropped afterwards."""
    from pymongo import MongoClient

    client = MongoClient(stack["mongo"].url, tz_aware=True)
    name = f"t_{uuid.uuid4().hex[:12]}"
    yield client[name]
    client.drop_database(name)
    client.close()


@pytest.fixture(scope="session")
def app(db):
    from api.app import create_app

    flask_app = create_app()
    flask_app.testing = True
    return flask_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module", autouse=True)
def _empty_broker_per_module():
    """Each test module starts with empty Celery queues: work a previous module queued (e.g.
    thousands of invitation dispatches) must not keep this module's workers busy."""
    if _servers_started():
        import redis as redis_lib

        redis_lib.Redis.from_url(_STACK["redis"].url).delete(*QUEUES, "unacked", "unacked_index")


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Rate-limit counters live in Redis; each test that reaches the servers starts with none."""
    if "stack" in request.fixturenames:
        import redis as redis_lib

        r = redis_lib.Redis.from_url(request.getfixturevalue("stack")["redis"].url)
        for key in r.scan_iter("LIMITS*"):
            r.delete(key)


@pytest.fixture(autouse=True)
def _notify_registry_kept():
    """No test leaves services.notify's kicker or expander changed: a later test would run with a
    registry no process has. Change it only inside `notify.kickers_in_use(...)`."""
    import tasks.notifications  # noqa: F401 - the test process registers as a worker does: kicker and expander
    from services import notify

    before = notify.registered()
    yield
    left = notify.registered()
    if left != before:
        notify.use_kicker(before.get("kicker"))
        notify.use_expander(before.get("expander"))
        pytest.fail(f"the test left services.notify's registry changed ({sorted(left)} for {sorted(before)})")


@pytest.fixture
def make_user(db):
    from security.passwords import hash_password
    from store import users

    def create(role: str = "superadmin", **fields) -> dict:
        suffix = uuid.uuid4().hex[:8]
        doc = {
            "name": f"{role} {suffix}",
            "email": f"{role}.{suffix}@example.edu",
            "role": role,
            "password_hash": hash_password(TEST_PASSWORD),
            **fields,
        }
        return users.create(db, doc)

    return create


@pytest.fixture
def auth_header(client):
    def login(user: dict) -> dict:
        resp = client.post(
            "/api/v1/auth/login", json={"login": user["email"] or user["roll_number"], "password": TEST_PASSWORD}
        )
        assert resp.status_code == 200, resp.get_json()
        return {"Authorization": f"Bearer {resp.get_json()['access_token']}"}

    return login


class WorkerProcess(CeleryWorker):
    """The suite's worker (devstack.workers.CeleryWorker): prefork with one child, by default
    consuming every queue, with the tests' own job tasks loaded.

    `env` overrides settings for this worker only (e.g. small limits, another backend)."""

    ALL_QUEUES = ",".join(QUEUES)

    def __init__(
        self,
        log_dir: Path,
        extra_args: list[str] | None = None,
        env: dict[str, str] | None = None,
        queues: str = ALL_QUEUES,
    ):
        args = ["-Q", queues, "--pool", "prefork", "-c", "1", "--without-gossip", "--without-mingle"]
        args += ["-n", f"test-{uuid.uuid4().hex[:6]}@%h", "-I", "tests.support.job_tasks", "--loglevel", "INFO"]
        super().__init__(
            log_dir / f"worker-{uuid.uuid4().hex[:6]}.log",
            [*args, *(extra_args or [])],
            env={"LOG_LEVEL": "INFO", **(env or {})},
        )

    def start(self, timeout: float = 30) -> WorkerProcess:
        super().start(timeout)
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def start_worker(db, tmp_path):
    started: list[WorkerProcess] = []

    def start(extra_args: list[str] | None = None) -> WorkerProcess:
        worker = WorkerProcess(tmp_path, extra_args).start()
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def wait_for_job(db):
    from store import jobs

    def wait(job_id, states=("succeeded", "failed", "cancelled"), timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        job = None
        while time.monotonic() < deadline:
            job = jobs.get(db, job_id)
            if job and job["state"] in states:
                return job
            time.sleep(0.1)
        raise AssertionError(f"job {job_id} not in {states} after {timeout}s: {job}")

    return wait


@pytest.fixture
def poll_job(client):
    """Poll a job over HTTP (as a client would) until it leaves queued/running."""

    def poll(headers: dict, location: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < deadline:
            body = client.get(location, headers=headers).get_json()
            if body["state"] not in ("queued", "running"):
                return body
            time.sleep(0.2)
        raise AssertionError(f"job still {body.get('state')} after {timeout}s")

    return poll
