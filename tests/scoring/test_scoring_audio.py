"""Audio in: accepted formats decode; every kind of bad audio ends in its own error code
and the calling process carries on."""

from __future__ import annotations

import os
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from workers.scoring import AudioError, AudioLimits, load_audio, score_spoken_answer

CLIP_TEXT = "The students finished their homework before the library closed."


@pytest.fixture(scope="session")
def clean_clip(read_aloud_clips) -> Path:
    return read_aloud_clips["library"]["correct"]


@pytest.fixture(scope="session")
def bad_files(speech_set, clean_clip) -> dict[str, Path]:
    """Hostile or broken uploads, keyed by the error code each must produce."""
    directory = speech_set.path("bad")
    directory.mkdir(exist_ok=True)
    files: dict[str, Path] = {}

    def write(name: str, data: bytes) -> Path:
        path = directory / name
        path.write_bytes(data)
        return path

    files["zero_length"] = write("empty.wav", b"")
    files["text_named_wav"] = write("notes.wav", b"This is a text file, not a recording.\n" * 20)
    files["random_bytes"] = write("random.webm", np.random.default_rng(7).bytes(40_000))
    webm = speech_set.convert("clean.webm", clean_clip, "-c:a", "libopus")
    files["truncated_webm"] = write("truncated.webm", webm.read_bytes()[:400])
    wav = bytearray(clean_clip.read_bytes())
    wav[20:22] = struct.pack("<H", 0x7777)  # a WAVE format tag no decoder knows
    files["unknown_sample_format"] = write("unknown-format.wav", bytes(wav))
    files["playlist"] = write("playlist.wav", f"ffconcat version 1.0\nfile '{clean_clip.name}'\n".encode())
    header_only = bytearray(clean_clip.read_bytes()[:44])
    files["header_without_samples"] = write("header-only.wav", bytes(header_only))
    files["two_hour_silence"] = _ffmpeg_lavfi(directory / "silent-2h.flac", 7200)
    # A bomb: 2 MB of FLAC that decodes to 3 hours; written to a pipe, so its header states no duration.
    files["bomb"] = _ffmpeg_lavfi(directory / "bomb.wav", 3 * 3600, to_pipe=True)
    return files


def _ffmpeg_lavfi(path: Path, seconds: int, to_pipe: bool = False) -> Path:
    command = [
        "ffmpeg",
        "-v",
        "error",
        "-y",
        "-f",
        "lavfi",
        "-i",
        "anullsrc=r=8000:cl=mono",
        "-t",
        str(seconds),
        "-c:a",
        "flac",
    ]
    if to_pipe:
        with path.open("wb") as out:
            subprocess.run([*command, "-f", "flac", "pipe:1"], stdout=out, check=True, timeout=60)
    else:
        subprocess.run([*command, str(path)], check=True, timeout=60)
    return path


EXPECTED_CODES = {
    "zero_length": "audio_empty",
    "text_named_wav": "audio_undecodable",
    "random_bytes": "audio_undecodable",
    "truncated_webm": "audio_undecodable",
    "unknown_sample_format": "audio_undecodable",
    "playlist": "audio_unsupported_format",
    "header_without_samples": "audio_empty",
    "two_hour_silence": "audio_too_long",
    "bomb": "audio_too_long",
}


@pytest.mark.parametrize("case", sorted(EXPECTED_CODES))
def test_bad_audio_gets_its_error_code(bad_files, case):
    with pytest.raises(AudioError) as raised:
        load_audio(bad_files[case])
    assert raised.value.code == EXPECTED_CODES[case]
    assert raised.value.message


def test_scoring_bad_audio_raises_the_same_code_and_the_process_carries_on(bad_files, clean_clip):
    for case in ("bomb", "text_named_wav", "zero_length"):
        with pytest.raises(AudioError) as raised:
            score_spoken_answer(bad_files[case], CLIP_TEXT)
        assert raised.value.code == EXPECTED_CODES[case]
    assert len(load_audio(clean_clip)) > 16000


def test_bytes_input_is_checked_like_files(clean_clip):
    with pytest.raises(AudioError) as raised:
        load_audio(b"")
    assert raised.value.code == "audio_empty"
    with pytest.raises(AudioError) as raised:
        load_audio(clean_clip.read_bytes(), AudioLimits(max_bytes=1000))
    assert raised.value.code == "audio_too_large"
    assert np.array_equal(load_audio(clean_clip.read_bytes()), load_audio(clean_clip))


def test_size_cap_refuses_before_decoding(clean_clip):
    with pytest.raises(AudioError) as raised:
        load_audio(clean_clip, AudioLimits(max_bytes=clean_clip.stat().st_size - 1))
    assert raised.value.code == "audio_too_large"
    assert raised.value.details["max_bytes"] == clean_clip.stat().st_size - 1


def test_duration_cap(clean_clip):
    with pytest.raises(AudioError) as raised:
        load_audio(clean_clip, AudioLimits(max_duration_s=1.0))
    assert raised.value.code == "audio_too_long"


def test_decode_time_cap(clean_clip):
    with pytest.raises(AudioError) as raised:
        load_audio(clean_clip, AudioLimits(decode_timeout_s=0.001, probe_timeout_s=0.001))
    assert raised.value.code == "audio_decode_timeout"


def test_missing_file():
    with pytest.raises(AudioError) as raised:
        load_audio("/nonexistent/answer.webm")
    assert raised.value.code == "audio_not_found"


BROWSER_AND_PHONE_FORMATS = {
    "answer.webm": ["-c:a", "libopus"],
    "answer-opus.ogg": ["-c:a", "libopus"],
    "answer-vorbis.ogg": ["-c:a", "libvorbis"],
    "answer.mp3": ["-c:a", "libmp3lame"],
    "answer.m4a": ["-c:a", "aac"],
    "answer-44k-stereo.wav": ["-ar", "44100", "-ac", "2"],
    "answer-8k-u8.wav": ["-ar", "8000", "-c:a", "pcm_u8"],
    "answer-24bit.wav": ["-c:a", "pcm_s24le"],
    "answer-float.wav": ["-c:a", "pcm_f32le"],
    "answer-alaw.wav": ["-ar", "8000", "-c:a", "pcm_alaw"],
}


@pytest.mark.parametrize("name", sorted(BROWSER_AND_PHONE_FORMATS))
def test_common_formats_decode_to_16k_mono(speech_set, clean_clip, name):
    converted = speech_set.convert(name, clean_clip, *BROWSER_AND_PHONE_FORMATS[name])
    samples = load_audio(converted)
    reference = load_audio(clean_clip)
    assert samples.dtype == np.float32
    assert samples.ndim == 1
    assert abs(len(samples) - len(reference)) < 0.15 * 16000  # codec padding differs a little
    assert 0.05 < float(np.abs(samples).max()) <= 1.0


def test_a_webm_answer_scores_like_the_wav(speech_set, clean_clip, score):
    webm = speech_set.convert("answer.webm", clean_clip, *BROWSER_AND_PHONE_FORMATS["answer.webm"])
    assert score(webm, CLIP_TEXT)["features"]["content"]["word_accuracy"] == 1.0


def test_decoder_children_do_not_outlive_a_timeout(clean_clip):
    before = _children()
    for _ in range(3):
        with pytest.raises(AudioError):
            load_audio(clean_clip, AudioLimits(decode_timeout_s=0.001, probe_timeout_s=0.001))
    assert _children() <= before


def _children() -> set[int]:
    own = os.getpid()
    children = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == own and fields[0] != "Z":
                children.add(int(entry.name))
    return children
