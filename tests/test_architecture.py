"""The shape of the codebase, checked: imports flow one way, the API process loads no engine,
the store owns every collection, and queues and job kinds are named in one place."""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from domain.jobkinds import JOB_KINDS, PLAIN_TASKS, QUEUES

ROOT = Path(__file__).resolve().parent.parent
OURS = (
    "api",
    "schemas",
    "tasks",
    "jobs",
    "workers",
    "store",
    "services",
    "domain",
    "config",
    "security",
    "observability",
    "devstack",
    "celeryconfig",
)
BASE = {"domain", "config"}
# THE import rule (the README and ADR 0007 point here rather than restate it): package -> our
# packages (or modules) it may import.
ALLOWED: dict[str, set[str]] = {
    "domain": {"domain"},
    "config": {"config"},
    "security": {"security"},
    "observability": {"observability"},
    # (its command line, `python -m store`, sets up logging and hashes the development admin's password)
    "store": {"store", "security", "observability"} | BASE,
    "schemas": {"schemas"} | BASE,
    "services": {"services", "store", "security", "observability"} | BASE,
    # Engines: nothing that reads or writes data (no store, services, security); typed settings
    # (config), the row rules (schemas) and the log context (observability: a sender passes the
    # request and job ids on to the provider) only, so a script can run any of them (ADR 0021).
    "workers": {"workers", "schemas", "observability"} | BASE,
    # Job bodies: the store around the engines; what a task runs for a job.
    "jobs": {"jobs", "workers", "services", "store", "schemas", "security", "observability"} | BASE,
    "tasks": {"tasks", "jobs", "workers", "services", "store", "schemas", "observability"} | BASE,
    "api": {"api", "schemas", "services", "store", "security", "observability", "tasks.publish"} | BASE,
    # Celery's settings module (a file at the top): settings and the job kinds' queues only.
    "celeryconfig": BASE,
}
ENGINE_MODULES = (
    "numpy",
    "jiwer",
    "faster_whisper",
    "ctranslate2",
    "openpyxl",
    "pydub",
    "rapidfuzz",
    "sib_api_v3_sdk",
    "workers",
    "jobs",
)


def _our_imports(path: Path) -> set[str]:
    """Dotted names of our modules that `path` imports (absolute imports only; relative ones stay inside)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        found.update(name for name in names if name.split(".")[0] in OURS)
    return found


def _allowed(importer: str, imported: str) -> bool:
    return any(
        imported == rule or imported.startswith(rule + ".") or rule.startswith(imported + ".")
        for rule in ALLOWED[importer]
    )


def _files(package: str) -> list[Path]:
    """The Python files of a package, or the one module of that name at the top."""
    module = ROOT / f"{package}.py"
    return [module] if module.exists() else sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_flow_one_way(package):
    wrong = []
    for path in _files(package):
        for imported in _our_imports(path):
            if imported.split(".")[0] == package and package != "tasks":
                continue
            if not _allowed(package, imported):
                wrong.append(f"{path.relative_to(ROOT)} imports {imported}")
    assert not wrong, "\n".join(sorted(set(wrong)))


def test_no_module_takes_a_private_name_from_another_module():
    """A second user of a helper gets a public entry point (as the item file reader did with the
    roster's table reader), not the other module's `_private` pieces."""
    taken = [
        f"{path.relative_to(ROOT)} imports {node.module}.{alias.name}"
        for package in OURS
        for path in _files(package)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module and node.module.split(".")[0] in OURS
        for alias in node.names
        if alias.name.startswith("_") and not alias.name.startswith("__")
    ]
    assert not taken, "\n".join(taken)


def test_the_api_imports_only_the_publishing_side_of_tasks():
    for path in (ROOT / "api").rglob("*.py"):
        tasks_imports = {name for name in _our_imports(path) if name.split(".")[0] == "tasks"}
        allowed = {"submit", "kick_groups", "kick_notifications", "request_password_reset"}
        assert tasks_imports <= {"tasks.publish"} | {f"tasks.publish.{name}" for name in allowed}, path


def test_the_api_process_loads_no_engine():
    """create_app in a fresh interpreter: Flask, marshmallow, PyMongo, redis, boto3 and our thin
    layers, nothing of speech, spreadsheets or the Brevo SDK."""
    script = (
        "import json, sys\nfrom api.app import create_app\ncreate_app()\n"
        "print(json.dumps({'count': len(sys.modules), 'modules': sorted(sys.modules)}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    engines = [name for name in loaded["modules"] if name.split(".")[0] in ENGINE_MODULES]
    assert not engines, engines
    task_modules = [name for name in loaded["modules"] if name.startswith("tasks.")]
    assert set(task_modules) <= {"tasks.publish", "tasks.celery_app"}, task_modules


def test_no_collection_is_opened_outside_the_store():
    opened = re.compile(r"\bdb\[|get_db\(\)\[|\.db\[")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in ("api", "jobs", "workers", "tasks", "schemas", "services", "domain")
        for path in (ROOT / package).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if opened.search(line)
    ]
    assert not found, found


def test_every_procfile_worker_consumes_a_declared_queue_and_every_queue_has_a_worker():
    consumed = set()
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        match = re.search(r"\bworker\b.*-Q (\S+)", line)
        if match:
            consumed.update(match.group(1).split(","))
    assert consumed == set(QUEUES)


def test_every_declared_task_is_defined_with_its_queue():
    from tasks.celery_app import celery_app

    celery_app.loader.import_default_modules()
    routes = celery_app.conf.task_routes
    for kind in JOB_KINDS.values():
        if kind.name.startswith("test_"):
            continue
        assert kind.task in celery_app.tasks, kind
        assert routes[kind.task] == {"queue": kind.queue}, kind
    for name, queue in PLAIN_TASKS.items():
        assert name in celery_app.tasks, name
        assert routes[name] == {"queue": queue}, name
