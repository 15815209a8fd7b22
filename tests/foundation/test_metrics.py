"""Prometheus metrics: the API's /metrics behind its token (gunicorn's workers summed), a worker's
job metrics on its own port, beat's queue and outbox gauges, and slow-command reports that carry
a query's shape, never its values.
"""

from __future__ import annotations

import dataclasses
import http.client
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient

from api import metrics as metrics_view
from devstack import servers
from observability.metrics import SLOW_COMMANDS
from observability.slow import SlowMongoCommands, SlowRedis, shape, time_s3_calls
from store import jobs
from tasks.publish import submit
from tests.conftest import REPO_ROOT, WorkerProcess
from tests.support import job_tasks  # noqa: F401 - registers the test job kinds the worker runs

pytestmark = pytest.mark.functional
TOKEN = "metrics-token-for-tests-0123456789"


def samples(text: str, name: str) -> dict[tuple, float]:
    """Sample values of one metric by their labels (sorted label pairs)."""
    return {
        tuple(sorted(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    }


@pytest.fixture
def with_token(monkeypatch, settings):
    monkeypatch.setattr(metrics_view, "get_settings", lambda: dataclasses.replace(settings, metrics_token=TOKEN))


def test_metrics_do_not_exist_without_a_token_configured(client):
    resp = client.get("/metrics")
    assert resp.status_code == 404
    assert resp.get_json()["error"]["code"] == "not_found"


def test_metrics_need_the_token_and_count_requests_by_route_not_by_path(client, with_token):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN[:-1]}):
        resp = client.get("/metrics", headers=headers)
        assert resp.status_code == 401
        assert resp.get_json()["error"]["code"] == "unauthorized"
    client.get("/health/live")
    client.get("/api/v1/jobs/65a000000000000000000001")
    resp = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert resp.status_code == 200
    assert resp.content_type.startswith("text/plain")
    counted = samples(resp.get_data(as_text=True), "aiversant_http_requests_total")
    assert counted[(("endpoint", "/health/live"), ("method", "GET"), ("status", "200"))] >= 1
    job_routes = [labels for labels in counted if ("endpoint", "/api/v1/jobs/<id:job_id>") in labels]
    assert job_routes  # the route pattern...
    assert not [labels for labels in counted if "65a000000000000000000001" in str(labels)]  # ...never the id


def test_unknown_methods_and_paths_make_no_new_series(client, with_token):
    """Anyone, signed in or not, picks the method and path: neither may name a series."""
    invented = [f"X{number}-MADE-UP" for number in range(5)]
    for method in invented:
        client.open("/health/live", method=method)
        client.open(f"/no/such/{method.lower()}", method=method)
    client.open("/health/live", method="PROPFIND")
    text = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"}).get_data(as_text=True)
    for name in ("aiversant_http_requests_total", "aiversant_http_request_duration_seconds_count"):
        labels = samples(text, name)
        methods = {dict(pairs)["method"] for pairs in labels}
        assert methods <= {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"}, methods
        assert "other" in methods
        assert not [pairs for pairs in labels if "made-up" in str(pairs).lower() or "/no/such" in str(pairs)]
    other = samples(text, "aiversant_http_requests_total")
    assert sum(value for pairs, value in other.items() if ("method", "other") in pairs) >= 11


def test_gunicorn_workers_are_summed_in_one_scrape(stack, tmp_path):
    port = servers.free_port()
    samples_dir = tmp_path / "metrics"
    samples_dir.mkdir()
    env = {
        **os.environ,
        "API_PORT": str(port),
        "WEB_CONCURRENCY": "2",
        "WEB_THREADS": "1",
        "METRICS_TOKEN": TOKEN,
        "PROMETHEUS_MULTIPROC_DIR": str(samples_dir),
    }
    log = (tmp_path / "gunicorn.log").open("ab")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "api.wsgi:app"],
        cwd=REPO_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_answering(port, proc, tmp_path / "gunicorn.log")

        def hit(_: int) -> int:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request("GET", "/health/live")
                return conn.getresponse().status
            finally:
                conn.close()

        with ThreadPoolExecutor(max_workers=8) as pool:  # at once, so both workers take some
            assert set(pool.map(hit, range(60))) == {200}
        before = {path.name for path in samples_dir.glob("*.db")}
        proc.send_signal(signal.SIGHUP)  # new workers: the scrape is answered by a process that served none
        text = _scrape_when_replaced(port, samples_dir, before)
        counted = samples(text, "aiversant_http_requests_total")
        live = counted[(("endpoint", "/health/live"), ("method", "GET"), ("status", "200"))]
        assert live >= 60  # the readiness probe's requests come on top
        writers = {path.stem.rsplit("_", 1)[-1] for path in samples_dir.glob("*.db")}
        assert len(writers) >= 2, writers  # the old workers' samples are in the new one's answer
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(timeout=20)
        log.close()


