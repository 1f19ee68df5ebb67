"""Running the engine over many files: each in its own guard, in parallel when it pays.

The CLI, the benchmark and other tools share this; it never prints. The engine (and so
libcst) is imported only once a file passes the byte prefilter.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Callable, Iterable, Optional

from migrator.diffing import unified_diff
from migrator.files import (
    NotRegularFile,
    NotWritten,
    close_match,
    is_notebook,
    mentions_marker,
    read_regular_file,
    write_atomically,
)
from migrator.markers import MANIFEST_RULE, select_codes, selected_markers
from migrator.outcomes import FileOutcome, Options

__all__ = ["FileOutcome", "Options", "Interrupted", "Stop", "migrate_bytes", "process_file", "run"]

#: Below this much source to parse (bytes, all files together), a process pool costs more
#: than it saves: starting the workers and collecting their results takes about what the
#: engine spends on this much source (about 1,800 lines). ``bench/run.py`` measures the pool.
POOL_MIN_BYTES = 64 * 1024
#: ... or this many files: then a worker that dies (native code, memory) costs only its file.
POOL_MIN_FILES = 8


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
        v3_client=result.v3_client,
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


def process_file(
    path: str, options: Options, on_written: Optional[Callable[[FileOutcome], None]] = None
) -> FileOutcome:
    """One file read, migrated and (with ``options.write``) written; ``on_written(outcome)``
    is called as soon as the new content is in place (before a deferred signal strikes)."""
    try:
        source = read_regular_file(path)
    except NotRegularFile as error:
        return FileOutcome(path, "skipped", error=str(error))
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
            write_atomically(
                Path(path), migrated, force=options.force, on_written=on_written and (lambda _: on_written(outcome))
            )
        except NotWritten as error:
            return FileOutcome(path, "failed", outcome.rules_applied, outcome.notes, error=str(error))
        except OSError as error:
            return FileOutcome(
                path, "failed", outcome.rules_applied, outcome.notes, error=f"cannot write: {error.strerror or error}"
            )
    return outcome


class Stop(BaseException):
    """Raised in the main thread by the signal handlers the CLI installs (SIGINT, SIGTERM)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class Interrupted(Exception):
    """The run was stopped by a signal: what was finished, and every file already written."""

    def __init__(self, signum: int, outcomes: list, written: list, unfinished: list) -> None:
        super().__init__(signum)
        self.signum = signum
        #: Outcomes of the files that were finished, in the order given.
        self.outcomes = outcomes
        #: Files rewritten before the stop (each completely: writes are atomic), in the order given.
        self.written = written
        #: Files being migrated when their worker had to be stopped: each holds its old
        #: content or its complete new one.
        self.unfinished = unfinished


