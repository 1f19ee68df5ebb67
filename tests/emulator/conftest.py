"""Fixtures for the emulator tests: emulators started on an ephemeral port, stopped afterwards."""

from __future__ import annotations

from typing import Callable, Iterator, List

import pytest

from migrator.proof.emulator import Emulator
from tests.emulator.wire import FAST


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., Emulator]]:
    """Factory: ``make_emulator(phrases, **options)``; defaults to the fast test pace and a
    generous rate tolerance so tests that are not about pacing may send audio quickly."""
    started: List[Emulator] = []

    def make(phrases=("Hello world.",), **options) -> Emulator:
        settings = dict(FAST, rate_tolerance_ms=60_000, terminate_delay_ms=20)
        settings.update(options)
        emulator = Emulator(list(phrases), **settings).start()
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.stop()


@pytest.fixture
def emulator(make_emulator) -> Emulator:
    return make_emulator()
