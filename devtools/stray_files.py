"""Refuse files that do not belong in the repository: anything over MAX_BYTES, and artefacts a
local run leaves behind (recordings, logs, fuzzing and coverage data, the stack's data folder).

Run by pre-commit on the files being committed (`python -m devtools.stray_files FILE...`), and by
the test suite over every tracked file. Exit 1, naming each file and why.
"""

from __future__ import annotations

import fnmatch
import sys
from pathlib import Path

MAX_BYTES = 512 * 1024
# Artefacts of local runs; README screenshots (docs/screenshots/*.png) are wanted, so no image rule.
STRAY = (
    "*.wav",
    "*.mp3",
    "*.webm",
    "*.ogg",
    "*.log",
    ".schemathesis/*",
    ".hypothesis/*",
    ".coverage*",
    "var/*",
    "*.sqlite",
    "*.pyc",
)


def problems(paths: list[str]) -> list[str]:
    found = []
    for name in paths:
        path = Path(name)
        if any(fnmatch.fnmatch(name, pattern) for pattern in STRAY):
            found.append(f"{name}: a local artefact, not source (devtools/stray_files.py)")
        elif path.is_file() and path.stat().st_size > MAX_BYTES:
            found.append(f"{name}: {path.stat().st_size:,} bytes, over the {MAX_BYTES:,}-byte limit")
    return found


def main(argv: list[str]) -> int:
    found = problems(argv)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
