"""requirements.lock is requirements/*.txt resolved: every package pinned and hashed, the pins the same,
and what `make install` and the image install (devtools/lockfile.py)."""

from __future__ import annotations

import re
from importlib import metadata

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

from devtools.lockfile import (
    INSTALLERS,
    LOCK,
    NOT_IN_IMAGE,
    canonical,
    check,
    included_files,
    read_lock,
    read_pins,
    runtime,
    runtime_text,
)
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.unit

HASH = "--hash=sha256:" + "ab" * 32


def locked() -> dict:
    return read_lock(LOCK.read_text(encoding="utf-8"))


def applies(marker: str) -> bool:
    return not marker or Marker(marker).evaluate()


def test_the_lock_pins_every_requirement_the_same_way_and_hashes_every_package():
    assert check() == [], "run `make lock`"
    lock = locked()
    assert len(lock) > 100  # the transitive packages are there too
    for entry in lock.values():
        assert entry.op == "==", entry.name
        assert entry.hashes, entry.name
    for name in ("kombu", "amqp", "werkzeug", "botocore", "pip", "setuptools", "uv"):
        assert name in lock


def test_every_requirement_file_is_in_requirements_txt():
    assert sorted(included_files()) == sorted(
        str(path.relative_to(REPO_ROOT)) for path in (REPO_ROOT / "requirements").glob("*.txt")
    )


def test_this_environment_is_the_lock():
    """`make install` installed every locked package that applies here, at its locked version."""
    installed = {canonical(dist.metadata["Name"]): dist.version for dist in metadata.distributions()}
    wrong = {
        entry.name: (entry.version, installed.get(key))
        for key, entry in locked().items()
        if applies(entry.marker) and installed.get(key) != entry.version
    }
    assert wrong == {}, "locked version, installed version: run `make install`"


def test_the_image_gets_what_the_runtime_files_need_and_nothing_more():
    """The lock's `# via` lines give the same set as the installed packages' own requirements."""
    lock = locked()
    files = [name for name in included_files() if name not in NOT_IN_IMAGE]
    chosen = {canonical(entry.name) for entry in runtime(lock, files) if applies(entry.marker)}

    seen: set[tuple[str, frozenset[str]]] = set()
    queue = [(canonical(pin.name), frozenset(pin.extras)) for name in files for pin in read_pins(REPO_ROOT / name)]
    while queue:
        name, extras = queue.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            marker = requirement.marker
            if marker is None or any(marker.evaluate({"extra": extra}) for extra in extras | {""}):
                queue.append((canonical(requirement.name), frozenset(requirement.extras)))
    needed = {name for name, _ in seen} | set(INSTALLERS)

    assert chosen == needed
    for tool in ("pytest", "mypy", "ruff", "secantusdb", "moto", "pip-audit", "uv", "playwright", "locust"):
        assert tool not in chosen


def test_the_image_part_is_the_locked_entries_unchanged():
    text = runtime_text()
    whole = set(LOCK.read_text(encoding="utf-8").splitlines())
    for line in text.splitlines():
        assert line.startswith("#") or line in whole
    assert "flask==" in text
    assert "pytest==" not in text


def test_the_check_names_each_way_the_lock_can_differ(tmp_path):
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements.txt").write_text("-r requirements/app.txt\n")
    (tmp_path / "requirements" / "app.txt").write_text(
        "# app\nflask==3.1.3  # the API\ncelery[redis]==5.7.0\nnew-thing==1.0\nloose>=2\n"
    )
    (tmp_path / "requirements.lock").write_text(
        "# header\n"
        f"flask==3.1.2 \\\n    {HASH}\n    # via -r requirements/app.txt\n"
        f"celery==5.7.0 \\\n    {HASH}\n    # via -r requirements/app.txt\n"
        f"redis==8.1.0 ; python_version >= '3.10' \\\n    {HASH}\n    # via\n    #   celery\n"
        "    #   gone-parent\n"
        "unhashed==1.0\n    # via -r requirements/app.txt\n"
        f"loose==2.0 \\\n    {HASH}\n    # via -r requirements/app.txt\n"
    )
    found = check(tmp_path / "requirements.lock", tmp_path / "requirements.txt")
    assert found == [
        "requirements/app.txt:2: flask==3.1.3, but requirements.lock has 3.1.2",
        "requirements/app.txt:4: new-thing==1.0 is not in requirements.lock",
        "requirements/app.txt:5: loose is not an exact pin (name==version)",
        "requirements.lock: redis is there for gone-parent, which is not locked",
        "requirements.lock: unhashed has no --hash",
        "requirements.lock: unhashed is there for requirements/app.txt, which no longer names it",
    ]
    lock = read_lock((tmp_path / "requirements.lock").read_text())
    assert lock["redis"].marker == "python_version >= '3.10'"
    assert [entry.name for entry in runtime(lock, ["requirements/app.txt"])] == [
        "flask",
        "celery",
        "redis",
        "unhashed",
        "loose",
    ]
    assert check(tmp_path / "missing.lock", tmp_path / "requirements.txt") == ["missing.lock is missing"]


def test_make_and_the_image_install_only_from_the_lock_with_hashes():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    venv_rule = makefile.split("$(VENV)/.installed: ", 1)[1].split("\n\n", 1)[0]
    assert venv_rule.startswith("$(LOCK)")
    assert "LOCK := requirements.lock" in makefile
    assert re.search(r"pip install .*--require-hashes --no-deps -r \$\(LOCK\)", venv_rule)
    dockerfile = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY requirements.txt requirements.lock" in dockerfile
    assert re.search(r"pip install --require-hashes --no-deps -r requirements\.runtime\.lock", dockerfile)
    assert not re.search(r"pip install (-r )?requirements(\.runtime)?\.txt", dockerfile)
