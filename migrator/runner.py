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
from migrator.files import close_match, is_notebook, mentions_marker, write_atomically
from migrator.markers import MANIFEST_RULE, select_codes, selected_markers

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
    #: Why an unchanged file counts as a v3 streaming client (see ``MigrationResult.v3_client``).
    v3_client: Optional[str] = None
    original: Optional[bytes] = field(default=None, repr=False)
    migrated: Optional[bytes] = field(default=None, repr=False)
    #: Library releases the migrated code needs (:class:`migrator.context.Need`).
    needs: list = field(default_factory=list)
    #: A dependency manifest brought up to date for those needs (:mod:`migrator.manifests`).
    manifest: bool = False

    def to_dict(self) -> dict:
        data = {
            "path": self.path,
            "status": self.status,
            "rules_applied": self.rules_applied,
            "notes": [note.to_dict() for note in self.notes],
        }
        if self.needs:
            data["needs"] = [need.to_dict() for need in self.needs]
        if self.error is not None:
            data["error"] = self.error
        if self.diff is not None:
            data["diff"] = self.diff
        return data


def migrate_bytes(path: str, source: bytes, options: Options):
    """(outcome, migrated bytes) for one file's content; never raises for bad input."""
    from migrator.engine.core import MigrationError, migrate_source
    from migrator.engine.layout import Layout

    layout = Layout.for_path(os.path.join(os.getcwd(), "stdin.py") if path == "-" else path)
    migrate = migrate_source
    if is_notebook(path):
        from migrator.notebooks import migrate_notebook as migrate
    try:
        result = migrate(source, path=path, select=options.select or None, ignore=options.ignore or None, layout=layout)
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
        needs=list(result.needs),
        v3_client=getattr(result, "v3_client", None),
    )
    if result.changed and options.diff:
        if is_notebook(path):
            from migrator.notebooks import notebook_diff

            outcome.diff = notebook_diff(result, path)
        else:
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
        match = None if os.path.lexists(path) else close_match(path)  # a dangling symlink exists
        return FileOutcome(path, "failed", error="no such file" + (f" (did you mean {match}?)" if match else ""))
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
    """Outcomes for every path, in the order given, then one for each dependency manifest
    brought up to date for what the migrated code needs (STT030). ``candidates`` are the paths already known
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
    jobs = jobs or os.cpu_count() or 1
    if jobs > 1 and len(to_migrate) >= POOL_THRESHOLD:
        from concurrent.futures import ProcessPoolExecutor

        import migrator.engine.core  # noqa: F401  (imported once here, so forked workers inherit it)

        # Biggest files first, one at a time: a 3,000-line file handed out last (or in a
        # chunk with another) would leave the other workers idle while it finishes.
        ordered = sorted(to_migrate, key=_size, reverse=True)
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            for path, outcome in zip(ordered, pool.map(process_file, ordered, [options] * len(ordered), chunksize=1)):
                outcomes[path] = outcome
                if progress:
                    progress(outcome)
    else:
        for path in to_migrate:
            outcomes[path] = process_file(path, options)
            if progress:
                progress(outcomes[path])
    ordered = [outcomes[path] for path in paths]
    if any(outcome.needs for outcome in ordered) and MANIFEST_RULE in select_codes(
        options.select or None, options.ignore or None
    ):
        from migrator.manifests import update_manifests

        ordered += update_manifests(ordered, options)
    return ordered


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
