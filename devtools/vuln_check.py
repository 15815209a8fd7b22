"""Known vulnerabilities in every package installed in .venv: pip-audit against PyPI's vulnerability data.

Run by `make audit`. .venv is what `make install` builds from the pinned requirements, so this audits
the pins and everything they pull in, exactly as installed. A vulnerability with a fixed release fails
the check unless devtools/accepted_vulnerabilities.toml accepts it with a reason; one with no fix yet is
listed and does not fail it.

Exit status: 0 every package was checked; 1 a vulnerability with a fix, a package that could not be
checked, or the check itself failed; 3 (SKIPPED) the vulnerability service did not answer, so nothing
was checked: one line says so. `--allow-skip` (what .ci/run uses) turns 3 into 0, the line stays.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import tomllib
import urllib.error
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
ACCEPTED = Path(__file__).with_name("accepted_vulnerabilities.toml")
# What pip-audit's PyPI service asks for each package (pip_audit/_service/pypi.py).
SERVICE_URL = "https://pypi.org/pypi/{name}/{version}/json"
TIMEOUT_SECONDS = 20
SKIPPED = 3
# pip-audit's own words (or its traceback's) when the service stopped answering part-way.
UNREACHABLE = re.compile(
    r"Could not connect|not redirecting properly|ConnectionError|ConnectTimeout|ReadTimeout|ProxyError"
    r"|Max retries exceeded|Temporary failure in name resolution|\b5\d\d Server Error"
)


class ServiceDidNotAnswerError(Exception):
    """The vulnerability service gave no usable answer; the message says what happened."""


@dataclass(frozen=True)
class Accepted:
    id: str
    package: str
    reason: str


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def load_accepted() -> list[Accepted]:
    entries = tomllib.loads(ACCEPTED.read_text(encoding="utf-8")).get("accepted", [])
    accepted = []
    for number, entry in enumerate(entries, start=1):
        if not all(str(entry.get(key, "")).strip() for key in ("id", "package", "reason")):
            raise SystemExit(f"{ACCEPTED.relative_to(REPO_ROOT)}: entry {number} needs an id, a package and a reason")
        accepted.append(Accepted(entry["id"], canonical(entry["package"]), entry["reason"]))
    return accepted


def probe_service() -> None:
    """Ask the service about one package we know is there (pip-audit itself); raise when it does not answer."""
    url = SERVICE_URL.format(name="pip-audit", version=metadata.version("pip-audit"))
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - a fixed https URL
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise ServiceDidNotAnswerError(f"{url}: HTTP {error.code}") from error
    except (OSError, ValueError) as error:  # URLError, timeouts and refusals are OSErrors; ValueError: not JSON
        raise ServiceDidNotAnswerError(f"{url}: {getattr(error, 'reason', error)}") from error
    if not isinstance(answer, dict) or not isinstance(answer.get("vulnerabilities"), list):
        raise ServiceDidNotAnswerError(f"{url}: the answer has no vulnerability list")


def run_pip_audit() -> list[dict[str, Any]]:
    """pip-audit's JSON report of every package in this environment (`--local`: this venv only)."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "pip-audit.json"
        options = "--local --vulnerability-service pypi --format json --progress-spinner off"
        command = [sys.executable, "-m", "pip_audit", *options.split(), "--timeout", str(TIMEOUT_SECONDS)]
        result = subprocess.run([*command, "--output", str(report)], check=False, capture_output=True, text=True)
        if not report.exists() or not report.read_text(encoding="utf-8").strip():
            error = result.stderr.strip().splitlines()
            if said := next((line for line in error if UNREACHABLE.search(line)), None):
                raise ServiceDidNotAnswerError(f"pip-audit: {said}")
            print("\n".join(error[-20:]), file=sys.stderr)
            raise SystemExit(f"vulnerabilities: FAILED (pip-audit exited {result.returncode} without a report)")
        dependencies: list[dict[str, Any]] = json.loads(report.read_text(encoding="utf-8"))["dependencies"]
    return dependencies


def pinned_in(name: str) -> str:
    """Which requirements file pins the package, or, for what the pins pull in, how to move it in the lock."""
    files = [REPO_ROOT / "requirements.txt", *sorted((REPO_ROOT / "requirements").glob("*.txt"))]
    for path in files:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "==" in line and canonical(re.split(r"[\[=<>~! ]", line.strip(), maxsplit=1)[0]) == canonical(name):
                return f"pinned in {path.relative_to(REPO_ROOT)}"
    return f"pulled in by a pinned package, locked in requirements.lock: `make lock UPGRADE={canonical(name)}` moves it"


def audit() -> list[dict[str, Any]]:
    """Every installed package with its vulnerabilities, as pip-audit reports them."""
    probe_service()
    dependencies = run_pip_audit()
    if all("skip_reason" in dependency for dependency in dependencies):
        raise ServiceDidNotAnswerError(f"none of the {len(dependencies)} packages was found on it")
    return dependencies


def report(dependencies: list[dict[str, Any]], accepted: list[Accepted]) -> int:
    """Print what was found; 1 when a vulnerability has a fix or a package could not be checked."""
    print(
        f"Known vulnerabilities in {len(dependencies)} installed packages (pip-audit {metadata.version('pip-audit')}):"
    )
    to_fix, unchecked = 0, 0
    matched: set[Accepted] = set()
    for dependency in dependencies:
        if "skip_reason" in dependency:
            unchecked += 1
            print(f"NOT CHECKED: {dependency['name']}: {dependency['skip_reason']}")
            continue
        name, version = dependency["name"], dependency["version"]
        for vulnerability in dependency["vulns"]:
            ids = [vulnerability["id"], *vulnerability.get("aliases", [])]
            label = f"{name} {version}: {' / '.join(ids)}: {vulnerability.get('description', '')[:120]}"
            fixes = ", ".join(vulnerability["fix_versions"])
            acceptance = next((a for a in accepted if a.id in ids and a.package == canonical(name)), None)
            if acceptance:
                matched.add(acceptance)
                print(f"accepted: {label} (fixed in {fixes or 'no release yet'}). Why: {acceptance.reason}")
            elif fixes:
                to_fix += 1
                print(f"FIX AVAILABLE: {label} Fixed in {fixes}; {pinned_in(name)}.")
            else:
                print(f"no fix yet: {label}")
    for acceptance in accepted:
        if acceptance not in matched:
            print(f"note: {acceptance.id} ({acceptance.package}) is accepted but no longer reported: remove the entry")
    if to_fix or unchecked:
        print(f"vulnerabilities: FAILED (with a fix available: {to_fix}, packages not checked: {unchecked})")
        return 1
    checked = len(dependencies) - unchecked
    print(f"vulnerabilities: passed ({checked} packages checked, {len(matched)} accepted)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--allow-skip", action="store_true", help="exit 0 when the service does not answer")
    args = parser.parse_args()
    accepted = load_accepted()
    try:
        dependencies = audit()
    except ServiceDidNotAnswerError as error:
        print(f"vulnerabilities: SKIPPED, nothing checked: PyPI's vulnerability service did not answer ({error})")
        return 0 if args.allow_skip else SKIPPED
    return report(dependencies, accepted)


if __name__ == "__main__":
    sys.exit(main())
