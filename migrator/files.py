"""Finding the files to migrate and the ones worth parsing, and writing results back without
ever leaving a half-written file.

Inside a git work tree git does the finding: ``git ls-files`` lists the files (``.gitignore``
honoured) and one ``git grep -F`` names those that mention a marker, so ``--check`` over a large
repository costs about what ``grep`` does instead of reading every file in Python. Elsewhere, or
when git cannot answer, the directory is walked and each file read. Both ways give the same
files in the same order and the same candidates (``tests/test_files.py`` runs both on one tree).

``migrate-stt`` calls :func:`find` before it has imported anything else (see
:mod:`migrator.entry`), so this module imports only what a bare interpreter has already
loaded; ``subprocess``, ``re`` and ``pathlib`` are imported where they are needed.
"""

from __future__ import annotations

import os
import stat

from migrator.markers import ASSEMBLYAI_EVIDENCE, mentions

TYPE_CHECKING = False
if TYPE_CHECKING:
    import subprocess
    from pathlib import Path
    from typing import Iterable, Iterator, Optional

#: Directory names never worth descending into.
SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "__pycache__",
        "node_modules",
        "site-packages",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".eggs",
    }
)

#: Seconds any one git command may take before we walk the directory ourselves instead.
GIT_TIMEOUT = 60


class Found:
    """What :func:`find` found: every file to report on, in order, and the subset that may
    need migrating (it mentions a marker, or could not be read and must be reported)."""

    __slots__ = ("files", "candidates")

    def __init__(self, files: list, candidates: set) -> None:
        self.files = files
        self.candidates = candidates

    def __repr__(self) -> str:
        return f"Found(files={self.files!r}, candidates={self.candidates!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Found) and (self.files, self.candidates) == (other.files, other.candidates)


def discover(paths: Iterable[str], excludes: Iterable[str] = ()) -> Iterator[Path]:
    """Every Python file under ``paths``, in a stable order; files named explicitly are
    always included (whatever their suffix), directories are searched for ``*.py``."""
    from pathlib import Path

    for path in find(paths, excludes).files:
        yield Path(path)


def find(
    paths: Iterable[str], excludes: Iterable[str] = (), markers: Optional[Iterable[bytes]] = None, use_git: bool = True
) -> Found:
    """Every file :func:`discover` yields, as strings, and, given ``markers``, the ones that
    mention one; without ``markers`` every file is a candidate. ``use_git=False`` walks and
    reads even inside a git work tree (the reference the git way is tested against)."""
    excluded = _Excludes(tuple(excludes))
    markers = None if markers is None else tuple(markers)
    files: list = []
    candidates: set = set()
    for raw in paths:
        path = as_path_spells(raw)
        if not os.path.isdir(path):
            files.append(path)  # named explicitly; a missing or unreadable path is reported when it is read
            candidates.update(_read_and_tested([path], markers))
            continue
        found = _found_by_git(path, excluded, markers) if use_git else None
        if found is None:
            walked = _walk(path, excluded)
            found = walked, _read_and_tested(walked, markers)
        files.extend(found[0])
        candidates.update(found[1])
    return Found(files, candidates)


def as_path_spells(raw) -> str:
    """``str(Path(raw))`` without importing pathlib: on POSIX, empty and ``.`` parts and
    trailing slashes dropped, ``..`` kept, a leading ``//`` (and only two) kept."""
    raw = os.fspath(raw)
    if os.sep != "/" or os.altsep:
        from pathlib import Path

        return str(Path(raw))
    root = "//" if raw.startswith("//") and not raw.startswith("///") else "/" if raw.startswith("/") else ""
    return root + "/".join(part for part in raw.split("/") if part and part != ".") or "."


def _read_and_tested(paths: list, markers: Optional[tuple]) -> set:
    """Those of ``paths`` that mention a marker, reading each here (all of them without markers)."""
    return set(paths) if markers is None else {path for path in paths if mentions_marker(path, markers)}


def mentions_marker(path: str, markers: tuple) -> bool:
    """The prefilter: does the file mention any marker? True also when it cannot be read, so
    that migrating it reports why."""
    try:
        with open(path, "rb") as stream:
            source = stream.read()
    except OSError:
        return True
    return mentions(source, markers)


