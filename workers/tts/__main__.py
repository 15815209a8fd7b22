"""python -m workers.tts (--text "..." | --phrases A B ... | --recording FILE) --out prompt.mp3

Writes the MP3 and prints what was rendered as JSON. A TtsError prints {"error": {...}} and exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workers.tts.errors import TtsError
from workers.tts.render import normalise_recording, render_prompt
from workers.tts.voices import EspeakVoice


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.recording:
            clip = normalise_recording(Path(args.recording).read_bytes())
        else:
            voice = EspeakVoice(args.voice, args.wpm)
            clip = render_prompt(args.text, args.phrases, voice=voice, phrase_pause_ms=args.pause_ms)
    except TtsError as error:
        print(json.dumps({"error": error.to_dict()}, indent=2))
        return 2
    Path(args.out).write_bytes(clip.data)
    summary = {"out": args.out, "bytes": len(clip.data), "duration_seconds": clip.duration_seconds}
    print(json.dumps({**summary, "voice": clip.voice, "sha256": clip.sha256}, indent=2))
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workers.tts", description="Render prompt audio as MP3.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--text", help="text to speak")
    source.add_argument("--phrases", nargs="+", help="phrases to speak in this order, with pauses")
    source.add_argument("--recording", help="an audio file to normalise instead (webm, ogg, mp3, m4a, wav)")
    parser.add_argument("--out", required=True, help="where to write the MP3")
    parser.add_argument("--voice", default="en-us", help="espeak-ng voice (default en-us)")
    parser.add_argument("--wpm", type=int, default=150, help="words per minute (default 150)")
    parser.add_argument("--pause-ms", type=int, default=600, help="pause between phrases (default 600)")
    return parser


if __name__ == "__main__":
    sys.exit(main())
