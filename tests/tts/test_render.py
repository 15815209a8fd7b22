"""Prompts spoken by espeak-ng (or another voice) come out as normalised MP3."""

from __future__ import annotations

import hashlib

import pytest

from tests.tts.conftest import PHRASES, SHORT_TEXT
from tests.tts.support import decoded, probe, quiet_stretches, sine, wav_bytes
from workers.tts import MAX_PROMPT_CHARACTERS, EspeakVoice, TtsError, render_prompt
from workers.tts.audio import TARGET_DBFS, AudioSegment
from workers.tts.errors import PROMPT_EMPTY, PROMPT_TOO_LONG, TTS_EMPTY, TTS_FAILED, TTS_UNAVAILABLE

LOUDNESS_TOLERANCE_DB = 1.5


def test_a_text_renders_as_mp3_at_22050_hz_mono(short_prompt):
    info = probe(short_prompt.data)
    assert info["format"] == "mp3"
    assert info["codec_name"] == "mp3"
    assert int(info["sample_rate"]) == 22050
    assert info["channels"] == 1
    assert 56_000 <= int(info["bit_rate"]) <= 72_000
    audio = decoded(short_prompt.data)
    assert (audio.frame_rate, audio.channels) == (22050, 1)
    assert short_prompt.content_type == "audio/mpeg"


def test_the_clip_describes_itself(short_prompt):
    assert short_prompt.sha256 == hashlib.sha256(short_prompt.data).hexdigest()
    assert short_prompt.voice == "espeak-ng:en-us:150wpm"
    assert short_prompt.duration_seconds == pytest.approx(decoded(short_prompt.data).duration_seconds, abs=0.1)


def test_duration_is_plausible_and_grows_with_the_text(short_prompt, long_prompt):
    # Five words at 150 words a minute is about two seconds, plus 0.4 s of quiet at the ends.
    assert 1.0 < short_prompt.duration_seconds < 5.0
    assert 8.0 < long_prompt.duration_seconds < 20.0
    assert long_prompt.duration_seconds > 3 * short_prompt.duration_seconds


def test_loudness_is_at_the_target(short_prompt, long_prompt, phrases_with_pauses):
    for clip in (short_prompt, long_prompt, phrases_with_pauses):
        audio = decoded(clip.data)
        assert audio.dBFS == pytest.approx(TARGET_DBFS, abs=LOUDNESS_TOLERANCE_DB)
        assert audio.max_dBFS < 0  # no clipped peak


def test_each_end_has_about_200_ms_of_quiet(long_prompt):
    audio = decoded(long_prompt.data)
    quiet_threshold = audio.dBFS - 30
    assert 150 <= _leading_quiet_ms(audio, quiet_threshold) <= 260
    assert 150 <= _leading_quiet_ms(audio.reverse(), quiet_threshold) <= 260


def test_phrases_are_spoken_with_pauses_between_them(phrases_with_pauses, phrases_without_pauses):
    gaps = len(PHRASES) - 1
    added = phrases_with_pauses.duration_seconds - phrases_without_pauses.duration_seconds
    assert added == pytest.approx(gaps * 0.6, abs=0.05)
    audio = decoded(phrases_with_pauses.data)
    pauses = [end - start for start, end in quiet_stretches(audio, min_ms=450)]
    assert len(pauses) == gaps
    assert all(550 <= pause <= 750 for pause in pauses), pauses


def test_phrases_take_longer_than_the_same_words_as_one_text(phrases_with_pauses):
    as_one_text = render_prompt(" ".join(PHRASES))
    assert phrases_with_pauses.duration_seconds > as_one_text.duration_seconds + 0.8


def test_the_same_prompt_gives_the_same_bytes(short_prompt):
    again = render_prompt(SHORT_TEXT)
    assert again.sha256 == short_prompt.sha256


def test_a_slower_voice_takes_longer(short_prompt):
    slow = render_prompt(SHORT_TEXT, voice=EspeakVoice(words_per_minute=100))
    assert slow.voice == "espeak-ng:en-us:100wpm"
    assert slow.duration_seconds > short_prompt.duration_seconds + 0.3


def test_text_is_one_argument_never_an_option_or_a_shell_word():
    clip = render_prompt("-v xx --stdout; echo $HOME `id` \x00 end")
    assert clip.duration_seconds > 1.0


@pytest.mark.parametrize(
    ("text", "phrases"),
    [("", None), ("  \n\t ", None), ("\x00\x01", None), (None, []), (None, ["first", " "])],
)
def test_nothing_to_speak_is_refused(text, phrases):
    with pytest.raises(TtsError) as raised:
        render_prompt(text, phrases)
    assert raised.value.code == PROMPT_EMPTY


