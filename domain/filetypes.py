"""What a file is, judged by its bytes (libmagic), never by its name."""

from __future__ import annotations

import magic

SNIFF_BYTES = 8192
# Recordings accepted anywhere (spoken answers, prompt recordings), as sniffed: what browsers record
# (webm/opus, ogg, mp4/aac) and the usual files (mp3, wav, flac).
AUDIO_TYPES = frozenset(
    {"audio/webm", "audio/ogg", "audio/mpeg", "audio/mp4", "audio/wav", "video/webm", "audio/x-flac", "audio/flac"}
)

# libmagic names some formats differently from what browsers send; map to one spelling.
_CANONICAL = {
    "audio/x-wav": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "video/mp4": "audio/mp4",
    "application/csv": "text/csv",
}


def sniff(head: bytes, filename: str | None = None) -> str:
    """The content type of a file from its first bytes. Plain text named .csv counts as CSV."""
    detected = magic.from_buffer(head, mime=True)
    detected = _CANONICAL.get(detected, detected)
    if detected == "text/plain" and filename and filename.lower().endswith(".csv"):
        return "text/csv"
    return detected
