"""Fixtures for the notification tests: a real MongoDB wire-protocol server (nx-27017)
per session, a fresh database per test, and the fake Brevo server."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pymongo
import pytest

from devstack.fake_brevo import FakeBrevo
from store import notifications as outbox
from store import preferences
from workers.notifications.senders import BrevoSender

NX_BINARY = Path(sys.executable).parent / "nx-27017"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nx-27017 exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nx-27017 did not start listening")


@pytest.fixture(scope="session")
def _mongo_client():
    workdir = Path(tempfile.mkdtemp(prefix="notif-mongo-"))
    port = _free_port()
    cmd = [str(NX_BINARY), "--host", "127.0.0.1", "-p", str(port), "--data-dir", str(workdir / "data"),
           "--log-file", str(workdir / "log"), "--pid-file", str(workdir / "pid")]
    with open(workdir / "out", "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    try:
        _wait_for_port(port, proc)
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/", tz_aware=True,
                                     serverSelectionTimeoutMS=5000)
        yield client
        client.close()
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture()
def mongo_db(_mongo_client):
    db = _mongo_client[f"notif_{uuid.uuid4().hex[:12]}"]
    yield db
    _mongo_client.drop_database(db.name)


@pytest.fixture()
def outbox_db(mongo_db):
    outbox.ensure_indexes(mongo_db)
    preferences.ensure_indexes(mongo_db)
    return mongo_db


@pytest.fixture()
def fake_brevo():
    server = FakeBrevo(api_key="test-key").start()
    yield server
    server.stop()


@pytest.fixture()
def brevo_sender(fake_brevo):
    return BrevoSender("test-key", "noreply@versant.test", "AI-VERSANT", "VERSANT",
                       host=fake_brevo.base_url, timeout=(1.0, 0.5))
