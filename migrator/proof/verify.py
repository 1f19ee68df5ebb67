"""``--verify`` for the CLI: run each migrated (or already-v3) script against the emulator
and, for a file that was migrated, its v2 original against the emulator's v2 endpoint.

Scripts run from their own directory so that their sibling imports work; a version that is
not on disk (``--diff``/``--check``, or the original after an in-place rewrite) is written
next to the script under a hidden name and removed afterwards.

A run takes seconds (the audio plays in real time), so :func:`verify_all` tells a
:class:`Progress` when each script starts and ends; :func:`not_verified_reason` says why a
file is not run at all.
"""

from __future__ import annotations

import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, Optional, Protocol

from migrator.runner import FileOutcome


@contextmanager
def _script_file(beside: Path, data: bytes, tag: str) -> Iterator[Path]:
    directory = beside.parent if os.access(beside.parent, os.W_OK) else Path(tempfile.gettempdir())
    handle, name = tempfile.mkstemp(prefix=f".{beside.stem}.{tag}.", suffix=".py", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        yield Path(name)
    finally:
        try:
            os.unlink(name)
        except OSError:
            pass


def should_verify(outcome: FileOutcome) -> bool:
    """Scripts that speak (or spoke) AssemblyAI streaming: migrated, or parsed and unchanged."""
    return outcome.status == "changed" or (outcome.status == "unchanged" and outcome.parsed)


def not_verified_reason(outcome: FileOutcome) -> Optional[str]:
    """Why ``--verify`` does not run this file, in a few words; None when it does."""
    if should_verify(outcome):
        return None
    if outcome.status == "failed":
        return "could not be migrated"
    return "no AssemblyAI streaming code"


def what_runs(outcome: FileOutcome) -> str:
    """What verifying this file runs, for a status line."""
    if outcome.status == "changed":
        return "running on the emulator, with its v2 original"
    return "running on the emulator"


class Progress(Protocol):
    """Told as each verification starts and ends (from worker threads)."""

    def started(self, outcome: FileOutcome) -> None: ...

    def finished(self, outcome: FileOutcome, report, seconds: float) -> None: ...


def verify_outcome(outcome: FileOutcome, written: bool, timeout: float = 60.0, audio: Optional[str] = None):
    """The :class:`migrator.proof.checks.VerifyReport` for one processed file."""
    from migrator.proof.checks import verify_script  # the emulator stack loads only when asked for

    path = Path(outcome.path)
    with ExitStack() as stack:
        if outcome.status == "changed" and not written:
            target = stack.enter_context(_script_file(path, outcome.migrated, "v3"))
        else:
            target = path
        original = None
        if outcome.status == "changed":
            original = path if not written else stack.enter_context(_script_file(path, outcome.original, "v2"))
        report = verify_script(target, original_v2_path=original, audio=audio, timeout=timeout)
    report.path = outcome.path
    if original is not None:
        report.original_path = outcome.path
    return report


def verify_all(
    outcomes: list,
    written: bool,
    jobs: int = 1,
    timeout: float = 60.0,
    audio: Optional[str] = None,
    progress: Optional[Progress] = None,
) -> dict:
    """path -> report for every outcome worth running; sessions run ``jobs`` at a time."""
    chosen = [outcome for outcome in outcomes if should_verify(outcome)]

    def verify(outcome: FileOutcome):
        if progress is not None:
            progress.started(outcome)
        start = time.monotonic()
        report = verify_outcome(outcome, written, timeout, audio)
        if progress is not None:
            progress.finished(outcome, report, time.monotonic() - start)
        return report

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        reports = pool.map(verify, chosen)
        return {outcome.path: report for outcome, report in zip(chosen, reports)}
