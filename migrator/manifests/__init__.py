"""STT030: the dependency manifests that govern migrated files, brought up to date with what
the migrated code needs.

Rules record what their rewrites need (:meth:`migrator.context.MigrationContext.require`,
carried on each file's outcome as ``needs``). For each need, the manifests are looked for
from the migrated file's directory upwards, stopping at the repository root (a directory
holding ``.git``) or the filesystem root: the first directory whose manifests name the
library governs it, and each of those manifests gets the smallest edit
(:mod:`migrator.manifests.pins`). A library no manifest names is noted on the nearest one,
which is left as it is.

Manifests read: ``requirements*.txt`` (and the files they include with ``-r``/``-c``),
``pyproject.toml``, ``setup.cfg``, ``setup.py``, ``Pipfile``, ``environment.yml``. Notebook
``pip install`` lines use :func:`migrator.manifests.pip_command.update_pip_command`.
"""

from __future__ import annotations

import os
from pathlib import Path

from migrator.context import Note
from migrator.manifests.pins import Wanted
from migrator.manifests.spots import Update, apply, line_column
from migrator.markers import MANIFEST_RULE
from migrator.outcomes import FileOutcome

#: Manifest file names besides ``requirements*.txt``, in the order they are reported.
MANIFEST_NAMES = ("pyproject.toml", "setup.cfg", "setup.py", "Pipfile", "environment.yml", "environment.yaml")


class ManifestError(Exception):
    """A manifest that cannot be read; ``str()`` says why."""


def read_manifest(path: Path, text: str, wanted: dict) -> Update:
    """The manifest at ``path`` (its text given) with the ``wanted`` libraries' constraints
    brought up to date. Raises :class:`ManifestError` when it cannot be parsed."""
    from migrator.manifests import formats

    name = path.name
    try:
        if name == "pyproject.toml" or name == "Pipfile":
            from migrator.manifests import toml_formats

            return (toml_formats.pyproject_toml if name == "pyproject.toml" else toml_formats.pipfile)(text, wanted)
        if name == "setup.py":
            from migrator.manifests.setup_py import setup_py

            return apply(text, setup_py(text), wanted)
        if name == "setup.cfg":
            return apply(text, formats.setup_cfg(text), wanted)
        if name.startswith("environment."):
            return apply(text, formats.environment_yml(text), wanted)
        spots, includes = formats.requirements_txt(text)
        return apply(text, spots, wanted, includes)
    except Exception as error:  # tomlkit, yaml and libcst each raise their own
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise ManifestError(f"cannot parse: {first}") from None


def manifests_in(directory: Path) -> list:
    found = sorted(directory.glob("requirements*.txt"))
    return found + [directory / name for name in MANIFEST_NAMES if (directory / name).is_file()]


def directories_up(path: Path) -> list:
    """The file's directory and those above it, up to the repository root (or the filesystem's)."""
    directory = path.parent
    chain = [directory]
    while not (directory / ".git").exists() and directory.parent != directory:
        directory = directory.parent
        chain.append(directory)
    return chain


class _Manifests:
    """Manifests read once each: their text, what they name, what they include."""

    def __init__(self, wanted_anywhere: dict) -> None:
        self.wanted_anywhere = wanted_anywhere
        self.texts: dict = {}
        self.listed: dict = {}
        self.errors: dict = {}
        self._includes: dict = {}

    def load(self, path: Path) -> bool:
        if path in self.texts or path in self.errors:
            return path in self.texts
        try:
            text = path.read_bytes().decode("utf-8")
            update = read_manifest(path, text, self.wanted_anywhere)
        except UnicodeDecodeError:
            self.errors[path] = "cannot read: not UTF-8"
            return False
        except OSError as error:
            self.errors[path] = f"cannot read: {error.strerror or error}"
            return False
        except ManifestError as error:
            self.errors[path] = str(error)
            return False
        self.texts[path], self.listed[path] = text, update.listed
        self._includes[path] = [(path.parent / include).resolve() for include in update.includes]
        return True

    def group(self, directory: Path) -> list:
        """The manifests of a directory, with the requirement files they include."""
        group: list = []
        pending = list(manifests_in(directory))
        while pending:
            path = pending.pop(0).resolve()
            if path in group or not path.is_file():
                continue
            group.append(path)
            if self.load(path):
                pending.extend(self._includes[path])
        return group


