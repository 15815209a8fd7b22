"""A Celery worker as a child process, started one way by the tests and the benchmarks.

`CeleryWorker(log_path, args).start()` runs `celery -A tasks.celery_app worker <args>` (or
`program` instead of `celery`, e.g. bench/counting_worker.py) in its own process group with the
current environment plus `env`, logging to `log_path`, and returns once the worker logs that it
is ready. `stop()` sends SIGTERM to the group (a warm shutdown), `kill()` SIGKILL, as a crashed
host would.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CELERY = (sys.executable, "-m", "celery")
# A benchmark's worker: no gossip or mingle (one worker, nothing to sync with) and warnings only.
QUIET_WORKER = ("--without-gossip", "--without-mingle", "-l", "WARNING")


class CeleryWorker:
    def __init__(
        self,
        log_path: Path,
        args: list[str],
        env: dict[str, str] | None = None,
        program: tuple[str, ...] = CELERY,
    ) -> None:
        self.log_path = log_path
        self.args = args
        self.env = env or {}
        self.program = program
        self.proc: subprocess.Popen | None = None

    @property
    def command(self) -> list[str]:
        return [*self.program, "-A", "tasks.celery_app", "worker", *self.args]

    def start(self, timeout: float = 60) -> CeleryWorker:
        """Launch it and return once it is ready (RuntimeError with its log's tail if it is not)."""
        self.launch()
        self._wait_ready(timeout)
        return self

    def launch(self) -> CeleryWorker:
        """Launch it without waiting (a caller starting several waits for them together)."""
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                self.command,
                cwd=REPO,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env={**os.environ, **self.env},
            )
        return self

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                msg = f"worker exited early:\n{self.log_tail()}"
                raise RuntimeError(msg)
            if b"ready." in self.log_path.read_bytes():
                return
            time.sleep(0.1)
        msg = f"worker not ready after {timeout:g} s:\n{self.log_tail()}"
        raise RuntimeError(msg)

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else "(no log)"

    def kill(self) -> None:
        """SIGKILL the worker and its pool children."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def stop(self, timeout: float = 15) -> None:
        """SIGTERM (a warm shutdown: running tasks finish), SIGKILL if it takes over `timeout`."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
