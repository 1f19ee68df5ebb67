"""``--verify`` for the CLI: which files to run, where, with which Python, and how it all stops.

Only two kinds of file are run: those the tool migrated, and unchanged files the value model
shows to be v3 streaming clients (a ``StreamingClient`` it constructs, or a connection it opens
to a v3 endpoint, ``FileOutcome.v3_client``). A file that merely mentions AssemblyAI (a
``setup.py``, a tool script) is never run; `reason_not_verified` says why, for the CLI to tell.

``--verify`` executes the user's code, so each run is confined (see the README's "What
--verify runs" for what this does and does not prevent):

* it runs in a temporary copy of the script's directory (`copy_script_directory`): the version
  being proven is written there under the script's own name, the working directory is the copy,
  and the copy is deleted afterwards, so nothing the script writes, and no migrated copy, ever
  lands in the project;
* its environment is an allow-list (the harness's ``child_environment``): PATH, locale, a
  ``HOME`` and ``TMPDIR`` of its own, the stand-ins on ``PYTHONPATH``, a placeholder API key;
* its network reaches the emulator only: an in-process guard always, and a network namespace
  where the kernel allows an unprivileged one (the harness's supervisor; the report says which);
* every process it starts is killed when it ends (the supervisor is a subreaper), on timeout
  (``--verify-timeout``), and when migrate-stt is interrupted (`verify_all` cancels the runs
  and waits for their copies to be removed before it lets the interrupt through).

The interpreter is the user's (`migrator.proof.interpreter`): ``--python``, else the project's
virtualenv, else the tool's; the report names it and its libraries and warns where they do not
meet what the migrated code needs.

A notebook runs the same way, as a script of its code cells (``migrator.notebooks.runnable_script``)
written into the copy beside it.

A run takes seconds (the audio plays in real time), so :func:`verify_all` tells a
:class:`Progress` when each script starts and ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Protocol

from migrator.files import SKIPPED_DIRECTORIES, is_notebook
from migrator.outcomes import FileOutcome

#: Bytes of non-Python files copied with a script's directory; Python files are always copied.
COPY_BUDGET_BYTES = 20 * 2**20
#: Files looked at when copying a script's directory (a script at the top of a huge tree).
COPY_MAX_FILES = 5000
V2_PYTHON_HINT = "to compare, pass --v2-python PATH: a Python that can run the original"


@dataclass(frozen=True)
class VerifySettings:
    timeout: float = 60.0
    audio: Optional[str] = None
    #: ``--python``: the interpreter for every script (default: the project's, see interpreter.py).
    python: Optional[str] = None
    #: ``--v2-python``: the interpreter for the v2 originals (default: the same as ``python``).
    v2_python: Optional[str] = None
    jobs: int = 1


def reason_not_verified(outcome: FileOutcome) -> Optional[str]:
    """None when ``outcome``'s file is run by ``--verify``; else why not, in a few words."""
    if outcome.manifest:
        return "a dependency manifest"
    if outcome.status == "changed" or (outcome.status == "unchanged" and outcome.v3_client):
        return None
    if outcome.status == "failed":
        return "it could not be processed"
    if not outcome.parsed:
        return "nothing in it ties it to AssemblyAI streaming"
    return "not a v3 streaming client: it makes no connection to a v3 endpoint and no StreamingClient"


def should_verify(outcome: FileOutcome) -> bool:
    return reason_not_verified(outcome) is None


#: What the CLI's progress report calls it.
not_verified_reason = reason_not_verified


def copy_script_directory(script: Path, data: bytes, into: Path) -> Path:
    """Copy the directory of ``script`` into ``into`` (so its sibling modules import), with
    ``data`` as the script; return the copy's path. Directories migrate-stt never scans
    (``.git``, virtualenvs...) are left out, symbolic links to directories too, and other
    files beyond `COPY_BUDGET_BYTES`; a file is copied as its content, never as a link."""
    source = script.parent
    budget = COPY_BUDGET_BYTES
    seen = 0
    for folder, directories, files in os.walk(source):
        directories[:] = [
            name
            for name in directories
            if name not in SKIPPED_DIRECTORIES and not os.path.islink(os.path.join(folder, name))
        ]
        target = into / os.path.relpath(folder, source)
        target.mkdir(parents=True, exist_ok=True)
        for name in files:
            seen += 1
            if seen > COPY_MAX_FILES:
                break
            path = os.path.join(folder, name)
            try:
                if not os.path.isfile(path):
                    continue  # a FIFO, a socket, a dangling link
                size = os.path.getsize(path)
                if not name.endswith(".py"):
                    if size > budget:
                        continue
                    budget -= size
                shutil.copyfile(path, target / name)
            except OSError:
                continue
    copy = into / script.name
    copy.write_bytes(data)
    return copy


@contextmanager
def _sandbox(script: Path, data: bytes) -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="migrate-stt-verify-"))
    try:
        yield copy_script_directory(script, data, root / "project")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _interpreters(path: Path, settings: VerifySettings):
    from migrator.proof.interpreter import default_interpreter, probe

    python = probe(settings.python, "--python") if settings.python else probe(*default_interpreter(path))
    v2_python = probe(settings.v2_python, "--v2-python") if settings.v2_python else python
    return python, v2_python


