"""Render (or take an admin's recording of) an item's prompt audio and keep it in S3.

Synthetic speech comes from workers.tts (espeak-ng today, another voice behind the same
interface later); an uploaded recording is normalised the same way. The item records the
result only if no newer audio request came in meanwhile (`prompt_audio.rev`).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING, Any

from config import get_settings
from store import files, items
from workers.errors import WorkError
from workers.tts import RenderedAudio, TtsError, normalise_recording, prompt_script, render_prompt

if TYPE_CHECKING:
    from pymongo.database import Database


def audio_key(item_id: str, sha256: str) -> str:
    return f"items/{item_id}/prompt-{sha256[:16]}.mp3"


def store_prompt_audio(db: Database, item_id: str, rev: int, staged_key: str | None = None) -> dict[str, Any]:
    """Render the item's prompt (or normalise the staged recording), store it, record it on the item."""
    item = items.records.get(db, item_id)
    if item is None:
        raise WorkError("not_found", "The item no longer exists.")
    try:
        audio = _normalised_upload(staged_key) if staged_key else _synthesised(item)
    except TtsError as error:
        items.record_audio(
            db, item["_id"], rev, {"state": "failed", "error": {"code": error.code, "message": error.message}}
        )
        _drop(staged_key)
        raise WorkError(error.code, error.message) from None
    key = audio_key(item_id, audio.sha256)
    files.put_bytes(key, audio.data, audio.content_type)
    recorded = items.record_audio(
        db,
        item["_id"],
        rev,
        {
            "state": "ready",
            "key": key,
            "source": "upload" if staged_key else "tts",
            "voice": audio.voice,
            "duration_seconds": round(audio.duration_seconds, 2),
            "sha256": audio.sha256,
            "error": None,
        },
    )
    _drop(staged_key)
    return {
        "item_id": item_id,
        "state": "ready" if recorded else "superseded",
        "duration_seconds": round(audio.duration_seconds, 2),
    }


def order_seed(item_id: str) -> str:
    """The seed of an item's spoken phrase order: fixed per item, so a re-render gives the same clip,
    but keyed with SECRET_KEY, since a student sees the item id and could undo an order drawn from it.
    """
    secret = get_settings().secret_key.encode("utf-8")
    return hmac.new(secret, f"prompt-phrase-order:{item_id}".encode(), hashlib.sha256).hexdigest()


def _synthesised(item: dict[str, Any]) -> RenderedAudio:
    text, phrases = prompt_script(item["type"], item["content"], seed=order_seed(str(item["_id"])))
    if text is None and not phrases:
        raise TtsError("no_prompt_audio", f"A {item['type']} item has nothing to speak.")
    return render_prompt(text, phrases)


def _normalised_upload(staged_key: str) -> RenderedAudio:
    if files.head(staged_key) is None:
        raise TtsError("upload_missing", "The uploaded recording is no longer available; upload it again.")
    return normalise_recording(files.read_all(staged_key))


def _drop(staged_key: str | None) -> None:
    """The staged upload is deleted once it is stored or refused (a retry after an outage re-reads it)."""
    if staged_key:
        files.delete(staged_key)
