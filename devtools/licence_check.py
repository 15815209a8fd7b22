"""Licence report of every package installed in .venv, checked against devtools/licence_policy.toml.

Run by `make licences` (`--list`: every package) and `make audit` (counts and problems only). The
licences come from pip-licenses: a package's License-Expression (SPDX) when it has one, else its
licence classifiers (all of them must be allowed), else its free-text License field. Exit status 1
when a licence is not allowed, when one cannot be read (UNKNOWN, or a string the policy does not
know) and the package has no reviewed entry, or when project code imports a package that the
policy allows only as a separate process.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
import tomllib
from collections import Counter
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
POLICY = Path(__file__).with_name("licence_policy.toml")
NOT_PROJECT_DIRS = {".venv", ".tools", "var", "node_modules", "__pycache__"}  # and every hidden folder
UNKNOWN = "UNKNOWN"
SHOWN_CHARS = 60  # of a licence text that cannot be read
OPERATORS = ("AND", "OR", "WITH")
TOKEN = re.compile(r"\(|\)|[^\s()]+")
LICENCE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")


class UnreadableLicenceError(ValueError):
    """A licence string that is neither a known alias nor an SPDX expression."""


@dataclass(frozen=True)
class Licence:
    """A licence expression: a leaf `id`, or `op` ("AND" / "OR") over `parts`."""

    id: str = ""
    op: str = ""
    parts: tuple[Licence, ...] = ()

    def __str__(self) -> str:
        if not self.op:
            return self.id
        return f" {self.op} ".join(f"({part})" if part.op else str(part) for part in self.parts)

    def refused(self, allowed: set[str]) -> list[str]:
        """The ids that keep this licence from being allowed (none when it is allowed)."""
        if not self.op:
            return [] if self.id in allowed else [self.id]
        refused = [part.refused(allowed) for part in self.parts]
        if self.op == "OR" and not all(refused):
            return []
        return [licence_id for ids in refused for licence_id in ids]


def combine(op: str, parts: list[Licence]) -> Licence:
    return parts[0] if len(parts) == 1 else Licence(op=op, parts=tuple(parts))


class ExpressionParser:
    """An SPDX expression ("Apache-2.0 OR BSD-3-Clause"); `X WITH exception` counts as X."""

    def __init__(self, text: str, aliases: dict[str, str]) -> None:
        self.text, self.aliases = text, aliases
        self.tokens: list[str] = [*TOKEN.findall(text), ""]  # "" marks the end
        self.position = 0

    def parse(self) -> Licence:
        licence = self.sequence("OR")
        if self.peek():
            raise UnreadableLicenceError(self.text)
        return licence

    def peek(self) -> str:
        return self.tokens[self.position].upper()

    def take(self) -> str:
        item = self.tokens[self.position]
        self.position = min(self.position + 1, len(self.tokens) - 1)
        return item

    def sequence(self, op: str) -> Licence:
        parts = [self.sequence("AND") if op == "OR" else self.leaf()]
        while self.peek() == op:
            self.take()
            parts.append(self.sequence("AND") if op == "OR" else self.leaf())
        return combine(op, parts)

    def leaf(self) -> Licence:
        item = self.take()
        if item == "(":
            inner = self.sequence("OR")
            if self.take() != ")":
                raise UnreadableLicenceError(self.text)
            return inner
        if item.upper() in OPERATORS or not LICENCE_ID.fullmatch(item):
            raise UnreadableLicenceError(self.text)
        if self.peek() == "WITH":  # the exception only adds permissions
            self.take()
            if not LICENCE_ID.fullmatch(self.take()):
                raise UnreadableLicenceError(self.text)
        return Licence(id=self.aliases.get(item, item))


def parse_expression(text: str, aliases: dict[str, str]) -> Licence:
    return ExpressionParser(text, aliases).parse()


def read_licence(package: dict[str, str], aliases: dict[str, str]) -> tuple[Licence, str]:
    """The package's licence and where it was read; UnreadableLicenceError when it cannot be read."""
    expression = package["License-Expression"]
    if expression != UNKNOWN:
        return parse_expression(expression, aliases), "License-Expression"
    classifiers = [] if package["License-Classifier"] == UNKNOWN else package["License-Classifier"].split("; ")
    if classifiers:
        if unknown := [name for name in classifiers if name not in aliases]:
            raise UnreadableLicenceError("; ".join(unknown))
        ids = [Licence(id=aliases[name]) for name in classifiers if aliases[name]]
        if ids:
            return combine("AND", ids), "classifiers"
    text = package["License-Metadata"].strip()
    if text == UNKNOWN:
        raise UnreadableLicenceError(UNKNOWN)
    if text in aliases:
        return Licence(id=aliases[text]), "License field"
    return parse_expression(text, aliases), "License field"


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def top_level_modules(distribution_name: str) -> set[str]:
    """The importable names a distribution installs (from its RECORD)."""
    files = metadata.distribution(distribution_name).files or []
    names = {
        file.parts[0].removesuffix(".py")
        for file in files
        if len(file.parts) > 1 or file.suffix == ".py"
        if file.parts[0] != ".." and not file.parts[0].endswith((".dist-info", ".data"))
    }
    return {name for name in names if name.isidentifier() and name != "__pycache__"}