class _Excludes:
    """``--exclude`` globs, each tried on the whole path and as ``*/glob`` (which covers the
    file or directory name too), with fnmatch's own patterns compiled once."""

    def __init__(self, patterns: tuple) -> None:
        self.match = None
        if not patterns:
            return
        import fnmatch
        import re

        translated = [fnmatch.translate(p) for pattern in patterns for p in (pattern, f"*/{pattern}")]
        self.match = re.compile("|".join(translated)).match

    def __call__(self, path: str) -> bool:
        return self.match is not None and self.match(path) is not None


def _join(directory: str, name: str) -> str:
    """The path as ``str(Path(directory, name))`` spells it, without building a Path."""
    if not name:
        return directory
    return name if directory in ("", ".") else os.path.join(directory, name)


def _prefix(top: str) -> str:
    """What a path relative to ``top`` is appended to, as :func:`_join` would join them."""
    return "" if top == "." else os.path.join(top, "")


def _descends_into(path: str, name: str, excluded: _Excludes) -> bool:
    """Whether the walk enters the subdirectory ``path`` (whose last part is ``name``)."""
    return _may_enter(path, name, excluded) and not os.path.isfile(path + "/pyvenv.cfg")


def _may_enter(path: str, name: str, excluded: _Excludes) -> bool:
    """:func:`_descends_into` short of looking inside: the name and ``--exclude`` allow it."""
    return name not in SKIPPED_DIRECTORIES and not excluded(path)


def _walk(top: str, excluded: _Excludes) -> list:
    """The Python files under ``top`` in walk order (each directory's files sorted, then its
    sorted subdirectories), without what ``.gitignore`` ignores. One ``os.scandir`` per
    directory tells files from directories; a directory holding ``pyvenv.cfg`` (a virtual
    environment) is dropped once its listing shows it, and links to directories are not
    followed (as ``os.walk`` does by default)."""
    found = []  # (path, path relative to top)
    pending = [""]  # directories to list, relative to top, the next one last
    while pending:
        relative_root = pending.pop()
        shown_root = _join(top, relative_root)  # as Path(root) spells it: "./a" is "a"
        try:
            with os.scandir(os.path.join(top, relative_root) if relative_root else top) as entries:
                names, directories, virtual_environment = [], [], False
                for entry in entries:
                    try:
                        is_directory = entry.is_dir()
                    except OSError:
                        is_directory = False
                    if not is_directory:
                        names.append(entry.name)
                        if entry.name == "pyvenv.cfg" and relative_root and entry.is_file():
                            virtual_environment = True
                    elif not entry.is_symlink():
                        directories.append(entry.name)
        except OSError:
            continue  # unreadable: os.walk skips it too
        if virtual_environment:
            continue
        for name in sorted(names):
            path = _join(shown_root, name)
            if name.endswith(".py") and not excluded(path):
                found.append((path, _join(relative_root, name)))
        pending.extend(
            _join(relative_root, name)
            for name in sorted(directories, reverse=True)
            if _may_enter(_join(shown_root, name), name, excluded)
        )
    return _not_git_ignored(top, found)


def _not_git_ignored(directory: str, found: list) -> list:
    """Drop what ``.gitignore`` ignores, asking git itself (one call per directory)."""
    paths = [path for path, _ in found]
    if not found:
        return paths
    import subprocess

    try:
        completed = subprocess.run(
            ["git", "-C", directory, "check-ignore", "--stdin", "-z"],
            input=b"\0".join(os.fsencode(relative) for _, relative in found) + b"\0",
            capture_output=True,
            timeout=GIT_TIMEOUT,
        )
    except (OSError, subprocess.TimeoutExpired):
        return paths
    if completed.returncode not in (0, 1):  # 128: not a git checkout
        return paths
    ignored = {os.fsdecode(item) for item in completed.stdout.split(b"\0") if item}
    return [path for path, relative in found if relative not in ignored]


def _found_by_git(top: str, excluded: _Excludes, markers: Optional[tuple]) -> Optional[tuple]:
    """(files, candidates) under ``top`` as git sees them, or None when git cannot say.
    ``git grep`` runs while the listing is read, since it takes the longer."""
    # git grep finds the few files tied to AssemblyAI; the rule markers are checked on those.
    grep = None if markers is None else _start_git(top, *_grep_arguments(ASSEMBLYAI_EVIDENCE))
    try:
        listed = _git_listing(top, excluded)
        if listed is None:
            return None
        files, not_regular = listed
        hits = None if grep is None else _git_grep_hits(top, grep)
        if hits is None:
            return files, _read_and_tested(files, markers)
        # git grep reads regular files only: a symlink is tested through its target here.
        return files, _read_and_tested([f for f in files if f in hits], markers) | _read_and_tested(
            not_regular, markers
        )
    finally:
        if grep is not None and grep.returncode is None:
            grep.kill()
            grep.communicate()


