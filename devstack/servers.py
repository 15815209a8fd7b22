"""Start and stop the local servers that stand in for MongoDB, Redis and S3.

Used by `make run` (data kept under ./var) and by the test suite (throw-away data on
free ports). Project code never imports these servers: it talks to them over the
network through PyMongo, redis-py and boto3 exactly as it would to the real services.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
NODE_TOOLS = REPO_ROOT / ".tools" / "node_modules" / ".bin"
MONGO_ENGINES = ("nx", "secantus")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with code {proc.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


@dataclass
class Server:
    name: str
    port: int
    url: str
    proc: subprocess.Popen | None = None
    pid_file: Path | None = None
    extra: dict = field(default_factory=dict)

    def stop(self) -> None:
        pid = self._pid()
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        if self.proc is not None:
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        else:
            _wait_gone(pid)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        pid = self._pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            if self.proc is not None:
                self.proc.wait()
            else:
                _wait_gone(pid)

    def _pid(self) -> int | None:
        if self.proc is not None:
            return self.proc.pid if self.proc.poll() is None else None
        if self.pid_file and self.pid_file.exists():
            text = self.pid_file.read_text().strip()
            return int(text) if text else None
        return None


def _wait_gone(pid: int, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)


def _spawn(cmd: list[str], log_path: Path, env: dict | None = None) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            cmd,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            start_new_session=True,
        )


def start_mongo(data_dir: Path, port: int, engine: str = "secantus") -> Server:
    """A MongoDB wire-protocol server. data_dir=None keeps everything in memory."""
    if engine not in MONGO_ENGINES:
        raise ValueError(f"MONGO_ENGINE must be one of {MONGO_ENGINES}, not {engine!r}")
    data_dir.mkdir(parents=True, exist_ok=True)
    if engine == "nx":
        cmd = [
            str(VENV_BIN / "nx-27017"),
            "--host",
            "127.0.0.1",
            "-p",
            str(port),
            "--data-dir",
            str(data_dir / "nx"),
            "--log-file",
            str(data_dir / "nx.log"),
            "--pid-file",
            str(data_dir / "nx.pid"),
        ]
    else:
        cmd = [
            str(VENV_BIN / "secantusd-py"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--storage-path",
            str(data_dir / "secantus"),
            "--log-level",
            "WARNING",
        ]
    proc = _spawn(cmd, data_dir / f"mongo-{engine}.out")
    wait_for_port(port, 30, proc)
    return Server(f"mongo-{engine}", port, f"mongodb://127.0.0.1:{port}/", proc=proc)


def start_redis(data_dir: Path, port: int, *, persistent: bool) -> Server:
    data_dir.mkdir(parents=True, exist_ok=True)
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server not found: install Debian's redis-server (make install does)")
    persistence = (
        ["--appendonly", "yes", "--appendfsync", "everysec", "--save", ""]
        if persistent
        else ["--appendonly", "no", "--save", ""]
    )
    cmd = [
        binary,
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(data_dir),
        "--daemonize",
        "no",
        "--logfile",
        str(data_dir / "redis.log"),
        *persistence,
    ]
    proc = _spawn(cmd, data_dir / "redis.out")
    wait_for_port(port, 10, proc)
    return Server(
        "redis", port, f"redis://127.0.0.1:{port}/0", proc=proc, extra={"dir": data_dir, "persistent": persistent}
    )


def start_s3(data_dir: Path, port: int, *, persistent: bool) -> Server:
    """S3-compatible server: s3rver (files on disk) for `make run`, moto (memory) for tests."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if persistent:
        cmd = [str(NODE_TOOLS / "s3rver"), "-d", str(data_dir / "s3"), "-a", "127.0.0.1", "-p", str(port), "-s"]
        creds = ("S3RVER", "S3RVER")
    else:
        cmd = [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)]
        creds = ("test-access-key", "test-secret-key")
    (data_dir / "s3").mkdir(exist_ok=True)
    proc = _spawn(cmd, data_dir / "s3.out")
    wait_for_port(port, 30, proc)
    return Server(
        "s3", port, f"http://127.0.0.1:{port}", proc=proc, extra={"access_key": creds[0], "secret_key": creds[1]}
    )