def what_runs(outcome: FileOutcome) -> str:
    """What verifying this file runs, for a status line."""
    if outcome.status == "changed":
        return "running on the emulator, with its v2 original"
    return "running on the emulator"


class Progress(Protocol):
    """Told as each verification starts and ends (from worker threads)."""

    def started(self, outcome: FileOutcome) -> None: ...

    def finished(self, outcome: FileOutcome, report, seconds: float) -> None: ...


def verify_outcome(outcome: FileOutcome, settings: VerifySettings, cancel: Optional[threading.Event] = None):
    """The :class:`migrator.proof.checks.VerifyReport` for one processed file."""
    from migrator.proof.checks import skipped, verify_script  # the emulator stack loads only when asked for
    from migrator.proof.interpreter import problems, requirements, runs_v2_sdk

    path = Path(outcome.path)
    migrated = outcome.migrated if outcome.migrated is not None else path.read_bytes()
    original_source = outcome.original
    python, v2_python = _interpreters(path, settings)
    if is_notebook(outcome.path):
        # a notebook runs as a script of its code cells, beside it in the copy
        from migrator.notebooks import runnable_script

        migrated = runnable_script(migrated, path.name)
        original_source = runnable_script(outcome.original, path.name) if outcome.original is not None else None
        path = path.with_name(f"{path.stem}_notebook.py")
    compare = outcome.status == "changed" and original_source is not None
    cannot_compare = None
    if compare and b"RealtimeTranscriber" in original_source and not runs_v2_sdk(v2_python):
        have = v2_python.libraries.get("assemblyai") or "no assemblyai"
        have = f"assemblyai {have}" if v2_python.libraries.get("assemblyai") else have
        cannot_compare = (
            f"the original uses the v2 SDK's RealtimeTranscriber, which {v2_python.path} cannot run "
            f"({have}; the SDK removed it in 0.64.3); to compare, pass --v2-python PATH: "
            "a Python with assemblyai==0.64.2"
        )
        compare = False
    with _sandbox(path, migrated) as target:
        if compare:
            with _sandbox(path, original_source) as original:
                report = _run(verify_script, target, original, python, v2_python, settings, cancel)
        else:
            report = _run(verify_script, target, None, python, v2_python, settings, cancel)
    if cannot_compare is not None:
        report.checks.append(skipped("same_finals_as_v2", cannot_compare))
    for check in report.skipped:
        if check.name == "same_finals_as_v2" and "--v2-python" not in check.detail:
            check.detail += f"; {V2_PYTHON_HINT}"
    report.path = outcome.path
    if compare:
        report.original_path = outcome.path
    report.environment = [f"python: {python.describe()}"]
    if compare and v2_python is not python:
        report.environment.append(f"python for the v2 original: {v2_python.describe()}")
    report.environment += [f"sandbox: {line}" for line in report.run.isolation]
    report.environment.append(
        "sandbox: ran in a temporary copy of its directory (deleted afterwards), with a clean "
        "environment (PATH and locale only; HOME and TMPDIR of its own; ASSEMBLYAI_API_KEY=test-key)"
    )
    report.warnings = problems(python, requirements(migrated))
    return report


def _run(verify_script, target, original, python, v2_python, settings: VerifySettings, cancel):
    return verify_script(
        target,
        original_v2_path=original,
        audio=settings.audio,
        timeout=settings.timeout,
        python=python.path,
        original_python=v2_python.path,
        cancel=cancel,
    )


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt in the main thread while the runs go on, so both end
    the same way: runs cancelled, copies removed, then the interrupt goes on up."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        yield
        return

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def verify_all(outcomes: list, settings: VerifySettings, progress: Optional[Progress] = None) -> dict:
    """path -> report for every outcome worth running; sessions run ``settings.jobs`` at a time.

    Ctrl-C or SIGTERM cancels every run: the scripts and everything they started are killed
    and their temporary copies removed before KeyboardInterrupt is raised to the caller.
    """
    chosen = [outcome for outcome in outcomes if should_verify(outcome)]
    cancel = threading.Event()

    def one(outcome: FileOutcome):
        if cancel.is_set():
            return None
        if progress is not None:
            progress.started(outcome)
        start = time.monotonic()
        report = verify_outcome(outcome, settings, cancel)
        if progress is not None:
            progress.finished(outcome, report, time.monotonic() - start)
        return report

    pool = ThreadPoolExecutor(max_workers=max(1, settings.jobs))
    try:
        with _sigterm_interrupts():
            futures = [pool.submit(one, outcome) for outcome in chosen]
            reports = {outcome.path: future.result() for outcome, future in zip(chosen, futures)}
    except KeyboardInterrupt:
        cancel.set()
        pool.shutdown(wait=True)
        raise
    pool.shutdown(wait=True)
    return reports
