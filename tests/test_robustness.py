"""No input and no interruption takes the run down or leaves a file half-done: deep nesting,
a dying worker, FIFOs and other special files, symlinks, read-only and foreign-owned files,
SIGINT/SIGTERM/SIGKILL. Everything runs for real: the CLI as a subprocess, real files,
real signals, real resource limits."""

from __future__ import annotations

import ast
import json
import os
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from migrator import MigrationError, migrate_source
from migrator.engine.layout import Layout
from tests.migration_checks import V2_LINE, V3_LINE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "websocket_client"
MIGRATED = "from urllib.parse import urlencode\n" + V3_LINE


def cli(*args, cwd, timeout=120, **kwargs):
    return subprocess.run(
        [sys.executable, "-m", "migrator", *map(str, args)], cwd=cwd, capture_output=True, timeout=timeout, **kwargs
    )


def good_files(directory: Path, count: int) -> list:
    names = [f"client{index}.py" for index in range(count)]
    for name in names:
        (directory / name).write_text(V2_LINE)
    return names


# -- 2. parsing never takes the process down ---------------------------------------------


@pytest.mark.parametrize("jobs", [1, 4])
def test_1500_nested_parentheses_are_reported_and_every_other_file_migrated(tmp_path, jobs):
    good = good_files(tmp_path, 9)  # enough for a process pool with -j4
    nested = V2_LINE + "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n"
    (tmp_path / "nested.py").write_text(nested)
    result = cli("-j", jobs, "--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr
    report = json.loads(result.stdout)
    by_path = {entry["path"]: entry for entry in report["files"]}
    assert by_path["nested.py"]["status"] == "failed"
    assert by_path["nested.py"]["error"] == "cannot parse: too many nested parentheses at line 2, column 205"
    assert sorted(path for path, entry in by_path.items() if entry["status"] == "changed") == sorted(good)
    assert report["summary"]["changed"] == 9 and report["summary"]["failed"] == 1
    assert (tmp_path / "nested.py").read_text() == nested
    assert all((tmp_path / name).read_text() == MIGRATED for name in good)


def _address_space_limit(limit: int):
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


def test_a_worker_that_dies_is_that_files_failure_and_the_others_complete(tmp_path):
    # libcst needs ~0.75 GB for 2,000 nested lambdas (valid Python): under a 600 MB address
    # space the worker parsing it aborts, a real death in native code.
    good = good_files(tmp_path, 9)
    (tmp_path / "deep.py").write_text(V2_LINE + "x = " + "lambda: " * 2000 + "1\n")
    result = cli("-j", 2, ".", cwd=tmp_path, preexec_fn=_address_space_limit(600 * 1024 * 1024))
    assert result.returncode == 2, result.stderr
    assert b"Traceback" not in result.stderr
    assert (
        b"error: deep.py: the process migrating it died (SIGABRT; a crash in the parser or out of memory); "
        b"file left unchanged\n" in result.stderr
    )
    assert b"10 file(s) scanned: 9 changed, 0 unchanged, 1 failed" in result.stderr
    assert all((tmp_path / name).read_text() == MIGRATED for name in good)


# -- 3. only regular files are opened ----------------------------------------------------


def test_a_fifo_in_a_tree_and_named_explicitly_is_skipped_with_a_note(tmp_path):
    good = good_files(tmp_path, 2)
    os.mkfifo(tmp_path / "pipe.py")
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(str(tmp_path / "socket.py"))
    try:
        walked = cli(".", cwd=tmp_path, timeout=30)
        named = cli("pipe.py", "socket.py", cwd=tmp_path, timeout=30)
    finally:
        listener.close()
    assert walked.returncode == 0, walked.stderr
    assert b"note: pipe.py: not a regular file (a FIFO); skipped\n" in walked.stderr
    assert b"note: socket.py: not a regular file (a socket); skipped\n" in walked.stderr
    assert b"4 file(s) scanned: 2 changed, 0 unchanged, 0 failed, 2 skipped" in walked.stderr
    assert all((tmp_path / name).read_text() == MIGRATED for name in good)
    assert named.returncode == 0
    assert named.stderr.splitlines()[:2] == [
        b"note: pipe.py: not a regular file (a FIFO); skipped",
        b"note: socket.py: not a regular file (a socket); skipped",
    ]


def test_a_device_named_explicitly_is_skipped(tmp_path):
    result = cli("--check", "/dev/zero", cwd=tmp_path, timeout=30)
    assert result.returncode == 0
    assert b"note: /dev/zero: not a regular file (a character device); skipped\n" in result.stderr


# -- 5. in-place writes keep file semantics ----------------------------------------------


def test_a_symlink_is_written_through_and_kept(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "target.py").write_text(V2_LINE)
    (tmp_path / "link.py").symlink_to("real/target.py")
    result = cli("link.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link.py").is_symlink()
    assert os.readlink(tmp_path / "link.py") == "real/target.py"
    assert (tmp_path / "real" / "target.py").read_text() == MIGRATED
    assert sorted(os.listdir(tmp_path / "real")) == ["target.py"]


def test_a_read_only_file_is_reported_and_left_alone_unless_forced(tmp_path):
    (tmp_path / "locked.py").write_text(V2_LINE)
    (tmp_path / "locked.py").chmod(0o444)
    good = good_files(tmp_path, 1)
    result = cli(".", cwd=tmp_path)
    assert result.returncode == 2
    assert (
        b"error: locked.py: read-only file (no write permission); left unchanged (--force rewrites it)\n"
        in result.stderr
    )
    assert (tmp_path / "locked.py").read_text() == V2_LINE
    assert (tmp_path / good[0]).read_text() == MIGRATED
    assert cli("--check", "locked.py", cwd=tmp_path).returncode == 1  # nothing written: no complaint

    forced = cli("--force", "locked.py", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert (tmp_path / "locked.py").read_text() == MIGRATED
    assert stat.S_IMODE((tmp_path / "locked.py").stat().st_mode) == 0o444


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another owner needs root")
def test_owner_group_and_mode_are_kept(tmp_path):
    path = tmp_path / "shared.py"
    path.write_text(V2_LINE)
    os.chown(path, 12345, 23456)
    path.chmod(0o2754)
    result = cli("shared.py", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    status = path.stat()
    assert (status.st_uid, status.st_gid, stat.S_IMODE(status.st_mode)) == (12345, 23456, 0o2754)
    assert path.read_text() == MIGRATED


@pytest.fixture
def world_writable_directory():
    directory = Path(tempfile.mkdtemp(prefix="migrate-stt-owner-"))
    directory.chmod(0o777)
    yield directory
    shutil.rmtree(directory)


#: The CLI, run as the unprivileged user ``nobody`` once a first run as root has loaded
#: everything it imports (the interpreter's own files may be out of that user's reach).
AS_NOBODY = """
import os, sys
import migrator.cli

ARGUMENTS = sys.argv[1:]

def main(*args):
    sys.argv = ["migrate-stt", *args]
    try:
        migrator.cli.main()
    except SystemExit as exit:
        return exit.code

main("--check", *ARGUMENTS)  # as root: loads every module the run needs
os.setgroups([])
os.setgid(65534)
os.setuid(65534)
sys.exit(main(*ARGUMENTS))
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="running as another user needs root")
def test_a_file_of_another_user_is_left_alone_unless_forced(world_writable_directory):
    """As an unprivileged user, on a root-owned, world-writable file: the owner cannot be
    kept, so the file is refused; --force rewrites it (and it becomes that user's)."""
    path = world_writable_directory / "theirs.py"
    path.write_text(V2_LINE)
    path.chmod(0o666)

    def as_nobody(*args):
        return subprocess.run(
            [sys.executable, "-c", AS_NOBODY, *args], cwd=world_writable_directory, capture_output=True, timeout=120
        )

    result = as_nobody("theirs.py")
    assert result.returncode == 2, result.stderr
    assert (
        b"error: theirs.py: owned by another user (uid 0); rewriting it would make it yours; "
        b"left unchanged (--force rewrites it)\n" in result.stderr
    )
    assert path.read_text() == V2_LINE and path.stat().st_uid == 0
    assert sorted(os.listdir(world_writable_directory)) == ["theirs.py"]

    forced = as_nobody("--force", "theirs.py")
    assert forced.returncode == 0, forced.stderr
    assert path.read_text() == MIGRATED
    assert stat.S_IMODE(path.stat().st_mode) == 0o666


# -- 6. interruption ------------------------------------------------------------------------


def _tree_of_clients(directory: Path, count: int) -> list:
    source = (FIXTURES / "getting_started" / "input.py").read_bytes()
    names = [f"client{index:03}.py" for index in range(count)]
    for name in names:
        (directory / name).write_bytes(source)
    return names


def _children(parent: int) -> set:
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[1]) == parent:
                found.add(int(entry))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


def _start_and_wait_for_a_write(directory: Path, names: list, jobs: int):
    original = (directory / names[0]).read_bytes()
    process = subprocess.Popen(
        [sys.executable, "-m", "migrator", "-j", str(jobs), "."],
        cwd=directory,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a shell job has
    )
    deadline = time.monotonic() + 60
    workers: set = set()
    while time.monotonic() < deadline:
        workers |= _children(process.pid)
        if any((directory / name).read_bytes() != original for name in names):
            return process, workers, original
        assert process.poll() is None, process.communicate()
        time.sleep(0.01)
    process.kill()
    raise AssertionError("no file was written within 60 s")


def _written_on_disk(directory: Path, names: list, original: bytes) -> list:
    return [name for name in names if (directory / name).read_bytes() != original]


def _wait_until_gone(pids: set, seconds: float = 10) -> set:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    return {pid for pid in pids if _alive(pid)}


@pytest.mark.parametrize(
    "jobs, signum, to_group",
    [(2, signal.SIGINT, True), (2, signal.SIGTERM, False), (1, signal.SIGTERM, False), (1, signal.SIGINT, True)],
    ids=["ctrl-c-pool", "sigterm-pool", "sigterm-serial", "ctrl-c-serial"],
)
def test_a_signal_stops_the_run_and_the_summary_lists_what_was_written(tmp_path, jobs, signum, to_group):
    names = _tree_of_clients(tmp_path, 300)
    process, workers, original = _start_and_wait_for_a_write(tmp_path, names, jobs)
    if to_group:
        os.killpg(process.pid, signum)  # what Ctrl-C in a terminal does
    else:
        os.kill(process.pid, signum)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 128 + signum, stderr
    assert b"Traceback" not in stderr
    written = _written_on_disk(tmp_path, names, original)
    assert 0 < len(written) < len(names)
    last = stderr.decode().splitlines()[-1]
    assert last == (
        f"interrupted ({signal.Signals(signum).name}): {len(written)} file(s) rewritten before the stop: "
        + ", ".join(written)
        + "; no other file was written"
    )
    expected = (FIXTURES / "getting_started" / "expected.py").read_bytes()
    assert all((tmp_path / name).read_bytes() == expected for name in written)
    assert sorted(os.listdir(tmp_path)) == names  # no temporary file left
    assert _wait_until_gone(workers) == set()
    if jobs > 1:
        assert workers  # the check above saw the pool


def test_workers_die_with_a_killed_parent_and_leave_no_temporary_file(tmp_path):
    names = _tree_of_clients(tmp_path, 300)
    process, workers, _ = _start_and_wait_for_a_write(tmp_path, names, 2)
    workers |= _children(process.pid)
    assert workers
    process.kill()
    process.communicate(timeout=60)
    assert _wait_until_gone(workers) == set()
    assert sorted(os.listdir(tmp_path)) == names


def test_a_worker_told_to_stop_exits_even_where_a_task_error_would_be_caught(tmp_path):
    # The pool's worker loop catches whatever a task raises; SIGTERM must not be one of those.
    script = (
        "import os, signal, time\n"
        "from migrator.runner import _prepare_worker\n"
        "_prepare_worker(os.getppid())\n"
        "try:\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    time.sleep(5)\n"
        "except BaseException:\n"
        "    pass\n"
        "print('still running')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert (result.returncode, result.stdout) == (128 + signal.SIGTERM, b"")


def test_a_signal_in_the_pool_loop_is_raised_where_the_loop_checks_and_by_the_handler_it_had():
    from migrator.runner import Stop, _SignalsBetweenWaits

    def stop(signum, frame):
        raise Stop(signum)

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(Stop) as stopped:
            with _SignalsBetweenWaits() as signals:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)  # the handler has run: noted, nothing raised
                assert signals.received == [signal.SIGTERM]
                signals.raise_received()
        assert stopped.value.signum == signal.SIGTERM
        assert signal.getsignal(signal.SIGTERM) is stop
        with pytest.raises(Stop):
            with _SignalsBetweenWaits():
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(0.05)  # after the last check: raised on the way out
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- 8. valid Python is migrated or refused by name; error positions are CPython's ----------


@pytest.mark.parametrize(
    "body",
    [
        "x = " + " + ".join(f"a{index}" for index in range(600)) + "\n",
        "x = (\n" + "".join(f'    "part {index}"\n' for index in range(600)) + ")\n",
        "x = " + "(" * 199 + "1" + ")" * 199 + "\n",
    ],
    ids=["600-term-chain", "600-line-implicit-concatenation", "199-nested-parentheses"],
)
def test_long_chains_and_concatenations_are_migrated(body):
    result = migrate_source(V2_LINE + body, path="long.py", layout=Layout())
    assert result.changed and result.rules_applied == ["STT001"]
    assert result.code == MIGRATED + body


def test_5000_implicit_strings_are_a_named_limitation():
    body = "x = (\n" + "".join(f'    "part {index}"\n' for index in range(5000)) + ")\n"
    compile(V2_LINE + body, "f", "exec")  # valid Python
    with pytest.raises(MigrationError) as raised:
        migrate_source(V2_LINE + body)
    assert str(raised.value) == (
        "libcst cannot parse an implicit concatenation of 5000 string literals (at most 3000) at line 3; "
        "file left unchanged"
    )


def test_a_parenthesised_annotation_target_is_a_named_limitation():
    source = V2_LINE + "def f():\n    (x): int = 1\n"
    compile(source, "f", "exec")
    with pytest.raises(MigrationError) as raised:
        migrate_source(source)
    assert str(raised.value) == (
        "libcst cannot parse a parenthesised annotation target `(x): int` at line 3; "
        "file left unchanged (`x: int` means the same)"
    )


BROKEN = {
    "missing-name": "x = 1\ndef (:\n",
    "never-closed": "x = (1,\ny = 2\n",
    "missing-colon": "x = 1\nif x\n    pass\n",
    "unterminated-string": "x = 1\ny = 'abc\n",
    "unterminated-triple": "x = 1\n\ny = '''abc\n\n",
    "bad-dedent": "if x:\n    a\n  b\n",
    "unmatched": "x = 1\ny = 2)\n",
    "tabs": "if x:\n\tif y:\n        pass\n",
    "keyword": "x = 1\nclass = 3\n",
}


@pytest.mark.parametrize("source", list(BROKEN.values()), ids=list(BROKEN))
def test_syntax_errors_are_reported_where_python_reports_them(source):
    source = V2_LINE + source
    with pytest.raises(SyntaxError) as python:
        compile(source, "f", "exec", flags=ast.PyCF_ONLY_AST)
    with pytest.raises(MigrationError) as ours:
        migrate_source(source)
    assert (
        str(ours.value)
        == f"cannot parse: {python.value.msg} at line {python.value.lineno}, column {python.value.offset}"
    )
