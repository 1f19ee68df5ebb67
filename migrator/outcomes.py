"""What a run is asked to do (:class:`Options`) and what it made of each file
(:class:`FileOutcome`): shared by the runner, the dependency manifests, ``--verify`` and the
command line, and importing none of them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass(frozen=True)
class Options:
    write: bool = True
    diff: bool = False
    select: tuple = ()
    ignore: tuple = ()
    #: Keep the original and migrated bytes on the outcome (``--verify`` runs them).
    keep_sources: bool = False
    #: Rewrite read-only files, and files whose owner cannot be kept, too.
    force: bool = False


@dataclass
class FileOutcome:
    path: str
    status: str  # "changed" | "unchanged" | "failed" | "skipped" (not a regular file)
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