#: Seconds the files being migrated when a stop arrives are given to finish (a second
#: Ctrl-C does not wait).
STOP_GRACE = 10


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
    'unchanged' without being read. Without it, each file is read and tested here.

    Raises :class:`Interrupted` on KeyboardInterrupt or :class:`Stop`, once the files being
    written are done."""
    paths = [str(path) for path in paths]
    if candidates is None:
        markers = selected_markers(options.select or None, options.ignore or None)
        candidates = {path for path in paths if mentions_marker(path, markers)}
    outcomes: dict = {}
    written: list = []
    unfinished: list = []

    def finish(outcome: FileOutcome) -> None:
        outcomes[outcome.path] = outcome
        if outcome.status == "changed" and options.write and outcome.path not in written:
            written.append(outcome.path)
        if progress:
            progress(outcome)

    to_migrate = []
    try:
        for path in dict.fromkeys(paths):
            if path in candidates:
                to_migrate.append(path)
            else:
                finish(FileOutcome(path, "unchanged"))
        jobs = min(jobs or os.cpu_count() or 1, len(to_migrate))
        if jobs > 1 and (len(to_migrate) >= POOL_MIN_FILES or sum(map(_size, to_migrate)) >= POOL_MIN_BYTES):
            _run_in_pools(to_migrate, options, jobs, finish, unfinished)
        else:
            for path in to_migrate:
                finish(process_file(path, options, on_written=lambda outcome: written.append(outcome.path)))
    except (KeyboardInterrupt, Stop) as stop:
        signum = stop.signum if isinstance(stop, Stop) else signal.SIGINT
        done = [outcomes[path] for path in dict.fromkeys(paths) if path in outcomes]
        written_set = set(written)
        written_in_order = [path for path in dict.fromkeys(paths) if path in written_set]
        raise Interrupted(signum, done, written_in_order, unfinished) from None
    ordered = [outcomes[path] for path in paths]
    if any(outcome.needs for outcome in ordered) and MANIFEST_RULE in select_codes(
        options.select or None, options.ignore or None
    ):
        from migrator.manifests import update_manifests

        ordered += update_manifests(ordered, options)
    return ordered


def _run_in_pools(paths: list, options: Options, jobs: int, finish: Callable, unfinished: list) -> None:
    """Migrate ``paths`` in worker processes. A worker that dies (a crash in native code, the
    OOM killer) costs the file it was migrating, reported as failed: the files it had
    started and not finished are each run again alone, the others in a fresh pool."""
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    import migrator.engine.core  # noqa: F401
    from migrator.rules import all_rules

    # What a first migration imports (the engine, libcst, every rule module) is loaded here
    # once; forked workers inherit it instead of each paying for it.
    all_rules()
    context = _process_context()
    # Biggest files first, one at a time: a 3,000-line file handed out last (or in a
    # chunk with another) would leave the other workers idle while it finishes.
    remaining = sorted(paths, key=_size, reverse=True)
    with _SignalsBetweenWaits() as signals:
        while remaining:
            events = _WorkerEvents(context.SimpleQueue())
            pool = ProcessPoolExecutor(
                max_workers=jobs,
                mp_context=context,
                initializer=_prepare_worker,
                initargs=(_parent(context), events.queue),
            )
            futures: dict = {}
            finished: set = set()
            broken = False
            try:
                futures = {pool.submit(_migrate_in_worker, path, options): path for path in remaining}
                pending = set(futures)
                while pending:
                    # Short waits, so that a signal is seen and the workers' events never fill the pipe.
                    done, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
                    events.read()
                    for future in done:
                        broken = not _collect(future, futures, finished, finish) or broken
                    signals.raise_received()
            except (KeyboardInterrupt, Stop):
                _finish_started(pool, futures, finished, events, finish, unfinished, signals)
                raise
            finally:
                pool.shutdown(wait=not broken, cancel_futures=True)
            if not broken:
                return
            events.read()
            for path in remaining:
                if path in events.started and path not in finished:
                    # Written before its worker was stopped (the pool stops them all): done.
                    # Else run alone: if it kills that process too, the death is its failure.
                    finish(events.written.get(path) or _migrate_alone(path, options))
                    signals.raise_received()
            remaining = [path for path in remaining if path not in finished and path not in events.started]


class _SignalsBetweenWaits:
    """While the pool runs, SIGINT and SIGTERM are noted when they arrive and raised (by the
    handler they had: :class:`Stop` from the CLI's, KeyboardInterrupt from Python's) only where
    the pool loop checks, between its waits.

    A handler that raises wherever the main thread happens to be can interrupt
    concurrent.futures and multiprocessing inside their own code: a future's lock taken and
    never released, a submission half made. The executor's manager thread then waits on that
    lock forever, and so does the run. Between waits, none of theirs is held."""

    def __init__(self) -> None:
        #: The signals received, first first; a second one cuts the stop's grace short.
        self.received: list = []
        self._previous: dict = {}

    def __enter__(self) -> "_SignalsBetweenWaits":
        import threading

        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                if callable(signal.getsignal(signum)):  # one that raises, not SIG_DFL or SIG_IGN
                    self._previous[signum] = signal.signal(signum, self._note)
        return self

    def _note(self, signum, frame) -> None:
        self.received.append(signum)

    def raise_received(self) -> None:
        """Raise what the first signal received raises, if one was."""
        if self.received:
            signum = self.received[0]
            self._previous[signum](signum, None)
            raise Stop(signum)  # its handler returned: the run stops all the same

    def __exit__(self, kind, error, trace) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        if kind is None:
            self.raise_received()  # one that came after the last check


class _WorkerEvents:
    """What workers report while they work, apart from their results: the path each starts
    on, and each outcome as soon as its file is written (a worker stopped before it could
    return its result has still said what it wrote)."""

    def __init__(self, queue) -> None:
        self.queue = queue
        self.started: set = set()
        self.written: dict = {}

    def read(self) -> None:
        while not self.queue.empty():
            kind, value = self.queue.get()
            if kind == "started":
                self.started.add(value)
            else:
                self.written[value.path] = value


def _collect(future, futures: dict, finished: set, finish: Callable) -> bool:
    """Hand a finished future's outcome on; False when its worker died (the pool is broken)."""
    from concurrent.futures.process import BrokenProcessPool

    try:
        outcome = future.result()
    except BrokenProcessPool:
        return False
    finished.add(futures[future])
    finish(outcome)
    return True


