"""Running the engine over many files: each in its own guard, in parallel when it pays.

The CLI, the benchmark and other tools share this; it never prints."""
from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from migrator.diffing import unified_diff
from migrator.engine import MigrationError, migrate_source, needs_migration_scan
from migrator.files import write_atomically
from migrator.rules import select_rules

#: Below this many files to parse, a process pool costs more than it saves.
POOL_THRESHOLD = 8


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
    try:
        result = migrate_source(source, path=path, select=options.select or None, ignore=options.ignore or None)
    except MigrationError as error:
        return FileOutcome(path, "failed", error=str(error)), None
    except RecursionError:
        return FileOutcome(path, "failed", error="file too deeply nested to parse"), None
    except Exception as error:  # a bug in a rule must cost one file, never the run
        return FileOutcome(path, "failed", error=f"internal error ({type(error).__name__}: {error}); file left unchanged, please report it"), None
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
            return FileOutcome(path, "failed", outcome.rules_applied, outcome.notes, error=f"cannot write: {error.strerror or error}")
    return outcome


def _prefiltered(path: str, rule_classes) -> Optional[FileOutcome]:
    """An 'unchanged' outcome when the cheap byte test rules the file out, else None."""
    try:
        source = Path(path).read_bytes()
    except OSError:
        return None  # let process_file report it
    if needs_migration_scan(source, rule_classes):
        return None
    return FileOutcome(path, "unchanged")


def run(
    paths: Iterable[str],
    options: Options,
    jobs: Optional[int] = None,
    progress: Optional[Callable[[FileOutcome], None]] = None,
) -> list:
    """Outcomes for every path, in the order given."""
    paths = [str(path) for path in paths]
    rule_classes = select_rules(options.select or None, options.ignore or None)
    outcomes: dict = {}
    candidates = []
    for path in paths:
        skipped = _prefiltered(path, rule_classes)
        if skipped is None:
            candidates.append(path)
        else:
            outcomes[path] = skipped
            if progress:
                progress(skipped)
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(candidates) >= POOL_THRESHOLD:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for path, outcome in zip(candidates, pool.map(process_file, candidates, [options] * len(candidates), chunksize=4)):
                outcomes[path] = outcome
                if progress:
                    progress(outcome)
    else:
        for path in candidates:
            outcomes[path] = process_file(path, options)
            if progress:
                progress(outcomes[path])
    return [outcomes[path] for path in paths]
