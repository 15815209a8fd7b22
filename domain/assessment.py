"""The assessment vocabulary: item types and their sections, levels, which items a student
hears, and what of an item a student may ever see.

`student_prompt` is the one place that decides what of an item reaches a student: it is built
from an allow-list per type, so a field added to an item's content later stays hidden until
someone decides a student may see it. No reference text, accepted answer or correct option is
in any list.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from domain.jobkinds import DEFAULT, SCORING

if TYPE_CHECKING:
    from collections.abc import Mapping

SPOKEN_TYPES = ("read_aloud", "repeat", "sentence_builds", "short_answer", "story_retelling", "open_question")
WRITTEN_TYPES = ("typing", "sentence_completion", "dictation", "passage_reconstruction", "email_writing")
OBJECTIVE_TYPES = ("mcq",)
ITEM_TYPES = SPOKEN_TYPES + WRITTEN_TYPES + OBJECTIVE_TYPES
LEVELS = ("beginner", "intermediate", "advanced")
SECTIONS = ("spoken", "written", "mcq")

# Items whose prompt the student hears; the rest show it (mcq only when it has audio_text).
TYPES_WITH_PROMPT_AUDIO = frozenset({"repeat", "sentence_builds", "short_answer", "story_retelling", "dictation"})

# What a student may see of each type's content (everything else stays on the server).
_VISIBLE_CONTENT: dict[str, tuple[str, ...]] = {
    "read_aloud": ("text",),  # the passage to read aloud is the task itself
    "repeat": (),
    "sentence_builds": (),
    "short_answer": (),
    "story_retelling": (),
    "open_question": ("question",),
    "typing": ("passage",),  # the passage to type is the task itself
    "sentence_completion": ("sentence",),
    "dictation": (),
    "passage_reconstruction": ("passage",),  # shown for a limited time by the client, then hidden
    "email_writing": ("prompt", "point_descriptions"),
    "mcq": ("question", "options", "passage"),
}


# How often a student may play an item's prompt audio (the console enforces it; the page says so):
# a listening task is heard once, as in the test it models; dictation and mcq listening twice.
PROMPT_PLAYS = {"repeat": 1, "sentence_builds": 1, "short_answer": 1, "story_retelling": 1, "dictation": 2, "mcq": 2}

# Items served only one at a time (GET /attempts/<id>/items/<item_id>), which starts the item's
# clock on the server: typing is timed from that view to the answer, and the passage of a passage
# reconstruction is shown for its reading time from that view, then hidden. Any item with a time
# limit is served the same way, and its answer is refused past the limit (plus the grace).
CLOCKED_TYPES = frozenset({"typing", "passage_reconstruction"})
# Content a student may see only for a while after the item is opened: type -> (field, content
# field giving the seconds, default seconds).
SHOWN_FOR_A_WHILE: dict[str, tuple[str, str, int]] = {"passage_reconstruction": ("passage", "reading_seconds", 30)}

# Job kinds whose result a student may read: none of them carries a score, a reference text or
# a right/wrong flag. Any other job's result is withheld from students.
STUDENT_READABLE_JOB_RESULTS = frozenset({"upload", "answer_scoring", "attempt_settle"})


def scoring_queue(section: str) -> str:
    """Where an answer of this section is scored. Spoken answers take the speech model seconds of
    CPU each and go to the scoring queue (its workers scale with a cohort's recordings); written
    and multiple-choice answers take milliseconds and go to the default queue, so a student's
    typed answer never waits behind a whole class's recordings (issue 23's cohort run: 276 s).
    """
    return SCORING if section == "spoken" else DEFAULT


def section_of(item_type: str) -> str:
    """The section of an item type: spoken, written or mcq."""
    if item_type in SPOKEN_TYPES:
        return "spoken"
    if item_type in WRITTEN_TYPES:
        return "written"
    if item_type in OBJECTIVE_TYPES:
        return "mcq"
    msg = f"unknown item type {item_type!r}"
    raise ValueError(msg)


def is_clocked(item_type: str, time_limit_seconds: int | None) -> bool:
    """Whether the item is served one at a time with a server clock (see CLOCKED_TYPES)."""
    return item_type in CLOCKED_TYPES or time_limit_seconds is not None


def shown_for_seconds(item_type: str, content: Mapping[str, Any]) -> tuple[str, int] | None:
    """(field, seconds) of content shown only for a while after the item is opened; None if none."""
    if item_type not in SHOWN_FOR_A_WHILE:
        return None
    name, seconds_field, default = SHOWN_FOR_A_WHILE[item_type]
    return name, int(content.get(seconds_field) or default)


def needs_prompt_audio(item_type: str, content: Mapping[str, Any]) -> bool:
    return item_type in TYPES_WITH_PROMPT_AUDIO or (item_type == "mcq" and bool(content.get("audio_text")))


def student_prompt(item_type: str, content: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an item's content a student may see while taking a test."""
    shown = {name: content[name] for name in _VISIBLE_CONTENT[item_type] if name in content}
    if item_type == "email_writing":
        shown["point_descriptions"] = [point.get("description") for point in content.get("points") or []]
    return shown
