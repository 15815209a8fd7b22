"""requirements.lock: every package that .venv and the image install, with its exact version and hashes.

requirements/*.txt hold the pins people edit (the direct dependencies, one file per concern);
`make lock` resolves them with uv into requirements.lock: every package, direct and transitive, with the
sha256 of each of its files on PyPI, for CPython 3.11 on Linux x86_64. `make install` and the image
install only from it (`pip install --require-hashes --no-deps`, then `pip check`). Standard library
only: the image's build stage runs this file before anything is installed.

    python -m devtools.lockfile check    exit 1, naming each pin of requirements/*.txt that the lock does
                                         not pin the same way and each locked package without hashes
    python devtools/lockfile.py runtime  print the part of the lock the image installs (below)
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
LOCK = REPO_ROOT / "requirements.lock"
REQUIREMENTS = REPO_ROOT / "requirements.txt"
# Requirement files whose packages stay out of the image: tests, lint and the supply-chain tools.
NOT_IN_IMAGE = ("requirements/dev.txt", "requirements/lint.txt", "requirements/audit.txt")
# The venv's own installers go into the image too, at their locked (patched) versions.
INSTALLERS = ("pip", "setuptools")
REQUIREMENT = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[(?P<extras>[^\]]*)\])?\s*"
    r"(?:(?P<op>===|==|~=|!=|<=|>=|<|>)\s*(?P<version>[^\s;,\\]+))?"
)
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Locked:
    """One package in the lock: the text of its entry (requirement, hashes, `# via` lines)."""

    name: str
    op: str
    version: str
    marker: str
    hashes: list[str]
    lines: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Pin:
    """A requirement as written in a requirements/*.txt file."""

    path: str
    line: int
    name: str
    op: str
    version: str
    extras: tuple[str, ...] = ()


def read_lock(text: str) -> dict[str, Locked]:
    """The lock's packages by canonical name, in the order of the file."""
    entries: dict[str, Locked] = {}
    current: Locked | None = None
    continued = False
    for line in text.splitlines():
        if continued and current:
            current.lines.append(line)
            current.hashes += HASH.findall(line)
            continued = line.rstrip().endswith("\\")
        elif line.startswith((" ", "\t")) and current and line.strip().startswith("#"):
            current.lines.append(line)
            comment = line.strip().removeprefix("#").strip()
            via = comment.removeprefix("via").strip() if comment.split(" ")[0] == "via" else comment
            if via:
                current.via.append(via)
        elif line.strip() and not line.startswith("#"):
            match = REQUIREMENT.match(line)
            if not match:
                raise ValueError(f"cannot read this line of the lock: {line!r}")
            marker = line.partition(";")[2].split("--hash")[0].rstrip(" \\").strip()
            fields = (match["name"], match["op"] or "", match["version"] or "", marker)
            current = Locked(*fields, hashes=HASH.findall(line), lines=[line])
            entries[canonical(current.name)] = current
            continued = line.rstrip().endswith("\\")
        else:
            current, continued = None, False
    return entries


def included_files(requirements: Path = REQUIREMENTS) -> list[str]:
    """The requirement files requirements.txt includes (`-r`), as paths from the repository root."""
    lines = requirements.read_text(encoding="utf-8").splitlines()
    return [
        line.split(maxsplit=1)[1].split("#")[0].strip()
        for line in lines
        if line.strip().startswith(("-r ", "--requirement "))
    ]


def read_pins(path: Path, root: Path = REPO_ROOT) -> list[Pin]:
    """The requirements of one requirements/*.txt file (comments, blank lines and options left out)."""
    pins = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = re.sub(r"(^|\s)#.*", "", line).strip()
        if not text or text.startswith("-"):
            continue
        match = REQUIREMENT.match(text)
        if not match:
            raise ValueError(f"{path}:{number}: cannot read {line!r}")
        relative = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
        extras = tuple(extra.strip() for extra in (match["extras"] or "").split(",") if extra.strip())
        pins.append(Pin(relative, number, match["name"], match["op"] or "", match["version"] or "", extras))
    return pins


def pin_problems(lock: dict[str, Locked], pins: list[Pin]) -> list[str]:
    """The pins of requirements/*.txt that the lock does not pin the same way."""
    found = []
    for pin in pins:
        where = f"{pin.path}:{pin.line}: {pin.name}"
        locked = lock.get(canonical(pin.name))
        if pin.op != "==":
            found.append(f"{where} is not an exact pin (name==version)")
        elif locked is None:
            found.append(f"{where}=={pin.version} is not in requirements.lock")
        elif locked.version != pin.version:
            found.append(f"{where}=={pin.version}, but requirements.lock has {locked.version}")
    return found


def lock_problems(lock: dict[str, Locked], pins: list[Pin]) -> list[str]:
    """Locked packages without an exact pin or hashes, or there for a requirement that has gone."""
    found = []
    named = {(pin.path, canonical(pin.name)) for pin in pins}
    for key, locked in lock.items():
        if locked.op != "==":
            found.append(f"requirements.lock: {locked.name} is not pinned with ==")
        if not locked.hashes:
            found.append(f"requirements.lock: {locked.name} has no --hash")
        for via in locked.via:
            path = via.removeprefix("-r ").strip()
            if via.startswith("-r ") and (path, key) not in named:
                found.append(f"requirements.lock: {locked.name} is there for {path}, which no longer names it")
            elif not via.startswith("-r ") and canonical(via) not in lock:
                found.append(f"requirements.lock: {locked.name} is there for {via}, which is not locked")
    return found


def problems(lock: dict[str, Locked], pins: list[Pin]) -> list[str]:
    """What keeps the lock from being the pins of requirements/*.txt, resolved: one line each."""
    return pin_problems(lock, pins) + lock_problems(lock, pins)


def check(lock_path: Path = LOCK, requirements: Path = REQUIREMENTS) -> list[str]:
    """The problems of the lock against every requirement file requirements.txt includes."""
    if not lock_path.exists():
        return [f"{lock_path.name} is missing"]
    root = requirements.parent
    pins = [pin for name in included_files(requirements) for pin in read_pins(root / name, root)]
    return problems(read_lock(lock_path.read_text(encoding="utf-8")), pins)


def runtime(lock: dict[str, Locked], files: list[str]) -> list[Locked]:
    """The locked packages that the image needs: those the files in `files` name, pip and setuptools,
    and everything these pull in (followed through the lock's `# via` lines).
    """
    wanted = {f"-r {name}" for name in files}
    chosen = {key for key, locked in lock.items() if wanted & set(locked.via) or key in INSTALLERS}
    parents = {key: {canonical(via) for via in locked.via} for key, locked in lock.items()}
    grown = True
    while grown:
        more = {key for key in lock if key not in chosen and parents[key] & chosen}
        chosen |= more
        grown = bool(more)
    return [locked for key, locked in lock.items() if key in chosen]


def runtime_text(lock_path: Path = LOCK, requirements: Path = REQUIREMENTS) -> str:
    files = [name for name in included_files(requirements) if name not in NOT_IN_IMAGE]
    chosen = runtime(read_lock(lock_path.read_text(encoding="utf-8")), files)
    header = [
        f"# The image's part of {lock_path.name} (devtools/lockfile.py runtime): what {', '.join(files)}",
        "# pull in, with pip and setuptools. Each entry as locked.",
    ]
    return "\n".join([*header, *(line for locked in chosen for line in locked.lines)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["check", "runtime"])
    args = parser.parse_args(argv)
    if args.command == "runtime":
        sys.stdout.write(runtime_text())
        return 0
    found = check()
    for line in found:
        print(line)
    if found:
        count = f"{len(found)} problem{'s' if len(found) > 1 else ''}"
        print(f"requirements.lock does not match requirements/*.txt ({count}): run `make lock`")
        return 1
    print(f"requirements.lock: {len(read_lock(LOCK.read_text(encoding='utf-8')))} packages, each pinned and hashed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