def update_manifests(outcomes: list, options) -> list:
    """One :class:`migrator.outcomes.FileOutcome` per manifest changed or noted for what the
    migrated files among ``outcomes`` need; written in place when ``options.write``."""

    needs = [(outcome.path, need) for outcome in outcomes if outcome.status == "changed" for need in outcome.needs]
    if not needs:
        return []
    anywhere: dict = {}
    for source, need in needs:
        _merge(anywhere, source, need)
    manifests = _Manifests(anywhere)
    wanted_by: dict = {}  # manifest -> {key: Wanted}
    unlisted: dict = {}  # manifest -> {key: Wanted}
    shown_as: dict = {}
    for source, need in needs:
        key = Wanted.of(need, source).key
        nearest = None
        for directory in directories_up(Path(os.path.abspath(source))):
            group = manifests.group(directory)
            nearest = nearest or (group[0] if group else None)
            governing = [path for path in group if key in manifests.listed.get(path, ())]
            for path in governing:
                _merge(wanted_by.setdefault(path, {}), source, need)
                shown_as.setdefault(path, _shown(path, source))
            for path in group:
                if path in manifests.errors:  # it may name the library: the run must say it could not tell
                    shown_as.setdefault(path, _shown(path, source))
            if governing:
                break
        else:
            if nearest is not None:
                _merge(unlisted.setdefault(nearest, {}), source, need)
                shown_as.setdefault(nearest, _shown(nearest, source))
    results = []
    for path in sorted(shown_as, key=lambda path: shown_as[path]):
        shown = shown_as[path]
        if path in manifests.errors:
            results.append(FileOutcome(shown, "failed", error=manifests.errors[path], manifest=True))
            continue
        results.append(
            _outcome(path, shown, manifests.texts[path], wanted_by.get(path, {}), unlisted.get(path, {}), options)
        )
    return [outcome for outcome in results if outcome.status != "unchanged" or outcome.notes]


def _outcome(path: Path, shown: str, text: str, wanted: dict, unlisted: dict, options):
    from migrator.diffing import unified_diff
    from migrator.files import write_atomically

    update = read_manifest(path, text, wanted) if wanted else Update(text)
    notes = {Note(MANIFEST_RULE, *line_column(text, offset), message) for offset, message in update.notes}
    for need in unlisted.values():
        sources = ", ".join(os.path.relpath(source, path.parent) for source in need.needed_by)
        notes.add(
            Note(
                MANIFEST_RULE,
                1,
                1,
                f"{need.package} is not listed here, and {sources} now needs {need.package}>={need.minimum}: "
                f"{need.reason}",
            )
        )
    changed = update.text != text
    outcome = FileOutcome(
        shown,
        "changed" if changed else "unchanged",
        [MANIFEST_RULE] if changed else [],
        sorted(notes, key=lambda note: (note.line, note.column, note.message)),
        manifest=True,
    )
    if changed and options.diff:
        outcome.diff = unified_diff(text, update.text, shown)
    if changed and options.write:
        try:
            write_atomically(path, update.text.encode("utf-8"))
        except OSError as error:
            outcome.status, outcome.error = "failed", f"cannot write: {error.strerror or error}"
    return outcome


def _merge(wanted: dict, source: str, need) -> None:
    fresh = Wanted.of(need, source)
    if fresh.key in wanted:
        wanted[fresh.key].merge(need, source)
    else:
        wanted[fresh.key] = fresh


def _shown(manifest: Path, source: str) -> str:
    """The manifest's path as the migrated file's was given: relative stays relative."""
    if os.path.isabs(source):
        return str(manifest)
    return os.path.relpath(manifest)
