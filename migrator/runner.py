"""Running the engine over many files: each in its own guard, in parallel when it pays.

The CLI, the benchmark and other tools share this; it never prints. The engine (and so
libcst) is imported only once a file passes the byte prefilter.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from migrator.diffing import unified_diff
from migrator.files import mentions_marker, write_atomically
from migrator.markers import selected_markers

#: Below this much source to parse (bytes, all files together), a process pool costs more
#: than it saves: starting the workers and collecting their results takes about what the
#: engine spends on this much source (about 1,800 lines). ``bench/run.py`` measures the pool.
POOL_MIN_BYTES = 64 * 1024


@dataclass(frozen=True)
class Options:
    write: bool = True
    diff: bool = False
    select: tuple = ()
    ignore: tuple = ()
    #: Keep the original and migrated bytes on the outcome (``--verify`` runs them).
    keep_sources: bool = False


@dataclass
class FileOutcome:
    path: str
    status: str  # "changed" | "unchanged" | "failed"
    rules_applied: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    error: Optional[str] = None
    diff: Optional[str] = None
    encoding: str = "utf-8"
    parsed: bool = False
    original: Optional[bytes] = field(default=None, repr=False)
    migrated: Optional[bytes] = field(default=None, repr=False)

    def to_dict(self) -> dict:
        data = {
            "path": self.path,
            "status": self.status,
            "rules_applied": self.rules_applied,
            "notes": [note.to_dict() for note in self.notes],
        }
        if self.error is not None:
            data["error"] = self.error
        if self.diff is not None:
            data["diff"] = self.diff
        return data


def migrate_bytes(path: str, source: bytes, options: Options):
    """(outcome, migrated bytes) for one file's content; never raises for bad input."""
    from migrator.engine.core import MigrationError, migrate_source

    try:
        result = migrate_source(source, path=path, select=options.select or None, ignore=options.ignore or None)
    except MigrationError as error:
        return FileOutcome(path, "failed", error=str(error)), None
    except RecursionError:
        return FileOutcome(path, "failed", error="file too deeply nested to parse"), None
    except Exception as error:  # a bug in a rule must cost one file, never the run
        return FileOutcome(
            path,
            "failed",
            error=f"internal error ({type(error).__name__}: {error}); file left unchanged, please report it",
        ), None
    outcome = FileOutcome(
        path,
        "changed" if result.changed else "unchanged",
        list(result.rules_applied),
        list(result.notes),
        encoding=result.encoding,
        parsed=result.parsed,
    )
    if result.changed and options.diff:
        outcome.diff = unified_diff(result.original.decode(result.encoding), result.code, path)
    if options.keep_sources:
        outcome.original, outcome.migrated = result.original, result.migrated
    return outcome, result.migrated


def process_file(path: str, options: Options) -> FileOutcome:
    try:
        source = Path(path).read_bytes()
    except IsADirectoryError:
        return FileOutcome(path, "failed", error="is a directory")
    except FileNotFoundError:
        return FileOutcome(path, "failed", error="no such file")
    except OSError as error:
        return FileOutcome(path, "failed", error=f"cannot read: {error.strerror or error}")
    outcome, migrated = migrate_bytes(path, source, options)
    if outcome.status == "changed" and options.write:
        try:
            write_atomically(Path(path), migrated)
        except OSError as error:
            return FileOutcome(
                path, "failed", outcome.rules_applied, outcome.notes, error=f"cannot write: {error.strerror or error}"
            )
    return outcome


def run(
    paths: Iterable[str],
    options: Options,
    jobs: Optional[int] = None,
    progress: Optional[Callable[[FileOutcome], None]] = None,
    candidates: Optional[set] = None,
) -> list:
    """Outcomes for every path, in the order given. ``candidates`` are the paths already known
    to pass the byte prefilter (:func:`migrator.files.find` asks git): the others are
    'unchanged' without being read. Without it, each file is read and tested here."""
    paths = [str(path) for path in paths]
    if candidates is None:
        markers = selected_markers(options.select or None, options.ignore or None)
        candidates = {path for path in paths if mentions_marker(path, markers)}
    outcomes: dict = {}
    to_migrate = []
    for path in dict.fromkeys(paths):
        if path in candidates:
            to_migrate.append(path)
        else:
            outcomes[path] = FileOutcome(path, "unchanged")
            if progress:
                progress(outcomes[path])
    jobs = min(jobs or os.cpu_count() or 1, len(to_migrate))
    sizes = {path: _size(path) for path in to_migrate} if jobs > 1 else {}
    if jobs > 1 and sum(sizes.values()) >= POOL_MIN_BYTES:
        from concurrent.futures import ProcessPoolExecutor

        import migrator.engine.core  # noqa: F401
        from migrator.rules import all_rules

        # What a first migration imports (the engine, libcst, every rule module) is loaded
        # here once; forked workers inherit it instead of each paying for it.
        all_rules()
        # Biggest files first, one at a time: a 3,000-line file handed out last (or in a
        # chunk with another) would leave the other workers idle while it finishes.
        ordered = sorted(to_migrate, key=sizes.__getitem__, reverse=True)
        with ProcessPoolExecutor(max_workers=jobs, mp_context=_fork_context()) as pool:
            for path, outcome in zip(ordered, pool.map(process_file, ordered, [options] * len(ordered), chunksize=1)):
                outcomes[path] = outcome
                if progress:
                    progress(outcome)
    else:
        for path in to_migrate:
            outcomes[path] = process_file(path, options)
            if progress:
                progress(outcomes[path])
    return [outcomes[path] for path in paths]


def _fork_context():
    """Workers forked from this process where that is safe (Linux), so they start with what
    it has imported; elsewhere (and on Pythons defaulting to forkserver) a fresh interpreter
    per worker would import libcst and the rules again, a second or so each."""
    import multiprocessing
    import sys

    return multiprocessing.get_context("fork") if sys.platform == "linux" else None


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
