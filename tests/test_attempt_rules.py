"""The rules of an attempt (domain/attempts.py), without servers: the seeded draw, the deadline,
what the form keeps of an item, and typing time as the server measures it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.attempts import NotEnoughItems, attempt_deadline, drawn_item_ids, form_entry, server_timing

pytestmark = pytest.mark.unit

BANK = {"read_aloud": [f"ra{i}" for i in range(10)], "mcq": [f"mc{i}" for i in range(6)]}
SECTIONS = [{"item_ids": ["fixed1", "fixed2"]}, {"type": "read_aloud", "count": 3}, {"type": "mcq", "count": 2}]


def _candidates(section):
    return BANK[section["type"]]


def test_the_same_seed_draws_the_same_form_and_other_seeds_draw_others():
    first = drawn_item_ids(SECTIONS, "seed-a", _candidates)
    assert first == drawn_item_ids(SECTIONS, "seed-a", _candidates)  # a resume shows the same items
    assert first[:2] == ["fixed1", "fixed2"]
    assert len(first) == len(set(first)) == 7
    assert set(first[2:5]) <= set(BANK["read_aloud"])
    assert set(first[5:]) <= set(BANK["mcq"])
    forms = {tuple(drawn_item_ids(SECTIONS, f"seed-{n}", _candidates)) for n in range(20)}
    assert len(forms) > 1


def test_an_item_is_drawn_once_even_when_two_sections_share_a_bank():
    sections = [{"item_ids": ["ra0"]}, {"type": "read_aloud", "count": 9}]
    drawn = drawn_item_ids(sections, "s", _candidates)
    assert sorted(drawn) == sorted(BANK["read_aloud"])


def test_a_section_asking_for_more_than_the_bank_has_names_the_section():
    with pytest.raises(NotEnoughItems) as short:
        drawn_item_ids([{"type": "mcq", "count": 2}, {"type": "mcq", "count": 5}], "s", _candidates)
    assert short.value.section == 1


def test_the_deadline_is_the_attempts_own_time_cut_short_by_the_window():
    start = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert attempt_deadline(start, 30, start + timedelta(hours=2)) == start + timedelta(minutes=30)
    assert attempt_deadline(start, 30, start + timedelta(minutes=10)) == start + timedelta(minutes=10)


def test_the_form_keeps_what_answering_needs():
    mcq = {"type": "mcq", "module": "listening", "content": {"options": ["a", "b", "c"]}}
    assert form_entry("i1", mcq) == {
        "item_id": "i1",
        "type": "mcq",
        "section": "mcq",
        "module": "listening",
        "time_limit_seconds": None,
        "option_count": 3,
    }
    typing = form_entry("i2", {"type": "typing", "time_limit_seconds": 60, "content": {}})
    assert (typing["section"], typing["time_limit_seconds"]) == ("written", 60)
    assert "option_count" not in typing


def test_typing_time_is_the_servers_and_a_disagreeing_client_is_flagged():
    assert server_timing(None, 61.23456) == {"elapsed_seconds": 61.235}
    assert server_timing(62.0, 61.0)["timing_disagrees"] is False
    assert server_timing(30.0, 61.0)["timing_disagrees"] is True  # over max(5 s, 20 %)
    assert server_timing(58.0, 100.0)["timing_disagrees"] is True
    assert server_timing(85.0, 100.0)["timing_disagrees"] is False
