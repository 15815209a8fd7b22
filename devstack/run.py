"""`make run`: the whole stack in the foreground on 127.0.0.1, data kept under ./var.

Starts a MongoDB wire-protocol server, Redis (AOF on) and an S3 server (files on disk),
applies migrations, creates the buckets (files and backups) and the development superadmin,
then runs every Procfile process. Ctrl-C stops everything it started.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from typing import IO
from urllib.parse import urlparse

from dotenv import dotenv_values

from devstack import servers

ROOT = servers.REPO_ROOT
VAR = ROOT / "var"


def load_env() -> dict[str, str]:
    values = {**dotenv_values(ROOT / ".env.example")}
    if (ROOT / ".env").exists():
        values.update(dotenv_values(ROOT / ".env"))
    env = {k: v for k, v in values.items() if v is not None}
    env.update({k: v for k, v in os.environ.items() if k in env})  # the shell wins
    env["PATH"] = f"{servers.VENV_BIN}:{os.environ.get('PATH', '')}"
    env.setdefault("BEAT_SCHEDULE_FILE", str(VAR / "celerybeat-schedule"))
    return {**os.environ, **env}


def port_of(url: str, default: int) -> int:
    return urlparse(url).port or default


def start_servers(env: dict[str, str]) -> list[servers.Server]:
    engine = env.get("MONGO_ENGINE", "secantus")
    started = [
        servers.start_mongo(VAR / "mongo", port_of(env["MONGO_URI"], 27017), engine),
        servers.start_redis(VAR / "redis", port_of(env["REDIS_URL"], 6379), persistent=True),
    ]
    if env.get("S3_ENDPOINT_URL"):
        started.append(servers.start_s3(VAR / "s3", port_of(env["S3_ENDPOINT_URL"], 4568), persistent=True))
    return started


def prepare(env: dict[str, str]) -> None:
    for command in ("migrate", "ensure-bucket", "ensure-backup-bucket", "create-admin"):
        subprocess.run([sys.executable, "-m", "store", command], env=env, cwd=ROOT, check=True)


def procfile_entries() -> list[tuple[str, str]]:
    entries = []
    for line in (ROOT / "Procfile").read_text().splitlines():
        match = re.match(r"^([A-Za-z0-9_]+):\s*(.+)$", line)
        if match:
            entries.append((match.group(1), match.group(2)))
    return entries


def _relay(name: str, stream: IO[bytes]) -> None:
    for raw in iter(stream.readline, b""):
        sys.stdout.write(f"{name:>21} | {raw.decode(errors='replace')}")
        sys.stdout.flush()


METRICS_FIRST_PORT = 9101  # worker and beat metrics: 9101, 9102 ... in Procfile order


def metrics_env(name: str, command: str, port: int) -> dict[str, str]:
    """A Celery worker's or beat's own METRICS_PORT and an empty folder for its samples."""
    if not re.match(r"celery\b.*\b(worker|beat)\b", command):
        return {}
    folder = VAR / "metrics" / name
    shutil.rmtree(folder, ignore_errors=True)  # samples of an earlier run would be summed in
    folder.mkdir(parents=True)
    return {"METRICS_PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(folder)}


def start_processes(env: dict[str, str]) -> list[tuple[str, subprocess.Popen]]:
    procs = []
    for index, (name, command) in enumerate(procfile_entries()):
        proc = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=ROOT,
            env={**env, **metrics_env(name, command, METRICS_FIRST_PORT + index)},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        threading.Thread(target=_relay, args=(name, proc.stdout), daemon=True).start()
        procs.append((name, proc))
    return procs


def stop_processes(procs: list[tuple[str, subprocess.Popen]]) -> None:
    for _, proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    for _, proc in procs:
        try:
            proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def banner(env: dict[str, str]) -> str:
    api = f"http://{env.get('API_HOST', '127.0.0.1')}:{env.get('API_PORT', '8000')}"
    return (
        f"\nAI-VERSANT is running (Ctrl-C stops everything):\n"
        f"  API         {api}/api/v1\n"
        f"  Swagger UI  {api}/api/v1/docs\n"
        f"  OpenAPI     {api}/api/v1/openapi.json\n"
        f"  Flower      http://127.0.0.1:{env.get('FLOWER_PORT', '5555')}  (basic auth: FLOWER_BASIC_AUTH)\n"
        f"  Metrics     {api}/metrics (Bearer METRICS_TOKEN); workers and beat on "
        f"127.0.0.1:{METRICS_FIRST_PORT}+ (README, Metrics)\n"
        f"  Sign in as  {env.get('DEV_ADMIN_EMAIL')} / the DEV_ADMIN_PASSWORD in .env(.example)\n"
        f"  Data        {VAR}\n"
    )


def main() -> int:
    env = load_env()
    VAR.mkdir(exist_ok=True)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, or a supervisor stopping us
        signal.signal(signum, lambda *_: stopping.set())
    started = start_servers(env)
    procs: list[tuple[str, subprocess.Popen]] = []
    try:
        prepare(env)
        procs = start_processes(env)
        print(banner(env), flush=True)
        while not stopping.is_set():
            dead = [(name, p.returncode) for name, p in procs if p.poll() is not None]
            if dead:
                print(f"stopping: {dead[0][0]} exited with code {dead[0][1]}", flush=True)
                return 1
            stopping.wait(1)
    finally:
        print("\nstopping every process...", flush=True)
        stop_processes(procs)
        for server in reversed(started):
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
