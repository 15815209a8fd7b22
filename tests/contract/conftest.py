"""A failed test that fuzzed under a seed names it in its report, so it can be replayed: schemathesis
gathers its failures into one report of its own, so a note on the exception would be lost."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from collections.abc import Generator


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    replay_note = getattr(getattr(item, "module", None), "replay_note", None)
    note = replay_note(getattr(item, "originalname", item.name)) if replay_note and report.failed else None
    if note and call.when == "call":
        report.sections.append(("fuzzing seed", note))
    return report
