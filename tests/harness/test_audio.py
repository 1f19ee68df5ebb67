"""The bundled WAV is what the harness promises, and can be rebuilt byte for byte."""

import wave

from migrator.proof.emulator import TranscriptScript
from migrator.proof.harness import default_audio, synthesize_wav, wav_duration_ms
from migrator.proof.harness.audio import FIXTURE


def test_bundled_fixture_is_16_bit_mono_16k_and_about_five_seconds():
    assert default_audio() == FIXTURE
    with wave.open(str(FIXTURE), "rb") as wav:
        assert (wav.getsampwidth(), wav.getnchannels(), wav.getframerate()) == (2, 1, 16000)
    assert 4000 <= wav_duration_ms(FIXTURE) <= 6000


def test_fixture_is_reproducible(tmp_path):
    assert synthesize_wav(tmp_path / "again.wav").read_bytes() == FIXTURE.read_bytes()


def test_default_script_completes_two_turns_within_the_fixture():
    assert len(TranscriptScript().expected_finals(wav_duration_ms(FIXTURE), flush=False)) == 2