def imported_modules(source: str) -> set[str]:
    """Top-level names of the modules a Python file imports, by statement or importlib call."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) in {"import_module", "__import__"}
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.add(node.args[0].value)
    return {name.split(".")[0] for name in names}


def project_files() -> list[Path]:
    return [
        path
        for path in sorted(REPO_ROOT.rglob("*.py"))
        if not any(part in NOT_PROJECT_DIRS or part.startswith(".") for part in path.relative_to(REPO_ROOT).parts)
    ]


def importers(modules: set[str], files: list[Path]) -> list[str]:
    """The files that import any of `modules` (a file that does not parse is searched as text)."""
    found = []
    for path in files:
        source = path.read_text(encoding="utf-8", errors="replace")
        try:
            hit = bool(imported_modules(source) & modules)
        except SyntaxError:
            hit = any(re.search(rf"^\s*(from|import)\s+{re.escape(name)}\b", source, re.MULTILINE) for name in modules)
        if hit:
            found.append(str(path.relative_to(REPO_ROOT)))
    return found


def installed_packages() -> list[dict[str, str]]:
    command = [sys.executable, "-m", "piplicenses", "--from=all", "--with-system", "--format=json"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return sorted(json.loads(output), key=lambda package: package["Name"].lower())


@dataclass
class Verdict:
    name: str
    version: str
    licence: str
    problem: str = ""
    note: str = ""


def judge(package: dict[str, str], policy: dict[str, Any]) -> Verdict:
    name, version = package["Name"], package["Version"]
    aliases: dict[str, str] = policy["aliases"]
    allowed = set(policy["policy"]["allowed"])
    reviewed = {canonical(key): value for key, value in policy.get("packages", {}).items()}.get(canonical(name))
    try:
        licence, source = read_licence(package, aliases)
        shown = str(licence)
    except UnreadableLicenceError as error:
        first_line = str(error).strip().splitlines()[0]
        licence, source, shown = (
            None,
            "",
            first_line if len(first_line) <= SHOWN_CHARS else first_line[: SHOWN_CHARS - 3] + "...",
        )
    verdict = Verdict(name, version, shown)

    if reviewed and reviewed.get("separate_process"):
        modules, files = top_level_modules(name), project_files()
        named = " or ".join(sorted(modules))
        if users := importers(modules, files):
            verdict.problem = f"allowed only as a separate process, but {', '.join(users)} imports {named}"
        else:
            verdict.note = f"none of the {len(files)} project Python files imports {named}"
        return verdict
    if reviewed and "licence" in reviewed:
        if reviewed.get("version") != version:
            verdict.problem = (
                f"licence reviewed for version {reviewed.get('version')}, installed {version}: review again"
            )
            return verdict
        licence, source = parse_expression(reviewed["licence"], aliases), "reviewed"
        verdict.licence, verdict.note = str(licence), f"reviewed for {version} (metadata: {shown})"
    if licence is None:
        verdict.problem = f"licence {shown!r} cannot be read: review the package and add it to the policy"
    elif refused := licence.refused(allowed):
        verdict.problem = f"not allowed: {', '.join(dict.fromkeys(refused))} (from its {source})"
    return verdict


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every package with its licence")
    args = parser.parse_args()

    policy = tomllib.loads(POLICY.read_text(encoding="utf-8"))
    verdicts = [judge(package, policy) for package in installed_packages()]
    installed = {canonical(verdict.name) for verdict in verdicts}

    print(
        f"Licences of {len(verdicts)} installed packages (pip-licenses {metadata.version('pip-licenses')}), "
        f"policy {POLICY.relative_to(REPO_ROOT)}:"
    )
    if args.list:
        for verdict in verdicts:
            status = "FAIL" if verdict.problem else "ok  "
            print(f"  {status} {verdict.name} {verdict.version}: {verdict.licence}")
    for licence, count in Counter(verdict.licence for verdict in verdicts).most_common():
        print(f"  {count:4d}  {licence}")
    reasons = {canonical(key): entry["reason"] for key, entry in policy.get("packages", {}).items()}
    for verdict in verdicts:
        if verdict.note and not verdict.problem:
            summary = reasons[canonical(verdict.name)].split(". ")[0].rstrip(".")
            print(f"reviewed: {verdict.name} {verdict.version} ({verdict.licence}): {summary}; {verdict.note}")
    for key in policy.get("packages", {}):
        if canonical(key) not in installed:
            print(f"note: the policy reviews {key}, which is not installed (remove the entry if it is gone for good)")
    problems = [verdict for verdict in verdicts if verdict.problem]
    for verdict in problems:
        print(f"VIOLATION: {verdict.name} {verdict.version} ({verdict.licence}): {verdict.problem}")
    if problems:
        print(f"licences: FAILED ({len(problems)} of {len(verdicts)} packages)")
        return 1
    print(f"licences: passed ({len(verdicts)} packages)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
