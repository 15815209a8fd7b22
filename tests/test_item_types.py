"""Item types are named once (domain.assessment) and every engine covers exactly its share."""

from __future__ import annotations

import pytest

from domain.assessment import (
    ITEM_TYPES,
    OBJECTIVE_TYPES,
    SPOKEN_TYPES,
    TYPES_WITH_PROMPT_AUDIO,
    WRITTEN_TYPES,
    section_of,
)

pytestmark = pytest.mark.unit


def test_the_engines_score_exactly_the_types_of_their_section():
    from workers.scoring.engine import ITEM_TYPES as SPOKEN_ENGINE
    from workers.writing import ITEM_TYPES as WRITTEN_ENGINE

    assert tuple(SPOKEN_ENGINE) == SPOKEN_TYPES
    assert set(WRITTEN_ENGINE) == set(WRITTEN_TYPES)
    assert OBJECTIVE_TYPES == ("mcq",)


def test_every_type_has_one_section_and_one_content_schema():
    from schemas.items import CONTENT_SCHEMAS

    assert set(CONTENT_SCHEMAS) == set(ITEM_TYPES)
    assert len(set(ITEM_TYPES)) == len(ITEM_TYPES)
    assert {section_of(item_type) for item_type in ITEM_TYPES} == {"spoken", "written", "mcq"}


def test_the_types_a_student_hears_are_the_ones_the_renderer_speaks():
    from workers.tts.script import TYPES_WITH_PROMPT_AUDIO as SPOKEN_BY_RENDERER
    from workers.tts.script import prompt_script

    assert SPOKEN_BY_RENDERER == TYPES_WITH_PROMPT_AUDIO
    contents = {
        "repeat": {"text": "Close the door."},
        "short_answer": {"question": "What colour is the sky?"},
        "story_retelling": {"story": "A boy found a cat."},
        "dictation": {"text": "Bring your book."},
        "sentence_builds": {
            "phrases": ["to the shop", "she went", "on Monday"],
            "text": "She went to the shop on Monday.",
        },
    }
    for item_type in TYPES_WITH_PROMPT_AUDIO:
        text, phrases = prompt_script(item_type, contents[item_type], seed="s")
        assert text or phrases, item_type