def _scrape_when_replaced(port: int, samples_dir: Path, before: set[str]) -> str:
    """/metrics, once a worker started after `before` was taken has answered it."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(0.3)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/metrics", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as resp:
                text = resp.read().decode()
        except OSError:
            continue
        if {path.name for path in samples_dir.glob("*.db")} - before:
            return text
    raise AssertionError("no new gunicorn worker answered /metrics")


def _wait_answering(port: int, proc: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, log_path.read_text()[-2000:]
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            conn.request("GET", "/health/live")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
        finally:
            conn.close()
    raise AssertionError("gunicorn did not answer")


def test_a_worker_serves_its_job_metrics_on_its_own_port(db, tmp_path, wait_for_job):
    port = servers.free_port()
    samples_dir = tmp_path / "metrics"
    samples_dir.mkdir()
    worker = WorkerProcess(tmp_path, env={"METRICS_PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(samples_dir)})
    worker.start()
    try:
        owner = "metrics-test"
        done = wait_for_job(
            submit(db, jobs.NewJob(kind="test_steps", owner_id=owner, params={"steps": 1}, total=1))["_id"]
        )
        bad = wait_for_job(submit(db, jobs.NewJob(kind="test_bad_input", owner_id=owner, params={}, total=1))["_id"])
        assert (done["state"], bad["state"]) == ("succeeded", "failed")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            text = resp.read().decode()
    finally:
        worker.stop()
    finished = samples(text, "aiversant_jobs_finished_total")
    assert finished[(("kind", "test_steps"), ("state", "succeeded"))] == 1
    assert finished[(("kind", "test_bad_input"), ("state", "failed"))] == 1
    assert samples(text, "aiversant_job_run_seconds_count")[(("kind", "test_steps"),)] == 1


def test_a_worker_serving_metrics_without_a_samples_folder_refuses_to_start(db, tmp_path, monkeypatch):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    worker = WorkerProcess(tmp_path, env={"METRICS_PORT": str(servers.free_port())})
    with pytest.raises(RuntimeError, match="exited early"):
        worker.start()
    assert "PROMETHEUS_MULTIPROC_DIR is not" in worker.log()


def test_beat_reports_queue_lengths_and_the_outbox_backlog(db):
    from domain.jobkinds import QUEUES
    from tasks.metrics import Backlog

    families = {family.name: family for family in Backlog().collect()}
    queues = {sample.labels["queue"]: sample.value for sample in families["aiversant_queue_length"].samples}
    assert set(queues) == set(QUEUES)
    assert all(value >= 0 for value in queues.values())
    states = {sample.labels["state"] for sample in families["aiversant_outbox_messages"].samples}
    assert states == {"queued", "sending", "failed"}


def test_a_slow_mongodb_command_is_logged_by_its_shape_and_counted(stack, caplog):
    listener = SlowMongoCommands(threshold_ms=0)
    client = MongoClient(stack["mongo"].url, event_listeners=[listener])
    before = SLOW_COMMANDS.labels("mongodb", "find")._value.get()
    with caplog.at_level(logging.WARNING, logger="slow"):
        client["slow_test"]["people"].find_one({"email": "priya@example.edu", "age": {"$gt": 30}})
    client.close()
    lines = [record.getMessage() for record in caplog.records if record.name == "slow"]
    assert any("target=people operation=find" in line for line in lines), lines
    assert not [line for line in lines if "priya" in line or "30}" in line]
    assert any("'email': '?'" in line and "'$gt': '?'" in line for line in lines), lines
    assert SLOW_COMMANDS.labels("mongodb", "find")._value.get() == before + 1


def test_fast_commands_are_not_reported(stack, caplog):
    client = MongoClient(stack["mongo"].url, event_listeners=[SlowMongoCommands(threshold_ms=60_000)])
    with caplog.at_level(logging.WARNING, logger="slow"):
        client["slow_test"]["people"].find_one({"email": "x"})
    client.close()
    assert not [record for record in caplog.records if record.name == "slow"]


def test_slow_redis_and_s3_calls_are_reported_without_keys_or_values(stack, caplog):
    redis = SlowRedis.from_url(stack["redis"].url)
    redis.slow_ms = 0
    s3 = boto3.client(
        "s3",
        endpoint_url=stack["s3"].url,
        region_name="us-east-1",
        aws_access_key_id=stack["s3"].extra["access_key"],
        aws_secret_access_key=stack["s3"].extra["secret_key"],
        config=Config(s3={"addressing_style": "path"}),
    )
    time_s3_calls(s3, slow_ms=0)
    with caplog.at_level(logging.WARNING, logger="slow"):
        redis.set("revoked:secret-token-id", "1", ex=5)
        s3.list_buckets()
    redis.close()
    lines = [record.getMessage() for record in caplog.records if record.name == "slow"]
    assert any(line.startswith("slow redis target=revoked operation=SET") for line in lines), lines
    assert any(line.startswith("slow s3 target=bucket operation=ListBuckets") for line in lines), lines
    assert not [line for line in lines if "secret-token-id" in line]


@pytest.mark.parametrize(
    ("value", "shaped"),
    [
        ({"email": "a@b.c"}, {"email": "?"}),
        ({"$or": [{"a": 1}, {"b": 2}]}, {"$or": [{"a": "?"}, {"b": "?"}]}),
        ([1, 2, 3, 4, 5], ["?", "?", "?", "..."]),
        ("text", "?"),
    ],
)
def test_shape_keeps_fields_and_operators_and_drops_values(value, shaped):
    assert shape(value) == shaped
