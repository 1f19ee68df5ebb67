"""Fixtures for the harness tests: a short WAV, fast emulators, the client scripts."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, List

import pytest

from migrator.proof.emulator import Emulator
from migrator.proof.harness import synthesize_wav

CLIENTS = Path(__file__).resolve().parent / "clients"
#: Both turns end by 0.76 s of audio; the test WAV lasts 1 s.
PHRASES = ("Hello world.", "Good morning, Sam.")
PACE = {"word_ms": 60, "gap_ms": 200, "lead_in_ms": 60}
AUDIO_SECONDS = 1.0


@pytest.fixture(scope="session")
def short_audio(tmp_path_factory) -> Path:
    return synthesize_wav(tmp_path_factory.mktemp("audio") / "short.wav", seconds=AUDIO_SECONDS)


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Emulator]]:
    started: List[Emulator] = []

    def make(**options) -> Emulator:
        settings = dict(PACE)
        settings.update(options)
        emulator = Emulator(list(PHRASES), **settings).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(make_emulator) -> Emulator:
    return make_emulator()


@pytest.fixture
def client_script() -> Callable[[str], Path]:
    return lambda name: CLIENTS / name
