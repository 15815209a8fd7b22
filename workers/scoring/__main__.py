"""python -m workers.scoring <audio> --text "..." [--item-type read_aloud] [--accept "..."]
                             [--key-idea "..."] [--max-seconds 30]

Prints the result as JSON on stdout. A ScoringError prints {"error": {...}} and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from workers.scoring.engine import ITEM_TYPES, score_spoken_answer
from workers.scoring.errors import ScoringError
from workers.scoring.mapping import CURRENT_VERSION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.scoring", description="Score a spoken answer.")
    parser.add_argument("audio", help="audio file (webm, ogg, mp3, m4a, wav, flac)")
    parser.add_argument(
        "--text",
        required=True,
        help="expected text (short_answer: the reference answer; story_retelling: the story; "
        "open_question: the question)",
    )
    parser.add_argument("--item-type", default="read_aloud", choices=ITEM_TYPES)
    parser.add_argument("--accept", action="append", default=[], help="another accepted answer (repeatable)")
    parser.add_argument(
        "--key-idea",
        action="append",
        default=[],
        help="story_retelling: a key idea to look for (repeatable; default: the story's sentences)",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=None, help="the item's time limit: a longer answer is cut to it"
    )
    parser.add_argument("--version", default=CURRENT_VERSION, help="scoring version (versions/<name>.json)")
    parser.add_argument("--indent", type=int, default=2)
    args = parser.parse_args(argv)
    try:
        result = score_spoken_answer(
            args.audio,
            args.text,
            args.item_type,
            args.accept,
            key_ideas=args.key_idea or None,
            max_answer_seconds=args.max_seconds,
            version=args.version,
        )
    except ScoringError as error:
        print(json.dumps({"error": error.to_dict()}, indent=args.indent))
        return 2
    except ValueError as error:
        print(json.dumps({"error": {"code": "invalid_argument", "message": str(error), "details": {}}}))
        return 2
    print(json.dumps(result, indent=args.indent))
    return 0


if __name__ == "__main__":
    sys.exit(main())
