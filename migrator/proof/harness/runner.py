"""Run an unmodified client script against the emulator, with a file standing in for the mic.

The script runs as a child process with `stand_ins/` first on its ``PYTHONPATH``: the stand-in
``pyaudio`` serves the audio file at real-time pace, and ``sitecustomize`` redirects AssemblyAI
hosts to the emulator. When the stand-in reports that the file has run out, the harness sends
SIGINT to the child's process group, as Ctrl-C in a terminal would, and then watches how the
script shuts down. Every run is bounded: on timeout the whole process group is killed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, List, Mapping, Optional, Sequence, Union

from ..emulator import Emulator, SessionRecord
from .audio import default_audio

STAND_INS = Path(__file__).resolve().parent / "stand_ins"
#: The API key every child sees unless the caller overrides it: a placeholder, never a real key.
TEST_API_KEY = "test-key"
_POLL_SECONDS = 0.02


@dataclass
class ScriptRun:
    """Outcome of one harness run."""

    returncode: Optional[int]
    stdout: str
    stderr: str
    timed_out: bool
    #: Sessions the emulator recorded while the script ran, oldest first.
    sessions: List[SessionRecord] = field(default_factory=list)
    #: Seconds from start until the child exited (or was killed).
    duration_s: float = 0.0
    #: Seconds from start at which the audio file ran out, if it did.
    audio_ended_at: Optional[float] = None
    #: Seconds from start at which SIGINT was sent, if it was.
    sigint_at: Optional[float] = None

    @property
    def exit_after_sigint_s(self) -> Optional[float]:
        """How long the script took to exit after Ctrl-C."""
        return None if self.sigint_at is None else self.duration_s - self.sigint_at


def child_environment(emulator: Emulator, audio: Path, events: Path, env: Optional[Mapping[str, str]]) -> dict:
    child = dict(os.environ)
    existing = child.get("PYTHONPATH")
    child.update(
        {
            "ASSEMBLYAI_API_KEY": TEST_API_KEY,
            "PYTHONPATH": str(STAND_INS) + (os.pathsep + existing if existing else ""),
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
            "STT_HARNESS_EMULATOR": emulator.base_url,
            "STT_HARNESS_AUDIO": str(audio),
            "STT_HARNESS_EVENTS": str(events),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
    )
    if env:
        child.update(env)
    return child


def _collect(stream: IO[bytes], sink: List[bytes]) -> None:
    for chunk in iter(lambda: stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536), b""):
        sink.append(chunk)


def _signal_group(process: "subprocess.Popen[bytes]", signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except ProcessLookupError:
        pass


def run_script(
    path: Union[str, Path],
    emulator: Emulator,
    audio: Union[str, Path, None] = None,
    timeout: float = 40.0,
    env: Optional[Mapping[str, str]] = None,
    python: str = sys.executable,
    sigint_when_audio_ends: bool = True,
    args: Sequence[str] = (),
    cwd: Union[str, Path, None] = None,
) -> ScriptRun:
    """Run ``path`` with ``python`` against ``emulator`` and return what happened.

    ``audio``: WAV served by the stand-in microphone (default: the bundled 5 s fixture).
    ``sessions`` in the result are those the emulator recorded while the script ran, so run one
    script at a time per emulator.
    ``env``: extra environment for the child (wins over the harness's own variables).
    ``cwd``: working directory (default: the script's directory, so sibling imports work).
    """
    script = Path(path).resolve()
    audio_path = Path(audio).resolve() if audio is not None else default_audio()
    if not audio_path.is_file():
        raise FileNotFoundError(f"audio file not found: {audio_path}")
    first_session = emulator.session_count()
    with tempfile.TemporaryDirectory(prefix="stt-harness-") as scratch:
        events = Path(scratch) / "events"
        started = time.monotonic()
        process = subprocess.Popen(
            [python, str(script), *args],
            cwd=str(cwd) if cwd is not None else str(script.parent),
            env=child_environment(emulator, audio_path, events, env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        out: List[bytes] = []
        err: List[bytes] = []
        readers = [
            threading.Thread(target=_collect, args=(process.stdout, out), daemon=True),
            threading.Thread(target=_collect, args=(process.stderr, err), daemon=True),
        ]
        for reader in readers:
            reader.start()

        timed_out = False
        audio_ended_at = sigint_at = None
        deadline = started + timeout
        while process.poll() is None:
            now = time.monotonic()
            if now >= deadline:
                timed_out = True
                _signal_group(process, signal.SIGKILL)
                break
            if audio_ended_at is None and events.is_file() and "audio_end" in events.read_text():
                audio_ended_at = now - started
                if sigint_when_audio_ends:
                    _signal_group(process, signal.SIGINT)
                    sigint_at = time.monotonic() - started
            time.sleep(_POLL_SECONDS)
        returncode = process.wait()
        duration = time.monotonic() - started
        # Whatever the script left behind in its process group goes too.
        _signal_group(process, signal.SIGKILL)
        for reader in readers:
            reader.join(timeout=5)

    emulator.wait_idle(timeout=5)
    return ScriptRun(
        returncode=None if timed_out else returncode,
        stdout=b"".join(out).decode("utf-8", errors="replace"),
        stderr=b"".join(err).decode("utf-8", errors="replace"),
        timed_out=timed_out,
        sessions=emulator.sessions[first_session:],
        duration_s=duration,
        audio_ended_at=audio_ended_at,
        sigint_at=sigint_at,
    )
