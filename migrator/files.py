"""Finding the files to migrate and the ones worth parsing, and writing results back without
ever leaving a half-written file.

Inside a git work tree git does the finding: ``git ls-files`` lists the files (``.gitignore``
honoured) and one ``git grep -F`` names those that mention a marker, so ``--check`` over a large
repository costs about what ``grep`` does instead of reading every file in Python. Elsewhere, or
when git cannot answer, the directory is walked and each file read. Both ways give the same
files in the same order and the same candidates (``tests/test_files.py`` runs both on one tree).

Both ways also skip vendored copies of the libraries v2 scripts were written against (the
``assemblyai`` SDK, ``websockets``, ``websocket-client``): their own source speaks v2 on
purpose and must not be rewritten. :func:`vendored_library` says what such a copy looks like.
"""

from __future__ import annotations

import errno
import os
import stat

from migrator.markers import ASSEMBLYAI_EVIDENCE, mentions

TYPE_CHECKING = False
if TYPE_CHECKING:  # annotations only: a --check with nothing to parse must start fast
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
        ".ipynb_checkpoints",  # Jupyter's autosaved copies of the notebooks beside it
    }
)

#: Seconds any one git command may take before we walk the directory ourselves instead.
GIT_TIMEOUT = 60

#: Jupyter notebooks: found in directories like ``*.py`` files, migrated by :mod:`migrator.notebooks`.
NOTEBOOK_SUFFIX = ".ipynb"
#: What a directory is searched for.
SOURCE_SUFFIXES = (".py", NOTEBOOK_SUFFIX)
_SOURCE_SUFFIXES_BYTES = tuple(suffix.encode() for suffix in SOURCE_SUFFIXES)


def is_notebook(path: str) -> bool:
    return str(path).endswith(NOTEBOOK_SUFFIX)


#: The libraries v2 scripts used, by distribution name: the package directory they install
#: and files that package has in every release (in each tuple, one of them suffices).
LIBRARY_PACKAGES = {
    "assemblyai": ("assemblyai", (("__init__.py",), ("transcriber.py",), ("types.py",))),
    "websocket-client": ("websocket", (("__init__.py",), ("_app.py",), ("_core.py",))),
    "websockets": (
        "websockets",
        (("__init__.py",), ("client.py",), ("server.py",), ("frames.py", "framing.py", "protocol.py")),
    ),
}
#: Files that name a distribution, and how they spell its name (setup.py, pyproject.toml, setup.cfg).
PROJECT_FILES = ("pyproject.toml", "setup.cfg", "setup.py")
_PROJECT_NAME_PATTERN = r"""(?<![\w.])name\s*[=:]\s*(["']?)(assemblyai|websockets|websocket[-_.]client)\1(?=[\s,)]|$)"""


def _project_name(text: str):
    """The match naming a library v2 scripts used in a project file's text, or None."""
    import re

    return re.search(_PROJECT_NAME_PATTERN, text, re.MULTILINE | re.IGNORECASE)


class Found:
    """What :func:`find` found: every file to report on, in order, and the subset that may
    need migrating (it mentions a marker, or could not be read and must be reported); and
    the vendored library copies skipped, as (directory, distribution name), sorted."""

    __slots__ = ("files", "candidates", "vendored")

    def __init__(self, files: list, candidates: set, vendored: Optional[list] = None) -> None:
        self.files = files
        self.candidates = candidates
        self.vendored = vendored if vendored is not None else []

    def __repr__(self) -> str:
        return f"Found(files={self.files!r}, candidates={self.candidates!r}, vendored={self.vendored!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Found) and (self.files, self.candidates, self.vendored) == (
            other.files,
            other.candidates,
            other.vendored,
        )


def vendored_library(directory: str) -> Optional[str]:
    """The distribution name when ``directory`` is a copy of a library v2 scripts used:
    its package directory (``websocket/`` holding ``_app.py`` and ``_core.py``...), or a
    project root whose ``setup.py``/``pyproject.toml``/``setup.cfg`` names the library and
    that holds its package (beside it or under ``src/``). None for anything else."""
    name = os.path.basename(os.path.abspath(directory))
    for library, (package, signature) in LIBRARY_PACKAGES.items():
        if name == package and all(
            any(os.path.isfile(os.path.join(directory, option)) for option in options) for options in signature
        ):
            return library
    for project_file in PROJECT_FILES:
        path = os.path.join(directory, project_file)
        if not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8", errors="replace") as stream:
                match = _project_name(stream.read(200_000))
        except OSError:
            continue
        if match is None:
            continue
        library = match.group(2).lower().replace("_", "-").replace(".", "-")
        package = LIBRARY_PACKAGES[library][0]
        if any(os.path.isfile(os.path.join(directory, *where, package, "__init__.py")) for where in ((), ("src",))):
            return library
    return None


