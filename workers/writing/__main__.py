"""Score one written answer from the command line and print the result as JSON.

python -m workers.writing --item-type dictation --item item.json --answer "the text typed"
python -m workers.writing --item-type typing --item item.json --answer-file typed.txt --elapsed-seconds 60
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workers.writing.errors import WritingScoringError
from workers.writing.scoring import ITEM_TYPES, score_written_answer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers.writing", description="Score one written answer.")
    parser.add_argument("--item-type", required=True, choices=ITEM_TYPES)
    parser.add_argument("--item", required=True, type=Path, help="JSON file with the item definition")
    answer = parser.add_mutually_exclusive_group(required=True)
    answer.add_argument("--answer", help="the answer text")
    answer.add_argument("--answer-file", type=Path, help="a UTF-8 file holding the answer ('-' for stdin)")
    parser.add_argument("--elapsed-seconds", type=float, help="time the candidate took (typing)")
    parser.add_argument("--version", help="scoring version, default the current one")
    args = parser.parse_args(argv)
    try:
        result = score_written_answer(
            args.item_type,
            _answer_text(args),
            json.loads(args.item.read_text("utf-8")),
            version=args.version,
            **_context(args),
        )
    except WritingScoringError as error:
        print(json.dumps({"error": error.to_dict()}, indent=2), file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0


def _answer_text(args: argparse.Namespace) -> str:
    answer: str | None = args.answer
    if answer is not None:
        return answer
    answer_file: Path = args.answer_file
    if str(answer_file) == "-":
        return sys.stdin.read()
    return answer_file.read_text("utf-8")


def _context(args: argparse.Namespace) -> dict[str, float]:
    return {} if args.elapsed_seconds is None else {"elapsed_seconds": args.elapsed_seconds}


if __name__ == "__main__":
    sys.exit(main())