def _start_git(directory: str, *arguments: str) -> Optional[subprocess.Popen]:
    import subprocess

    try:
        return subprocess.Popen(
            ["git", "-C", directory, *arguments],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
    except OSError:
        return None


def _finish_git(process: Optional[subprocess.Popen]) -> Optional[tuple]:
    """(exit code, stdout, stderr), or None when git could not be run or took too long."""
    if process is None:
        return None
    import subprocess

    try:
        stdout, stderr = process.communicate(timeout=GIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return None
    return process.returncode, stdout, stderr


def _git_listing(top: str, excluded: _Excludes) -> Optional[tuple]:
    """What :func:`_walk` finds under ``top``, listed by git: (files in walk order, those of
    them that are not regular files). None when ``top`` is not in a git work tree, or holds a
    repository of its own (a submodule or a nested checkout), which the walk handles."""
    finished = _finish_git(
        _start_git(top, "ls-files", "-z", "-t", "--stage", "--cached", "--others", "--exclude-standard")
    )
    if finished is None or finished[0] != 0:
        return None
    relative_paths = set()
    for entry in finished[1].split(b"\0"):
        # "? path" when untracked, else "<tag> <mode> <object> <stage>\tpath"
        if entry.startswith(b"? "):
            if entry.endswith(b"/"):
                return None  # an untracked repository inside this one
            path = entry[2:]
        elif entry:
            meta, _, path = entry.partition(b"\t")
            if meta[2:8] == b"160000":
                return None  # a submodule
        else:
            continue
        if path.endswith(b".py"):
            relative_paths.add(os.fsdecode(path))

    prefix = _prefix(top)
    allowed = {"": True}

    def directory_allowed(relative: str) -> bool:
        known = allowed.get(relative)
        if known is None:
            parent, _, name = relative.rpartition("/")
            known = allowed[relative] = directory_allowed(parent) and _descends_into(prefix + relative, name, excluded)
        return known

    files, not_regular = [], []
    for relative in sorted(relative_paths, key=_walk_order):
        path = prefix + relative
        if not directory_allowed(relative.rpartition("/")[0]) or excluded(path):
            continue
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            continue  # tracked but deleted (or out of reach): the walk would not see it either
        if not stat.S_ISREG(mode):
            if stat.S_ISDIR(mode) or os.path.isdir(path):
                continue  # the walk counts a directory, or a link to one, as a directory
            not_regular.append(path)
        files.append(path)
    return files, not_regular


def _walk_order(relative: str) -> str:
    """Sort key giving ``os.walk``'s order with sorted names: a directory's files first, then
    its subdirectories one after the other. Each ``/`` becomes NUL SOH and the file name is
    preceded by NUL NUL (by NUL at the top), so at every depth files sort before subdirectories
    and a name before any longer name it begins."""
    directory, slash, name = relative.rpartition("/")
    return directory.replace("/", "\0\1") + "\0\0" + name if slash else "\0" + name


def _grep_arguments(markers: tuple) -> list:
    patterns = [argument for marker in markers for argument in ("-e", os.fsdecode(marker))]
    return [
        "grep",
        "-l",
        "-z",
        "-F",
        "--text",
        "--untracked",
        "--no-recurse-submodules",
        "--no-full-name",
        "--no-color",
        *patterns,
        "--",
        "*.py",
    ]


def _git_grep_hits(top: str, grep: Optional[subprocess.Popen]) -> Optional[set]:
    """The ``*.py`` files under ``top`` (tracked or untracked, not ignored) that mention a
    marker, spelled as :func:`_git_listing` spells them; None when git cannot say for every file."""
    finished = _finish_git(grep)
    # Anything on stderr names a file git could not read: the walk's way reports it.
    if finished is None or finished[0] not in (0, 1) or finished[2]:
        return None
    prefix = _prefix(top)
    return {prefix + os.fsdecode(path) for path in finished[1].split(b"\0") if path}


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data``: a temporary file in the same directory, the original
    mode copied, then one rename. A crash leaves the old file or the new one, never half."""
    import tempfile

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