def discover(paths: Iterable[str], excludes: Iterable[str] = ()) -> Iterator[Path]:
    """Every Python file and notebook under ``paths``, in a stable order; files named
    explicitly are always included (whatever their suffix), directories are searched for
    ``*.py`` and ``*.ipynb``."""
    from pathlib import Path

    for path in find(paths, excludes).files:
        yield Path(path)


def find(
    paths: Iterable[str],
    excludes: Iterable[str] = (),
    markers: Optional[Iterable[bytes]] = None,
    use_git: bool = True,
    include_vendored: bool = False,
) -> Found:
    """Every file :func:`discover` yields, as strings, and, given ``markers``, the ones that
    mention one; without ``markers`` every file is a candidate. ``use_git=False`` walks and
    reads even inside a git work tree (the reference the git way is tested against).
    Directories that are vendored library copies are skipped (and listed in ``vendored``)
    unless ``include_vendored``; a file named explicitly is always taken."""
    excluded = _Excludes(tuple(excludes), None if include_vendored else {})
    markers = None if markers is None else tuple(markers)
    files: list = []
    candidates: set = set()
    for raw in paths:
        path = as_path_spells(raw)
        if not os.path.isdir(path):
            files.append(path)  # named explicitly; a missing or unreadable path is reported when it is read
            candidates.update(_read_and_tested([path], markers))
            continue
        if excluded.vendored is not None and excluded.is_vendored(path):
            continue
        found = _found_by_git(path, excluded, markers) if use_git else None
        if found is None:
            walked = _walk(path, excluded)
            found = walked, _read_and_tested(walked, markers)
        files.extend(found[0])
        candidates.update(found[1])
    return Found(files, candidates, sorted((excluded.vendored or {}).items()))


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
    """The prefilter: does the file mention any marker? True also when it cannot be read or
    is not a regular file, so that migrating it reports why."""
    try:
        source = read_regular_file(path)
    except (OSError, NotRegularFile):
        return True
    return mentions(source, markers)


class NotRegularFile(Exception):
    """A FIFO, socket or device: never read (a FIFO would block the run forever)."""

    def __init__(self, kind: str) -> None:
        super().__init__(f"not a regular file ({kind}); skipped")
        self.kind = kind


_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind(mode: int) -> str:
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def read_regular_file(path: str) -> bytes:
    """The bytes of ``path`` (through symlinks), which must be a regular file. Opened without
    blocking and checked on the open descriptor, so a FIFO (even one swapped in after a
    check) is never waited on. Raises :class:`NotRegularFile`, or OSError (IsADirectoryError
    for a directory)."""
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            raise error from None
        if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
            raise
        raise NotRegularFile(_kind(mode)) from None  # a socket cannot be opened at all
    with os.fdopen(descriptor, "rb") as stream:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
        if not stat.S_ISREG(mode):
            raise NotRegularFile(_kind(mode))
        return stream.read()


class _Excludes:
    """``--exclude`` globs, each tried on the whole path and as ``*/glob`` (which covers the
    file or directory name too), with fnmatch's own patterns compiled once; and, unless
    ``vendored`` is None, the vendored library copies met (directory -> distribution)."""

    def __init__(self, patterns: tuple, vendored: Optional[dict] = None) -> None:
        self.match = None
        if patterns:
            import fnmatch
            import re

            translated = [fnmatch.translate(p) for pattern in patterns for p in (pattern, f"*/{pattern}")]
            self.match = re.compile("|".join(translated)).match
        self.vendored = vendored

    def __call__(self, path: str) -> bool:
        return self.match is not None and self.match(path) is not None

    def is_vendored(self, directory: str) -> bool:
        """Whether to skip ``directory`` as a vendored library copy (and remember it)."""
        if self.vendored is None:
            return False
        library = vendored_library(directory)
        if library is not None:
            self.vendored[directory] = library
        return library is not None


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
    return (
        name not in SKIPPED_DIRECTORIES
        and not excluded(path)
        and not os.path.isfile(path + "/pyvenv.cfg")
        and not excluded.is_vendored(path)
    )


def _walk(top: str, excluded: _Excludes) -> list:
    """The Python files and notebooks under ``top`` in walk order (each directory's files sorted, then its
    sorted subdirectories), without what ``.gitignore`` ignores."""
    found = []  # (path, path relative to top)
    for root, directories, names in os.walk(top):
        relative_root = "" if root == top else root[len(top.rstrip("/")) + 1 :]
        shown_root = _join(top, relative_root)  # as Path(root) spells it: "./a" is "a"
        directories[:] = sorted(name for name in directories if _descends_into(_join(shown_root, name), name, excluded))
        for name in sorted(names):
            path = _join(shown_root, name)
            if name.endswith(SOURCE_SUFFIXES) and not excluded(path):
                found.append((path, _join(relative_root, name)))
    return _not_git_ignored(top, found)


