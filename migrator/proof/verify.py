"""``--verify`` for the CLI: run each migrated (or already-v3) script against the emulator
and, for a file that was migrated, its v2 original against the emulator's v2 endpoint.

Scripts run from their own directory so that their sibling imports work; a version that is
not on disk (``--diff``/``--check``, or the original after an in-place rewrite) is written
next to the script under a hidden name and removed afterwards. A notebook runs the same way,
as a script of its code cells written beside it.
"""

from __future__ import annotations

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Iterator, Optional

from migrator.files import is_notebook
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
    if outcome.manifest:
        return False
    return outcome.status == "changed" or (outcome.status == "unchanged" and outcome.parsed)


def verify_outcome(outcome: FileOutcome, written: bool, timeout: float = 60.0, audio: Optional[str] = None):
    """The :class:`migrator.proof.checks.VerifyReport` for one processed file."""
    from migrator.proof.checks import verify_script  # the emulator stack loads only when asked for

    path = Path(outcome.path)
    if is_notebook(outcome.path):
        return _verify_notebook(outcome, verify_script, timeout, audio)
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


def _verify_notebook(outcome: FileOutcome, verify_script, timeout: float, audio: Optional[str]):
    """A notebook runs as a script of its code cells (see :func:`migrator.notebooks.runnable_script`),
    written beside it; the v2 original too, when it was migrated."""
    from migrator.notebooks import runnable_script

    path = Path(outcome.path)
    migrated = outcome.migrated if outcome.migrated is not None else path.read_bytes()
    with ExitStack() as stack:
        target = stack.enter_context(_script_file(path, runnable_script(migrated, path.name), "v3"))
        original = None
        if outcome.status == "changed":
            original = stack.enter_context(_script_file(path, runnable_script(outcome.original, path.name), "v2"))
        report = verify_script(target, original_v2_path=original, audio=audio, timeout=timeout)
    report.path = outcome.path
    if original is not None:
        report.original_path = outcome.path
    return report


def verify_all(
    outcomes: list, written: bool, jobs: int = 1, timeout: float = 60.0, audio: Optional[str] = None
) -> dict:
    """path -> report for every outcome worth running; sessions run ``jobs`` at a time."""
    chosen = [outcome for outcome in outcomes if should_verify(outcome)]
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        reports = pool.map(lambda outcome: verify_outcome(outcome, written, timeout, audio), chosen)
        return {outcome.path: report for outcome, report in zip(chosen, reports)}
