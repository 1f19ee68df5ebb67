"""Fixtures for the reference client tests: WAV files, the emulator, the CLI in a subprocess.

Everything is offered as a fixture (no ``from conftest import``), so these tests keep
working whether or not ``tests/`` becomes a package.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import wave
from pathlib import Path
from typing import Callable, List, Optional, Sequence

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # the package need not be installed to be tested
    sys.path.insert(0, str(REPO))

#: A key that must never show up in any output.
SECRET_KEY = "test-key-7f3a9c51e2b84d06"
#: Short, fast script: both turns end within 0.75 s of audio.
PHRASES = ("Hello world.", "How are you today?")
FAST = {"word_ms": 50, "gap_ms": 200, "lead_in_ms": 50}


def write_wav(
    path: Path, seconds: float, *, rate: int = 16000, channels: int = 1, width: int = 2, value: int = 1
) -> Path:
    """A constant-level PCM WAV (the emulator transcribes durations, not sounds)."""
    frames = int(rate * seconds)
    if width == 1:
        sample = bytes([128 + value])
    else:
        sample = value.to_bytes(width, "little", signed=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(sample * channels * frames)
    return path


@pytest.fixture
def make_wav(tmp_path: Path) -> Callable[..., Path]:
    def make(seconds: float, name: str = "speech.wav", **kwargs) -> Path:
        return write_wav(tmp_path / name, seconds, **kwargs)

    return make


@pytest.fixture
def emulator():
    """A factory: ``emulator(**kwargs)`` starts one (fast script by default), stopped at teardown."""
    from migrator.proof.emulator import Emulator

    started: List[Emulator] = []

    def start(phrases: Sequence[str] = PHRASES, **kwargs) -> "Emulator":
        options = dict(FAST)
        options.update(kwargs)
        emu = Emulator(phrases=list(phrases), **options).start()
        started.append(emu)
        return emu

    yield start
    for emu in started:
        emu.stop()


class ClientRun:
    """A finished CLI run: exit code, output, and how long it took."""

    def __init__(self, completed: subprocess.CompletedProcess, elapsed: float) -> None:
        self.returncode = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr
        self.elapsed = elapsed

    def __repr__(self) -> str:
        return f"ClientRun(rc={self.returncode}, {self.elapsed:.2f}s, stdout={self.stdout!r}, stderr={self.stderr!r})"


def client_env(extra: Optional[dict] = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "ASSEMBLYAI_API_KEY"}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


def client_command(*args: str) -> List[str]:
    return [sys.executable, "-m", "reference_client", *args]


@pytest.fixture
def run_client() -> Callable[..., ClientRun]:
    """Run ``python -m reference_client ARGS`` to completion (stdout is a pipe, not a TTY)."""

    def run(*args: str, timeout: float = 30.0, env: Optional[dict] = None) -> ClientRun:
        started = time.monotonic()
        completed = subprocess.run(
            client_command(*args),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=str(REPO),
            env=client_env(env),
        )
        return ClientRun(completed, time.monotonic() - started)

    return run


@pytest.fixture
def spawn_client() -> Callable[..., subprocess.Popen]:
    """Start ``python -m reference_client ARGS`` in the background (killed at teardown)."""
    processes: List[subprocess.Popen] = []

    def spawn(*args: str, env: Optional[dict] = None, stdout=subprocess.PIPE) -> subprocess.Popen:
        process = subprocess.Popen(
            client_command(*args),
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            cwd=str(REPO),
            env=client_env(env),
        )
        processes.append(process)
        return process

    yield spawn
    for process in processes:
        if process.poll() is None:
            process.kill()
            process.wait(5)


@pytest.fixture
def secret_key() -> str:
    return SECRET_KEY


def _wait_for(predicate: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


@pytest.fixture
def wait_for() -> Callable[..., bool]:
    """Poll a predicate (test side only) until it holds or a timeout passes."""
    return _wait_for