def _not_git_ignored(directory: str, found: list) -> list:
    """Drop what ``.gitignore`` ignores, asking git itself (one call per directory)."""
    import subprocess

    paths = [path for path, _ in found]
    if not found:
        return paths
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
    import subprocess

    if process is None:
        return None
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
        if path.endswith(_SOURCE_SUFFIXES_BYTES):
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
        *(f"*{suffix}" for suffix in SOURCE_SUFFIXES),
    ]


def _git_grep_hits(top: str, grep: Optional[subprocess.Popen]) -> Optional[set]:
    """The ``*.py`` and ``*.ipynb`` files under ``top`` (tracked or untracked, not ignored) that mention a
    marker, spelled as :func:`_git_listing` spells them; None when git cannot say for every file."""
    finished = _finish_git(grep)
    # Anything on stderr names a file git could not read: the walk's way reports it.
    if finished is None or finished[0] not in (0, 1) or finished[2]:
        return None
    prefix = _prefix(top)
    return {prefix + os.fsdecode(path) for path in finished[1].split(b"\0") if path}


def close_match(path: str) -> Optional[str]:
    """For a path that does not exist, the closest existing path to it, one name at a time
    (``scirpts/clinet.py`` -> ``scripts/client.py``), spelled as the path was; None when
    some part has nothing close."""
    import difflib

    directory, name = os.path.split(path)
    if directory and not os.path.lexists(directory):
        directory = close_match(directory)
        if directory is None:
            return None
    if os.path.lexists(os.path.join(directory, name)):
        return os.path.join(directory, name)
    try:
        siblings = os.listdir(directory or ".")
    except OSError:
        return None
    matches = difflib.get_close_matches(name, siblings, n=1, cutoff=0.6)
    return os.path.join(directory, matches[0]) if matches else None


class NotWritten(Exception):
    """The file is left as it was, on purpose; ``str()`` says why and how to override it."""


def write_atomically(path: Path, data: bytes, force: bool = False, on_written=None) -> Path:
    """Replace the file at ``path`` with ``data``: a temporary file in the same directory, the
    original mode and owner copied, then one rename. A crash leaves the old file or the new
    one, never half; the temporary file is removed on every way out, Ctrl-C and SIGTERM
    included (both wait until the rename is done or undone). A symlink is written through:
    its target is replaced and the link kept. Returns the path written.

    Without ``force``, a file without write permission, or one whose owner cannot be kept (it
    belongs to another user and we are not root), raises :class:`NotWritten` and is left
    alone. ``on_written(path)`` is called once the rename is done, before any deferred
    signal is delivered, so a caller keeping a record of written files never misses one."""
    import tempfile
    from pathlib import Path

    target = Path(os.path.realpath(path))
    status = os.stat(target)
    if not force and (not status.st_mode & 0o222 or not os.access(target, os.W_OK)):
        raise NotWritten("read-only file (no write permission); left unchanged (--force rewrites it)")
    with _signals_deferred():
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".migrate-stt", dir=target.parent)
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                _keep_owner(temporary, status, force)
                os.chmod(temporary, stat.S_IMODE(status.st_mode))  # after chown, which clears set-id bits
                os.fsync(stream.fileno())
            os.replace(temporary, target)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise
        if on_written is not None:
            on_written(str(path))
    return target


def _keep_owner(temporary: str, original: os.stat_result, force: bool) -> None:
    """Give the new file the original's owner and group. Without root only the group can be
    changed (to one of ours): a file of another user is refused unless ``force``."""
    current = os.stat(temporary)
    if (current.st_uid, current.st_gid) == (original.st_uid, original.st_gid):
        return
    try:
        os.chown(temporary, original.st_uid, original.st_gid)
        return
    except PermissionError:
        pass
    if current.st_uid != original.st_uid and not force:
        raise NotWritten(
            f"owned by another user (uid {original.st_uid}); rewriting it would make it yours; "
            "left unchanged (--force rewrites it)"
        )
    try:
        os.chown(temporary, -1, original.st_gid)
    except PermissionError:
        if not force:
            raise NotWritten(
                f"its group (gid {original.st_gid}) cannot be kept; left unchanged (--force rewrites it)"
            ) from None


class _signals_deferred:
    """SIGINT and SIGTERM wait until the block ends (main thread only; signal handlers run
    there): a write is either done and recorded or not started."""

    SIGNALS = None

    def __enter__(self):
        import signal
        import threading

        self.blocked = None
        if hasattr(signal, "pthread_sigmask") and threading.current_thread() is threading.main_thread():
            self.blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
        return self

    def __exit__(self, *exc_info):
        import signal

        if self.blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, self.blocked)
        return False