def _finish_started(
    pool, futures: dict, finished: set, events, finish: Callable, unfinished: list, signals: _SignalsBetweenWaits
) -> None:
    """On a stop: nothing new starts; the files being migrated get :data:`STOP_GRACE` seconds
    to finish (a second signal cuts it short), then their workers are terminated."""
    from concurrent.futures import FIRST_COMPLETED, wait

    for future in futures:
        future.cancel()  # only what has not started
    running = {future for future in futures if not future.cancelled() and futures[future] not in finished}
    deadline = time.monotonic() + STOP_GRACE
    while running and time.monotonic() < deadline and len(signals.received) < 2:
        done, running = wait(running, timeout=0.2, return_when=FIRST_COMPLETED)
        events.read()
        for future in done:
            _collect(future, futures, finished, finish)
    for process in list(getattr(pool, "_processes", {}).values()):
        if process.is_alive():
            process.terminate()  # the worker exits at once (a write in progress is finished first)
            process.join(STOP_GRACE)
    events.read()
    for future in running:
        path = futures[future]
        if path in events.written:
            finished.add(path)
            finish(events.written[path])
        elif path in events.started:
            unfinished.append(path)


def _migrate_alone(path: str, options: Options) -> FileOutcome:
    """``path`` migrated in a process of its own, so that if it kills the process, the
    death is that file's failure."""

    context = _process_context()
    receiving, sending = context.Pipe(duplex=False)
    process = context.Process(target=_migrate_and_send, args=(sending, _parent(context), path, options), daemon=True)
    process.start()
    sending.close()
    try:
        outcome = receiving.recv()
    except EOFError:
        outcome = None
    except BaseException:
        process.terminate()
        raise
    finally:
        receiving.close()
        process.join()
    if outcome is None:
        return FileOutcome(path, "failed", error=f"{_death(process.exitcode)}; file left unchanged")
    return outcome


def _death(exitcode: Optional[int]) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            name = signal.Signals(-exitcode).name
        except ValueError:
            name = f"signal {-exitcode}"
        return f"the process migrating it died ({name}; a crash in the parser or out of memory)"
    return f"the process migrating it died (exit status {exitcode})"


#: In a worker: where it reports what it starts and writes (see :class:`_WorkerEvents`).
_worker_events = None


def _process_context():
    """Forked workers where the platform can fork: they start at once with libcst and the
    rules already imported, and this process is their parent."""
    import multiprocessing

    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def _parent(context) -> Optional[int]:
    """The process a worker dies with: this one when it is forked from here; otherwise
    (spawn, forkserver) whichever process starts it, known only once it runs."""
    return os.getpid() if context.get_start_method() == "fork" else None


def _prepare_worker(parent: Optional[int], started=None) -> None:
    """A worker's set-up: it dies with the parent, leaves Ctrl-C to the parent (which lets it
    finish its file), and on SIGTERM exits at once (a write in progress is finished or undone
    first: writes hold the signal back)."""
    global _worker_events
    _worker_events = started
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    _die_with_parent(parent)


def _exit_on_sigterm(signum, frame) -> None:
    # At once, not by an exception: the pool's worker loop catches whatever a task raises,
    # SystemExit included, reports it as that task's error and waits for the next one. There
    # is no temporary file to remove here: a write holds SIGTERM back until it is done.
    os._exit(128 + signum)


def _die_with_parent(parent: Optional[int]) -> None:
    """SIGTERM when ``parent`` (None: the current parent) dies, however it dies (even
    SIGKILL): the kernel's parent-death signal on Linux, else a thread that watches the
    parent id."""
    import ctypes
    import ctypes.util
    import threading

    if parent is None:
        parent = os.getppid()

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        registered = libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):
        registered = False
    if os.getppid() != parent:  # it died before the signal was registered
        os.kill(os.getpid(), signal.SIGTERM)
    if registered:
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="migrate-stt-parent-watch", daemon=True).start()


def _migrate_in_worker(path: str, options: Options) -> FileOutcome:
    events = _worker_events
    if events is None:
        return process_file(path, options)
    events.put(("started", path))
    return process_file(path, options, on_written=lambda outcome: events.put(("written", _slim(outcome))))


def _slim(outcome: FileOutcome) -> FileOutcome:
    """The outcome without the file's bytes and diff, small enough for an event."""
    return FileOutcome(outcome.path, outcome.status, outcome.rules_applied, outcome.notes, encoding=outcome.encoding)


def _migrate_and_send(connection, parent: Optional[int], path: str, options: Options) -> None:
    _prepare_worker(parent)
    connection.send(_migrate_in_worker(path, options))
    connection.close()


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0
