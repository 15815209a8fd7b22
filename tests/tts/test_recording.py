"""Admins' own recordings: the common formats are normalised like a rendered prompt; anything empty,
over the limits or not audio is refused with its code, and no temporary file is left behind."""

from __future__ import annotations

import subprocess

import pytest

from tests.tts.support import decoded, ffmpeg_audio, ffmpeg_audio_files, probe, sox_audio, wav_bytes
from workers.tts import RECORDING_VOICE, TtsError, normalise_recording
from workers.tts import audio as tts_audio
from workers.tts.audio import TARGET_DBFS
from workers.tts.errors import AUDIO_EMPTY, AUDIO_TOO_LARGE, AUDIO_TOO_LONG, AUDIO_UNDECODABLE

TONE = "sine=frequency=440:duration=1.5:sample_rate=48000"
# Browser and phone formats, made from the tone: {file name: ffmpeg output arguments}.
FORMATS = {
    "tone.ogg": ["-c:a", "libvorbis", "-ac", "2"],
    "tone.webm": ["-c:a", "libopus"],
    "tone.m4a": ["-c:a", "aac"],
    "tone.mp3": ["-c:a", "libmp3lame"],
}


@pytest.fixture(scope="module")
def tone_files(tmp_path_factory) -> dict[str, bytes]:
    return ffmpeg_audio_files(tmp_path_factory.mktemp("formats"), TONE, FORMATS)


@pytest.fixture
def quiet_wav(tmp_path) -> bytes:
    """1.5 s of a tone at 44.1 kHz stereo, far quieter than the target, with 0.5 s of silence first."""
    return sox_audio(tmp_path / "quiet.wav", "synth", "1.5", "sine", "440", "vol", "0.02", "pad", "0.5", "0")


def test_a_quiet_wav_made_by_sox_is_normalised(quiet_wav):
    clip = normalise_recording(quiet_wav)
    info = probe(clip.data)
    assert (info["format"], int(info["sample_rate"]), info["channels"]) == ("mp3", 22050, 1)
    audio = decoded(clip.data)
    assert audio.dBFS == pytest.approx(TARGET_DBFS, abs=1.5)
    # The tone plus 200 ms of quiet at each end (the 0.5 s of leading silence is cut to 200 ms).
    assert clip.duration_seconds == pytest.approx(1.9, abs=0.05)
    assert clip.voice == RECORDING_VOICE
    assert clip.content_type == "audio/mpeg"


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_browser_and_phone_formats_made_by_ffmpeg_are_accepted(tone_files, name):
    clip = normalise_recording(tone_files[name])
    audio = decoded(clip.data)
    assert (audio.frame_rate, audio.channels) == (22050, 1)
    assert clip.duration_seconds == pytest.approx(1.9, abs=0.1)
    assert audio.dBFS == pytest.approx(TARGET_DBFS, abs=1.5)


def test_empty_bytes_are_audio_empty():
    with pytest.raises(TtsError) as raised:
        normalise_recording(b"")
    assert raised.value.code == AUDIO_EMPTY


def test_a_recording_of_silence_is_audio_empty(tmp_path):
    silent = ffmpeg_audio(tmp_path / "silent.wav", "anullsrc=r=44100:cl=mono", "-t", "2")
    with pytest.raises(TtsError) as raised:
        normalise_recording(silent)
    assert raised.value.code == AUDIO_EMPTY


def test_a_wav_header_without_samples_is_audio_empty():
    with pytest.raises(TtsError) as raised:
        normalise_recording(wav_bytes(b"", rate=44100, channels=1))
    assert raised.value.code == AUDIO_EMPTY


@pytest.mark.parametrize(
    "data",
    [
        b"This is a text file, not a recording.\n" * 20,
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8,
        # A playlist that would have ffmpeg read another file: its demuxer is not allowed.
        b"#EXTM3U\n#EXTINF:1,\nfile:///etc/passwd\n",
        b"ffconcat version 1.0\nfile '/etc/passwd'\n",
    ],
    ids=["text", "png-like", "hls-playlist", "concat-list"],
)
def test_bytes_that_are_not_audio_are_audio_undecodable(data):
    with pytest.raises(TtsError) as raised:
        normalise_recording(data)
    assert raised.value.code == AUDIO_UNDECODABLE


def test_a_truncated_file_is_audio_undecodable(tone_files):
    with pytest.raises(TtsError) as raised:
        normalise_recording(tone_files["tone.webm"][:300])
    assert raised.value.code == AUDIO_UNDECODABLE


def test_over_the_size_limit_is_audio_too_large(quiet_wav):
    with pytest.raises(TtsError) as raised:
        normalise_recording(quiet_wav, max_bytes=len(quiet_wav) - 1)
    assert raised.value.code == AUDIO_TOO_LARGE
    assert raised.value.details["max_bytes"] == len(quiet_wav) - 1


def test_over_the_duration_limit_is_audio_too_long(quiet_wav):
    with pytest.raises(TtsError) as raised:
        normalise_recording(quiet_wav, max_seconds=1.5)
    assert raised.value.code == AUDIO_TOO_LONG
    assert normalise_recording(quiet_wav, max_seconds=2.5).duration_seconds < 2.5


def test_a_file_that_hides_its_length_is_cut_off_and_audio_too_long(tmp_path):
    """A bomb: a small FLAC written to a pipe, so its header states no length; decoding stops at the cap."""
    bomb = tmp_path / "bomb.flac"
    with bomb.open("wb") as out:
        subprocess.run(
            [
                *("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "sine=frequency=300:sample_rate=8000", "-t", "60"),
                *("-c:a", "flac", "-f", "flac", "pipe:1"),
            ],
            stdout=out,
            check=True,
            timeout=60,
        )
    with pytest.raises(TtsError) as raised:
        normalise_recording(bomb.read_bytes(), max_seconds=5)
    assert raised.value.code == AUDIO_TOO_LONG


def test_no_temporary_file_is_left_behind(watched_tmp, quiet_wav):
    normalise_recording(quiet_wav)
    for data in (b"not audio" * 100, wav_bytes(b"", rate=44100, channels=1)):
        with pytest.raises(TtsError):
            normalise_recording(data)
    assert list(watched_tmp.iterdir()) == []


def test_a_decoder_that_runs_too_long_is_stopped(watched_tmp, quiet_wav, monkeypatch):
    monkeypatch.setattr(tts_audio, "FFMPEG_TIMEOUT_SECONDS", 0.001)
    with pytest.raises(TtsError) as raised:
        normalise_recording(quiet_wav)
    assert raised.value.code == AUDIO_UNDECODABLE
    assert "did not finish" in raised.value.message
    assert list(watched_tmp.iterdir()) == []
