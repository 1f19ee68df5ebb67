"""Run an unmodified client script against the emulator, with a file standing in for the mic.

The script runs as a child process with `stand_ins/` first on its ``PYTHONPATH``: the stand-in
``pyaudio`` serves the audio file at real-time pace, and ``sitecustomize`` redirects AssemblyAI
hosts to the emulator and refuses every other connection. When the stand-in reports that the
file has run out, the harness sends SIGINT to the child's process group, as Ctrl-C in a terminal
would, and then watches how the script shuts down. Every run is bounded: on timeout (or when the
caller cancels) the supervisor is told to stop and the whole process group is killed.

The script runs under `supervisor.py`, which kills every process the script started once it
ends (a subreaper on Linux, so processes that left the session are found too) and, where the
kernel allows an unprivileged network namespace, gives the script a network in which the
emulator is the only reachable address. Its environment is an allow-list (`child_environment`):
nothing of the caller's environment reaches the script but the path, locale and time zone.
"""

from __future__ import annotations

import os
import signal
import site
import socket
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
SUPERVISOR = Path(__file__).resolve().parent / "supervisor.py"
#: The API key every child sees unless the caller overrides it: a placeholder, never a real key.
TEST_API_KEY = "test-key"
#: What a script inherits from the caller's environment: nothing else (no tokens, no secrets).
INHERITED_VARIABLES = ("PATH", "LANG", "LANGUAGE", "TZ", "SYSTEMROOT")
INHERITED_PREFIXES = ("LC_",)
_POLL_SECONDS = 0.02
#: After asking the supervisor to stop, how long before the process group is killed outright.
_STOP_GRACE_SECONDS = 2.0


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
    #: The time limit the run had, in seconds; a run that reached it was killed (``timed_out``).
    timeout_s: float = 0.0
    #: Seconds from start at which the audio file ran out, if it did.
    audio_ended_at: Optional[float] = None
    #: Seconds from start at which SIGINT was sent, if it was.
    sigint_at: Optional[float] = None
    #: True when the caller cancelled the run (``cancel`` was set) before the script ended.
    cancelled: bool = False
    #: How the script was confined, as the supervisor reported it ("network: ...", "processes: ...").
    isolation: List[str] = field(default_factory=list)

    @property
    def exit_after_sigint_s(self) -> Optional[float]:
        """How long the script took to exit after Ctrl-C."""
        return None if self.sigint_at is None else self.duration_s - self.sigint_at


