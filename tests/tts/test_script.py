"""What is spoken for each item type, and the shuffled order of sentence-builds phrases."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from bson import ObjectId

from jobs.items import audio as item_audio
from jobs.items.audio import order_seed
from workers.tts import TYPES_WITH_PROMPT_AUDIO, TtsError, prompt_script, spoken_order
from workers.tts.errors import PROMPT_CONTENT_INVALID

ROOT = Path(__file__).resolve().parents[2]
PHRASES = ["after the meeting", "the manager will", "send the report", "to the whole team"]
SEEDS = [f"item-{number}" for number in range(300)]


def test_the_order_is_the_same_for_the_same_seed():
    assert spoken_order(PHRASES, "item-42") == spoken_order(PHRASES, "item-42")


def test_the_order_does_not_depend_on_the_process():
    """str seeds go through SHA-512 in random.seed, so hash randomisation does not change the order."""
    script = f"from workers.tts import spoken_order; import json; print(json.dumps(spoken_order({PHRASES!r}, 'x')))"
    orders = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout
        for hash_seed in ("1", "2")
    }
    assert [json.loads(order) for order in orders] == [spoken_order(PHRASES, "x")]


@pytest.mark.parametrize("phrases", [PHRASES, PHRASES[:3], ["a", "a", "b"], ["b", "a", "a"]])
def test_three_or_more_phrases_are_a_permutation_and_never_the_original(phrases):
    for seed in SEEDS:
        order = spoken_order(phrases, seed)
        assert sorted(order) == sorted(phrases)
        assert order != phrases, seed


def test_two_phrases_come_in_either_order_with_even_odds():
    """The only other order is the reverse: always reversing would give the answer away."""
    orders = [spoken_order(PHRASES[:2], seed) for seed in SEEDS]
    assert all(sorted(order) == sorted(PHRASES[:2]) for order in orders)
    reversed_ = sum(order == PHRASES[:2][::-1] for order in orders)
    assert 100 < reversed_ < 200, reversed_


def test_every_order_but_the_answer_is_equally_likely():
    """A draw that gives the answer back is drawn again, not turned into one favoured order."""
    counts = Counter(tuple(spoken_order(PHRASES[:3], f"item-{number}")) for number in range(3000))
    assert tuple(PHRASES[:3]) not in counts
    assert len(counts) == 5
    assert all(480 < count < 720 for count in counts.values()), counts


def test_over_many_items_the_spoken_order_is_not_always_the_reverse_and_never_the_answer():
    """Through the item bank's own seed (one per item id), as a prompt_audio job renders them."""
    two, four = PHRASES[:2], PHRASES
    spoken_two, spoken_four = [], []
    for _ in range(300):
        seed = order_seed(str(ObjectId()))
        spoken_two.append(prompt_script("sentence_builds", {"phrases": two, "text": " ".join(two)}, seed)[1])
        spoken_four.append(prompt_script("sentence_builds", {"phrases": four, "text": " ".join(four)}, seed)[1])
    assert two[::-1] in spoken_two
    assert two in spoken_two  # not always the reverse
    assert four not in spoken_four
    assert len({tuple(order) for order in spoken_four}) > 12


def test_the_item_seed_is_fixed_per_item_and_keyed_by_the_secret(monkeypatch, settings):
    item_id = "65a000000000000000000001"
    seed = order_seed(item_id)
    assert seed == order_seed(item_id)  # a re-render speaks the same order
    assert item_id not in seed
    assert order_seed("65a000000000000000000002") != seed
    rotated = dataclasses.replace(settings, secret_key="another-secret-" + "x" * 32)
    monkeypatch.setattr(item_audio, "get_settings", lambda: rotated)
    assert order_seed(item_id) != seed  # students see the id; without the secret it gives nothing


def test_seeds_give_different_orders():
    assert len({tuple(spoken_order(PHRASES, seed)) for seed in SEEDS}) > 12


def test_phrases_that_cannot_be_reordered_are_kept():
    assert spoken_order(["only one"], "s") == ["only one"]
    assert spoken_order(["same", "same"], "s") == ["same", "same"]
    assert spoken_order([], "s") == []


def test_the_phrases_given_are_not_changed():
    phrases = list(PHRASES)
    spoken_order(phrases, "s")
    assert phrases == PHRASES


def test_one_string_is_not_a_list_of_phrases():
    with pytest.raises(TypeError):
        spoken_order("not a list", "s")


@pytest.mark.parametrize(
    ("item_type", "content", "expected"),
    [
        ("repeat", {"text": "Please repeat this."}, ("Please repeat this.", None)),
        ("short_answer", {"question": "What is ice?", "accepted_answers": ["water"]}, ("What is ice?", None)),
        ("story_retelling", {"story": "Once upon a time.", "key_ideas": ["time"]}, ("Once upon a time.", None)),
        ("dictation", {"text": "Write this down."}, ("Write this down.", None)),
        ("mcq", {"question": "Q?", "options": ["a", "b"], "answer": 0, "audio_text": "Listen."}, ("Listen.", None)),
        ("mcq", {"question": "Q?", "options": ["a", "b"], "answer": 0}, (None, None)),
        ("read_aloud", {"text": "Read this yourself."}, (None, None)),
        ("open_question", {"question": "Why?"}, (None, None)),
        ("typing", {"passage": "Type this."}, (None, None)),
        ("email_writing", {"prompt": "Write.", "points": []}, (None, None)),
        ("no_such_type", {"text": "x"}, (None, None)),
    ],
)
def test_what_is_spoken_per_item_type(item_type, content, expected):
    assert prompt_script(item_type, content, "seed") == expected


def test_sentence_builds_speaks_its_phrases_in_the_spoken_order():
    content = {"phrases": PHRASES, "text": " ".join(PHRASES)}
    assert prompt_script("sentence_builds", content, "item-7") == (None, spoken_order(PHRASES, "item-7"))
    assert prompt_script("sentence_builds", content, "item-7")[1] != PHRASES


def test_every_type_with_prompt_audio_gives_something_to_speak():
    content = {"text": "t", "question": "q", "story": "s", "phrases": ["a", "b"]}
    for item_type in TYPES_WITH_PROMPT_AUDIO:
        assert prompt_script(item_type, content, "seed") != (None, None), item_type
    assert "mcq" not in TYPES_WITH_PROMPT_AUDIO  # it has prompt audio only with audio_text


@pytest.mark.parametrize(
    ("item_type", "content"),
    [
        ("repeat", {}),
        ("repeat", {"text": "   "}),
        ("dictation", {"text": 42}),
        ("short_answer", {"accepted_answers": ["x"]}),
        ("story_retelling", {"story": None}),
        ("mcq", {"audio_text": ["not", "text"]}),
        ("sentence_builds", {"text": "no phrases"}),
        ("sentence_builds", {"phrases": []}),
        ("sentence_builds", {"phrases": "one string"}),
        ("sentence_builds", {"phrases": ["ok", ""]}),
    ],
)
def test_content_without_what_is_spoken_is_refused(item_type, content):
    with pytest.raises(TtsError) as raised:
        prompt_script(item_type, content, "seed")
    assert raised.value.code == PROMPT_CONTENT_INVALID
    assert raised.value.details["item_type"] == item_type
