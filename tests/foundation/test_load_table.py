"""The cohort table in docs/capacity.md is the last cohort run's, written by bench/load_table.py from
bench/results/cohort.json: nobody types load figures by hand."""

from __future__ import annotations

import json

import pytest

from bench import load_table

pytestmark = pytest.mark.unit


def test_the_capacity_documents_cohort_table_is_the_results_files():
    figures = json.loads((load_table.REPO / "bench" / "results" / "cohort.json").read_text())
    document = load_table.DOCUMENT.read_text()
    assert load_table.rewrite(document, figures) == document, "run: .venv/bin/python -m bench.load_table"


def test_the_table_says_whether_each_target_was_met_and_what_the_checks_found():
    figures = json.loads((load_table.REPO / "bench" / "results" / "cohort.json").read_text())
    table = load_table.table(figures)
    assert f"{figures['students']} students" in table
    assert all(row["endpoint"] in table for row in figures["endpoints"])
    assert ("**met**" if figures["targets_met"] else "**missed**") in table
    assert table.count("Check, from MongoDB") == len(figures["checks"])