def child_environment(
    emulator: Emulator, audio: Path, events: Path, env: Optional[Mapping[str, str]], home: Optional[Path] = None
) -> dict:
    """The script's whole environment: an allow-list, never a copy of the caller's.

    ``PATH``, locale and time zone come from the caller; ``HOME`` and ``TMPDIR`` are the run's
    own scratch directories; ``PYTHONUSERBASE`` keeps ``pip install --user`` libraries
    importable although ``HOME`` moved; the API key is the placeholder `TEST_API_KEY`.
    """
    child = {
        name: value
        for name, value in os.environ.items()
        if name in INHERITED_VARIABLES or name.startswith(INHERITED_PREFIXES)
    }
    if home is not None:
        child["HOME"] = str(home)
        child["TMPDIR"] = str(home)
        child["PYTHONUSERBASE"] = os.environ.get("PYTHONUSERBASE") or site.getuserbase()
    child.update(
        {
            "ASSEMBLYAI_API_KEY": TEST_API_KEY,
            "PYTHONPATH": str(STAND_INS),
            "PYTHONUNBUFFERED": "1",
            "PYTHONIOENCODING": "utf-8",
            "STT_HARNESS_EMULATOR": emulator.base_url,
            "STT_HARNESS_AUDIO": str(audio),
            "STT_HARNESS_EVENTS": str(events),
            "STT_HARNESS_ALLOW": f"127.0.0.1:{emulator.port}",
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


class _EmulatorRelay:
    """A Unix socket in the run's scratch directory joined to the emulator's TCP port: the
    way in for a script in its own network namespace (a socket bound to a path is reachable
    from any network namespace; the emulator's port is not)."""

    def __init__(self, path: Path, port: int) -> None:
        from .supervisor import relay

        self.path = path
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind(str(path))
        self.listener.listen(16)

        def connect() -> socket.socket:
            return socket.create_connection(("127.0.0.1", port))

        threading.Thread(target=relay, args=(self.listener, connect), daemon=True).start()

    def close(self) -> None:
        try:
            self.listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.listener.close()


def _unix_sockets_work(path: Path) -> bool:
    return hasattr(socket, "AF_UNIX") and sys.platform.startswith("linux") and len(str(path)) < 100


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
    cancel: Optional[threading.Event] = None,
    network_namespace: bool = True,
) -> ScriptRun:
    """Run ``path`` with ``python`` against ``emulator`` and return what happened.

    ``audio``: WAV served by the stand-in microphone (default: the bundled 5 s fixture).
    ``sessions`` in the result are those the emulator recorded while the script ran, so run one
    script at a time per emulator.
    ``env``: extra environment for the child (wins over the harness's own variables).
    ``cwd``: working directory (default: the script's directory, so sibling imports work).
    ``cancel``: when set, the run is stopped as on timeout (``cancelled`` in the result).
    ``network_namespace``: confine the script's network to the emulator at the OS level too,
    where the kernel allows it (see `supervisor`); the in-process guard applies either way.
    """
    script = Path(path).resolve()
    audio_path = Path(audio).resolve() if audio is not None else default_audio()
    if not audio_path.is_file():
        raise FileNotFoundError(f"audio file not found: {audio_path}")
    first_session = emulator.session_count()
    with tempfile.TemporaryDirectory(prefix="stt-harness-") as scratch:
        events = Path(scratch) / "events"
        home = Path(scratch) / "home"
        home.mkdir()
        report = Path(scratch) / "isolation"
        command = [sys.executable, "-I", str(SUPERVISOR), "--report", str(report), "--parent", str(os.getpid())]
        relay = None
        if network_namespace and _unix_sockets_work(Path(scratch) / "emulator.sock"):
            relay = _EmulatorRelay(Path(scratch) / "emulator.sock", emulator.port)
            command += ["--netns", f"{relay.path}:{emulator.port}"]
        command += ["--", python, str(script), *args]
        started = time.monotonic()
        process = subprocess.Popen(
            command,
            cwd=str(cwd) if cwd is not None else str(script.parent),
            env=child_environment(emulator, audio_path, events, env, home=home),
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

        timed_out = cancelled = False
        audio_ended_at = sigint_at = None
        deadline = started + timeout
        while process.poll() is None:
            now = time.monotonic()
            if now >= deadline or (cancel is not None and cancel.is_set()):
                timed_out, cancelled = now >= deadline, not now >= deadline
                _stop(process)
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
        if relay is not None:
            relay.close()
        isolation = report.read_text().splitlines() if report.is_file() else []

    emulator.wait_idle(timeout=5)
    return ScriptRun(
        returncode=None if (timed_out or cancelled) else returncode,
        stdout=b"".join(out).decode("utf-8", errors="replace"),
        stderr=b"".join(err).decode("utf-8", errors="replace"),
        timed_out=timed_out,
        sessions=emulator.sessions[first_session:],
        duration_s=duration,
        timeout_s=timeout,
        audio_ended_at=audio_ended_at,
        sigint_at=sigint_at,
        cancelled=cancelled,
        isolation=isolation,
    )


def _stop(process: "subprocess.Popen[bytes]") -> None:
    """Ask the supervisor to kill everything the script started; kill the group if it cannot."""
    try:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=_STOP_GRACE_SECONDS)
    except (OSError, subprocess.TimeoutExpired):
        pass
    _signal_group(process, signal.SIGKILL)