def test_a_prompt_over_the_length_limit_is_refused_before_speaking():
    with pytest.raises(TtsError) as raised:
        render_prompt("word " * (MAX_PROMPT_CHARACTERS // 4), voice=_NeverCalled())
    assert raised.value.code == PROMPT_TOO_LONG


def test_wrong_calls_are_programming_errors():
    with pytest.raises(ValueError, match="either text or phrases"):
        render_prompt()
    with pytest.raises(ValueError, match="either text or phrases"):
        render_prompt("text", ["phrase"])
    with pytest.raises(TypeError):
        render_prompt(phrases="one string")
    with pytest.raises(ValueError, match="pause"):
        render_prompt("text", phrase_pause_ms=-1)
    with pytest.raises(ValueError, match="voice name"):
        EspeakVoice("--stdout")
    with pytest.raises(ValueError, match="words_per_minute"):
        EspeakVoice(words_per_minute=10)


def test_a_missing_espeak_ng_is_tts_unavailable(tmp_path):
    class MissingEspeak(EspeakVoice):
        executable = str(tmp_path / "no-such-dir" / "espeak-ng")

    with pytest.raises(TtsError) as raised:
        render_prompt(SHORT_TEXT, voice=MissingEspeak())
    assert raised.value.code == TTS_UNAVAILABLE
    assert "espeak-ng" in raised.value.message


def test_an_espeak_ng_failure_is_tts_failed():
    with pytest.raises(TtsError) as raised:
        render_prompt(SHORT_TEXT, voice=EspeakVoice("zz-no-such-voice"))
    assert raised.value.code == TTS_FAILED
    assert raised.value.details["exit_code"] != 0


def test_an_espeak_ng_that_prints_nothing_is_tts_empty(tmp_path):
    class SilentEspeak(EspeakVoice):
        executable = "true"

    with pytest.raises(TtsError) as raised:
        render_prompt(SHORT_TEXT, voice=SilentEspeak())
    assert raised.value.code == TTS_EMPTY


def test_another_voice_plugs_in_through_the_protocol():
    voice = _ToneVoice()
    clip = render_prompt(phrases=["one", "two"], voice=voice, phrase_pause_ms=500)
    assert clip.voice == "tone-test-voice"
    audio = decoded(clip.data)
    assert (audio.frame_rate, audio.channels) == (22050, 1)
    # Two 0.5 s tones, a 0.5 s pause and 0.2 s of quiet at each end.
    assert clip.duration_seconds == pytest.approx(1.9, abs=0.05)
    assert audio.dBFS == pytest.approx(TARGET_DBFS, abs=LOUDNESS_TOLERANCE_DB)
    assert voice.spoken == ["one", "two"]


@pytest.mark.parametrize(("returned", "code"), [(b"not a wav file" * 50, TTS_FAILED), (b"", TTS_EMPTY)])
def test_a_voice_returning_no_audio_is_refused(returned, code):
    with pytest.raises(TtsError) as raised:
        render_prompt(SHORT_TEXT, voice=_FixedVoice(returned))
    assert raised.value.code == code


def test_a_voice_returning_silence_is_tts_empty():
    with pytest.raises(TtsError) as raised:
        render_prompt(SHORT_TEXT, voice=_FixedVoice(wav_bytes(b"\0\0" * 22050, rate=22050, channels=1)))
    assert raised.value.code == TTS_EMPTY


class _ToneVoice:
    """A stand-in for a better voice: 0.5 s of a tone per text, at 44.1 kHz stereo and a low level."""

    name = "tone-test-voice"

    def __init__(self) -> None:
        self.spoken: list[str] = []

    def synthesise(self, text: str) -> bytes:
        self.spoken.append(text)
        tone = sine(440, sample_rate=44100).to_audio_segment(duration=500, volume=-30).set_channels(2)
        return wav_bytes(tone.raw_data, rate=44100, channels=2)


class _FixedVoice:
    name = "fixed-test-voice"

    def __init__(self, data: bytes) -> None:
        self.data = data

    def synthesise(self, _text: str) -> bytes:
        return self.data


class _NeverCalled:
    name = "never-called"

    def synthesise(self, _text: str) -> bytes:
        raise AssertionError("the voice should not be asked")


def _leading_quiet_ms(audio: AudioSegment, threshold: float) -> int:
    position = 0
    while position < len(audio) and audio[position : position + 10].dBFS < threshold:
        position += 10
    return position
