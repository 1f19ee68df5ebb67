"""Finding the files to migrate and writing results back without ever leaving a
half-written file."""
from __future__ import annotations

import fnmatch
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Iterable, Iterator

#: Directory names never worth descending into.
SKIPPED_DIRECTORIES = frozenset({
    ".git", ".hg", ".svn", "__pycache__", "node_modules", "site-packages", ".venv", "venv",
    ".tox", ".nox", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".eggs",
})


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def _excluded(path: Path, excludes: Iterable[str]) -> bool:
    text = path.as_posix()
    return any(fnmatch.fnmatch(text, pattern) or fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(text, f"*/{pattern}") for pattern in excludes)


def discover(paths: Iterable[str], excludes: Iterable[str] = ()) -> Iterator[Path]:
    """Every Python file under ``paths``, in a stable order; files named explicitly are
    always included (whatever their suffix), directories are walked for ``*.py``."""
    excludes = tuple(excludes)
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield path  # a missing or unreadable path is reported when it is read
            continue
        found = []
        for root, directories, files in os.walk(path):
            root_path = Path(root)
            directories[:] = sorted(
                name for name in directories
                if name not in SKIPPED_DIRECTORIES
                and not _is_virtualenv(root_path / name)
                and not _excluded(root_path / name, excludes)
            )
            found.extend(root_path / name for name in sorted(files) if name.endswith(".py") and not _excluded(root_path / name, excludes))
        yield from _not_git_ignored(path, found)


def _not_git_ignored(directory: Path, files: list) -> list:
    """Drop what ``.gitignore`` ignores, asking git itself (one call per directory)."""
    if not files:
        return files
    try:
        completed = subprocess.run(
            ["git", "-C", str(directory), "check-ignore", "--stdin", "-z"],
            input=b"\0".join(os.fsencode(os.path.relpath(f, directory)) for f in files) + b"\0",
            capture_output=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return files
    if completed.returncode not in (0, 1):  # 128: not a git checkout
        return files
    ignored = {os.path.normpath(os.path.join(directory, os.fsdecode(item))) for item in completed.stdout.split(b"\0") if item}
    return [f for f in files if os.path.normpath(str(f)) not in ignored]


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a temporary file in the same directory, the original
    mode copied, then one rename. A crash leaves the old file or the new one, never half."""
    directory = path.parent
    mode = path.stat().st_mode
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".migrate-stt", dir=directory)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
