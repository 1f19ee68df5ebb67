"""``migrate-stt``: the command line over :mod:`migrator.runner` and the engine.

stdout carries only what a pipe wants (the diff, the migrated source for ``-``, or JSON);
everything for people goes to stderr. Exit codes: 0 done or nothing to do, 1 ``--check``
found files to migrate, 2 usage error or a file could not be processed, 3 ``--verify``
found a failing check (the ``--help`` epilog lists them too).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from migrator import __version__
from migrator import summary as run_summary
from migrator.diffing import colourise, display_path
from migrator.files import find
from migrator.markers import UnknownRuleError, selected_markers, split_codes
from migrator.notes import ERROR, WARNING
from migrator.rules import all_rules, rules_by_code
from migrator.runner import Interrupted, Options, Stop, migrate_bytes, run

EXIT_OK, EXIT_WORK_FOUND, EXIT_ERROR, EXIT_VERIFY_FAILED = 0, 1, 2, 3

# "\b" tells click not to rewrap the table.
EPILOG = f"""Exit codes:

\b
  {EXIT_OK}  done, or nothing to do
  {EXIT_WORK_FOUND}  --check: a file would change, or an error-level note is left (see --allow-notes)
  {EXIT_ERROR}  usage error, or a file could not be processed (the others still are)
  {EXIT_VERIFY_FAILED}  --verify: a check failed"""


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"migrate-stt {__version__}")
        raise typer.Exit()


def _at_least_one(value: Optional[int]) -> Optional[int]:
    # A callback rather than min=1, which --help would print as "[x>=1]".
    if value is not None and value < 1:
        raise typer.BadParameter(f"{value} is less than 1")
    return value


def _err(line: str) -> None:
    typer.echo(line, err=True)


app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command(epilog=EPILOG)
def migrate(
    # Described in the command's help: typer would print the argument's type, <list[str]>.
    paths: List[str] = typer.Argument(None, metavar="PATH", hidden=True, show_default=False),
    diff: bool = typer.Option(False, "--diff", help="Print a unified diff instead of writing files."),
    check: bool = typer.Option(
        False,
        "--check",
        help="Write nothing; exit 1 if any file would change or an error-level note is left in one.",
    ),
    allow_notes: bool = typer.Option(
        False, "--allow-notes", help="With --check: error-level notes left in files do not fail the check."
    ),
    select: Optional[List[str]] = typer.Option(
        None, "--select", metavar="CODES", help="Only these rule codes (comma-separated, prefixes allowed)."
    ),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", metavar="CODES", help="Skip these rule codes."),
    exclude: Optional[List[str]] = typer.Option(
        None, "--exclude", metavar="GLOB", help="Glob of paths to skip (repeatable)."
    ),
    include_vendored: bool = typer.Option(
        False,
        "--include-vendored",
        help="Also migrate copies of the assemblyai, websockets and websocket-client libraries (skipped by default).",
    ),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text,
        "--format",
        metavar="text|json|github",
        help="text for people, json for tools, github for GitHub Actions annotations.",
    ),
    jobs: Optional[int] = typer.Option(
        None, "--jobs", "-j", metavar="N", callback=_at_least_one, help="Worker processes (default: CPU count)."
    ),
    quiet: bool = typer.Option(
        False, "--quiet", "-q", help="Print only errors and failed --verify checks on stderr (not stdout, not JSON)."
    ),
    force: bool = typer.Option(
        False, "--force", help="Also rewrite read-only files and files whose owner cannot be kept."
    ),
    verify: bool = typer.Option(
        False,
        "--verify",
        help="Run each migrated (or v3) script against the local emulator and check it behaves like a v3 client; exit 3 if a check fails.",
    ),
    audio: Optional[str] = typer.Option(
        None, "--audio", metavar="WAV", help="With --verify: the WAV played as the microphone (default: a bundled one)."
    ),
    verify_timeout: float = typer.Option(
        60.0, "--verify-timeout", metavar="SECONDS", min=1.0, help="With --verify: longest a script may run."
    ),
    python: Optional[str] = typer.Option(
        None,
        "--python",
        metavar="PATH",
        help="With --verify: the Python to run scripts with (default: the project's virtualenv, else migrate-stt's).",
    ),
    v2_python: Optional[str] = typer.Option(
        None,
        "--v2-python",
        metavar="PATH",
        help="With --verify: the Python to run v2 originals with, for same_finals_as_v2 (default: as --python).",
    ),
    list_rules: bool = typer.Option(False, "--list-rules", help="List the rules and exit."),
    explain: Optional[str] = typer.Option(
        None, "--explain", metavar="CODE", help="Explain a rule with a before/after example."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Migrate AssemblyAI Streaming v2 scripts to Universal Streaming v3.

    PATH: files or directories to migrate (directories are searched for *.py); '-' reads
    stdin and writes the migrated source to stdout.
    """
    if list_rules:
        for rule in all_rules():
            typer.echo(f"{rule.code}  {rule.name:<18} {rule.summary}")
        raise typer.Exit(EXIT_OK)
    if explain:
        rule = rules_by_code().get(explain.strip().upper())
        if rule is None:
            _err(f"error: unknown rule code {explain!r} (see --list-rules)")
            raise typer.Exit(EXIT_ERROR)
        from migrator.explain import explanation

        typer.echo(explanation(rule), nl=False)
        raise typer.Exit(EXIT_OK)
    if not paths:
        _err("error: give at least one PATH (or '-' for stdin); see --help")
        raise typer.Exit(EXIT_ERROR)
    try:
        markers = selected_markers(split_codes(select) or None, split_codes(ignore) or None)
    except UnknownRuleError as error:
        _err(f"error: {error}")
        raise typer.Exit(EXIT_ERROR) from None
    github = output_format is OutputFormat.github
    options = Options(
        write=not (diff or check),
        diff=diff or github,  # github: the diff tells the line of a file's first change
        select=split_codes(select),
        ignore=split_codes(ignore),
        keep_sources=verify,
        force=force,
    )
    as_json = output_format is OutputFormat.json

    if paths == ["-"]:
        if verify:
            _err("error: --verify needs files on disk, not stdin")
            raise typer.Exit(EXIT_ERROR)
        raise typer.Exit(_run_stdin(options, check, as_json, allow_notes, quiet))
    if "-" in paths:
        _err("error: '-' (stdin) cannot be combined with other paths")
        raise typer.Exit(EXIT_ERROR)

    with _signals_stop_the_run():
        try:
            found = find(paths, tuple(exclude or ()), markers, include_vendored=include_vendored)
            if not (as_json or quiet):
                for directory, library in found.vendored:
                    _err(
                        f"skipped {display_path(directory)}: a copy of the {library} library itself "
                        "(--include-vendored)"
                    )
            with _progress(len(found.files), len(found.candidates), enabled=not (as_json or quiet)) as advance:
                outcomes = run(found.files, options, jobs=jobs, progress=advance, candidates=found.candidates)
        except Interrupted as interruption:
            _report(interruption.outcomes, options, check, as_json, {}, quiet, (), interruption)
            raise typer.Exit(128 + interruption.signum) from None
        except (KeyboardInterrupt, Stop) as stop:  # before any file was read
            signum = stop.signum if isinstance(stop, Stop) else signal.SIGINT
            _err(f"interrupted ({signal.Signals(signum).name}) before any file was written")
            raise typer.Exit(128 + signum) from None
    reports = {}
    if verify:
        reports = _verify(outcomes, paths, as_json or quiet, verify_timeout, audio, python, v2_python, jobs)
    if github:
        _report_github(outcomes, options, check, diff, reports)
    else:
        _report(outcomes, options, check, as_json, reports, quiet, found.vendored)
    failed = any(outcome.status == "failed" for outcome in outcomes)
    changed = any(outcome.status == "changed" for outcome in outcomes)
    if failed:
        raise typer.Exit(EXIT_ERROR)
    if any(not report.passed for report in reports.values()):
        raise typer.Exit(EXIT_VERIFY_FAILED)
    blocking = not allow_notes and any(_has_errors(outcome) for outcome in outcomes)
    raise typer.Exit(EXIT_WORK_FOUND if check and (changed or blocking) else EXIT_OK)


def _has_errors(outcome) -> bool:
    """Whether a note says the code as left will not work on v3."""
    return any(note.severity == ERROR for note in outcome.notes)


def _verify(outcomes, paths, quiet, timeout, audio, python, v2_python, jobs) -> dict:
    """Run ``--verify``, saying (unless ``quiet``) which files it leaves out and why, and how
    each run goes."""
    from migrator.proof.verify import VerifySettings, verify_all

    for option, value in (("--python", python), ("--v2-python", v2_python)):
        if value is not None and not _is_executable(value):
            _err(f"error: {option} {value}: no such executable")
            raise typer.Exit(EXIT_ERROR)
    settings = VerifySettings(
        timeout=timeout, audio=audio, python=_absolute(python), v2_python=_absolute(v2_python), jobs=jobs or 2
    )
    try:
        with _verify_status(outcomes, paths, enabled=not quiet) as status:
            return verify_all(outcomes, settings, progress=status)
    except KeyboardInterrupt:
        _err("interrupted: --verify runs stopped and their temporary copies removed")
        raise typer.Exit(130) from None


def _is_executable(value: str) -> bool:
    return shutil.which(value) is not None or (os.path.isfile(value) and os.access(value, os.X_OK))


def _absolute(value: Optional[str]) -> Optional[str]:
    """A bare name is looked up on PATH; a path is made absolute (scripts run elsewhere)."""
    if value is None:
        return None
    if os.sep not in value and shutil.which(value):
        return shutil.which(value)
    return os.path.abspath(value)


@contextmanager
def _signals_stop_the_run():
    """SIGINT and SIGTERM raise :class:`Stop` in the main thread while files are migrated, so
    the run can say what it already wrote (exit 128 + the signal's number)."""

    def stop(signum, frame):
        raise Stop(signum)

    previous = {signum: signal.signal(signum, stop) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


#: Runs parsing fewer files than this finish before a progress bar would be worth drawing.
PROGRESS_THRESHOLD = 200


@contextmanager
def _progress(total: int, to_parse: int, enabled: bool):
    """A transient rich progress bar on a terminal for runs that parse many files; nothing
    when piped (files the prefilter rules out take no time, so they alone never draw one)."""
    if not (enabled and to_parse >= PROGRESS_THRESHOLD and sys.stderr.isatty()):
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("migrate-stt"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True, highlight=False),
        transient=True,
    ) as bar:
        task = bar.add_task("files", total=total)
        yield lambda outcome: bar.advance(task)


@contextmanager
def _verify_status(outcomes: list, paths: list, enabled: bool):
    """Says on stderr which files --verify leaves out and why (each file named on the command
    line, a count per reason for the rest), then yields the progress that verify_all reports
    to: a live line per running script on a terminal, plain start and end lines when piped."""
    if not enabled:
        yield None
        return
    from migrator.proof.verify import not_verified_reason

    named = {str(Path(path)) for path in paths}
    others = Counter()
    for outcome in outcomes:
        reason = not_verified_reason(outcome)
        if reason is None:
            continue
        if outcome.path in named:
            _err(f"verify {display_path(outcome.path)}: not verified ({reason})")
        else:
            others[reason] += 1
    for reason, count in others.items():
        _err(f"verify: {count} other file(s) not verified ({reason})")
    if not sys.stderr.isatty():
        yield _PlainVerifyStatus()
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True, highlight=False),
        transient=True,
    ) as bar:
        yield _LiveVerifyStatus(bar)


class _PlainVerifyStatus:
    """--verify progress as plain lines: one when a script starts, one when it ends."""

    def __init__(self) -> None:
        self.lock = threading.Lock()

    def started(self, outcome) -> None:
        from migrator.proof.verify import what_runs

        with self.lock:
            _err(f"verify {display_path(outcome.path)}: {what_runs(outcome)}...")

    def finished(self, outcome, report, seconds: float) -> None:
        with self.lock:
            _err(f"verify {display_path(outcome.path)}: {_verdict(report)} after {seconds:.1f} s")


class _LiveVerifyStatus:
    """--verify progress on a terminal: a spinner line per running script with its elapsed
    time, replaced by a plain line when the script is done."""

    def __init__(self, bar) -> None:
        self.bar, self.tasks = bar, {}

    def started(self, outcome) -> None:
        from migrator.proof.verify import what_runs

        self.tasks[outcome.path] = self.bar.add_task(f"verify {display_path(outcome.path)}: {what_runs(outcome)}")

    def finished(self, outcome, report, seconds: float) -> None:
        self.bar.remove_task(self.tasks.pop(outcome.path))
        self.bar.console.print(
            f"verify {display_path(outcome.path)}: {_verdict(report)} after {seconds:.1f} s", markup=False
        )


def _verdict(report) -> str:
    passed = sum(check.passed for check in report.checks)
    skipped = len(getattr(report, "skipped", ()))
    ran = len(report.checks) - skipped
    extra = f", {skipped} skipped" if skipped else ""
    return f"{'passed' if report.passed else 'FAILED'} ({passed}/{ran} checks{extra})"


def _run_stdin(options: Options, check: bool, as_json: bool, allow_notes: bool, quiet: bool) -> int:
    source = sys.stdin.buffer.read()
    outcome, migrated = migrate_bytes(
        "-", source, Options(write=False, diff=options.diff, select=options.select, ignore=options.ignore)
    )
    # Without --check or --diff the migrated source is the output: it has changed, as a file would.
    written = not (check or options.diff)
    if as_json:
        summary = run_summary.summary_of([outcome], written)
        typer.echo(json.dumps({"files": [_json_entry(outcome, written)], "summary": summary}, indent=2))
    elif outcome.status == "failed":
        _err(f"error: <stdin>: {outcome.error}")
    elif options.diff:
        _write_diff(outcome)
    elif not check:
        sys.stdout.buffer.write(migrated if migrated is not None else source)
    if not (as_json or quiet):
        _print_notes(outcome)
    if outcome.status == "failed":
        return EXIT_ERROR
    blocking = not allow_notes and _has_errors(outcome)
    return EXIT_WORK_FOUND if check and (outcome.status == "changed" or blocking) else EXIT_OK


def _write_diff(outcome) -> None:
    text = outcome.diff or ""
    if sys.stdout.isatty():
        text = colourise(text)
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode(outcome.encoding, errors="surrogateescape"))
    sys.stdout.buffer.flush()


def _print_notes(outcome) -> None:
    for note in outcome.notes:
        cell = getattr(note, "cell", None)  # a notebook's notes count lines within their cell
        where = f"cell {cell}:" if cell else ""
        label = note.code if note.severity == WARNING else f"{note.code} {note.severity}:"
        _err(f"{display_path(outcome.path)}:{where}{note.line}:{note.column}: {label} {note.message}")


#: JSON's name for a changed file (see :mod:`migrator.summary`).
WOULD_CHANGE = run_summary.WOULD_CHANGE


def _json_entry(outcome, written: bool) -> dict:
    entry = outcome.to_dict()
    if outcome.status == "changed" and not written:
        entry["status"] = WOULD_CHANGE
    return entry


def _report(
    outcomes: list,
    options: Options,
    check: bool,
    as_json: bool,
    reports: dict,
    quiet: bool,
    vendored: list = (),
    interruption=None,
) -> None:
    written = options.write
    if as_json:
        shown = []
        for outcome in outcomes:
            if outcome.status == "unchanged" and not outcome.notes and outcome.path not in reports:
                continue
            entry = _json_entry(outcome, written)
            if outcome.path in reports:
                entry["verify"] = reports[outcome.path].to_dict()
            shown.append(entry)
        summary = run_summary.summary_of(outcomes, written)
        if reports:
            summary["verified"] = len(reports)
            summary["verify_failed"] = sum(not report.passed for report in reports.values())
        skipped = [{"path": path, "reason": f"vendored copy of {library}"} for path, library in vendored]
        if interruption is not None:
            summary["interrupted"] = {
                "signal": signal.Signals(interruption.signum).name,
                "written": interruption.written,
                "unfinished": interruption.unfinished,
            }
        typer.echo(json.dumps({"files": shown, "skipped": skipped, "summary": summary}, indent=2))
        return
    verb = "migrated" if written else "would migrate"
    for outcome in outcomes:
        if outcome.status == "unchanged" and not outcome.notes and outcome.path not in reports:
            continue  # nothing to say, and display_path is too dear to call for every file
        shown = display_path(outcome.path)
        if outcome.status == "failed":
            _err(f"error: {shown}: {outcome.error}")
        elif outcome.status == "skipped":
            _err(f"note: {shown}: {outcome.error}")
        elif outcome.status == "changed":
            if options.diff:
                _write_diff(outcome)
            if not quiet:
                _err(f"{verb} {shown} ({', '.join(outcome.rules_applied)})")
        if not quiet:
            _print_notes(outcome)
        if outcome.path in reports and not (quiet and reports[outcome.path].passed):
            _print_verification(reports[outcome.path], quiet)
    if not quiet:
        for line in run_summary.summary_lines(run_summary.summary_of(outcomes, written), written):
            _err(line)
    if interruption is not None:
        _report_interruption(interruption)


def _report_interruption(interruption) -> None:
    """What a stopped run leaves: the files it rewrote, and those it may have."""
    name = signal.Signals(interruption.signum).name
    written = [display_path(path) for path in interruption.written]
    _err(
        f"interrupted ({name}): {len(written)} file(s) rewritten before the stop"
        + (f": {', '.join(written)}" if written else "")
        + "; no other file was written"
        + (" except as below" if interruption.unfinished else "")
    )
    for path in interruption.unfinished:
        _err(f"  {display_path(path)}: stopped while being migrated; it holds its old content or its complete new one")


def _report_github(outcomes: list, options: Options, check: bool, diff: bool, reports: dict) -> None:
    """Workflow commands on stdout (after the diffs with ``--diff``), the summary on stderr."""
    from migrator.annotations import command, github_lines

    for outcome in outcomes:
        if diff and outcome.status == "changed":
            _write_diff(outcome)
    for outcome in outcomes:
        for line in github_lines(outcome, written=options.write):
            typer.echo(line)
        report = reports.get(outcome.path)
        if report is not None and not report.passed:
            failed = ", ".join(check.name for check in report.checks if not check.passed)
            typer.echo(command("error", display_path(outcome.path), f"--verify failed: {failed}", title="verify"))
    for line in run_summary.summary_lines(run_summary.summary_of(outcomes, options.write), options.write):
        _err(line)


def _print_verification(report, quiet: bool = False) -> None:
    _err(f"verify {display_path(report.path)}: {_verdict(report)}")
    if not quiet:
        for line in report.environment:
            _err(f"  {line}")
    for warning in report.warnings:
        _err(f"  warning: {warning}")
    marks = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}
    for check in report.checks:
        if not (quiet and check.status != "failed"):
            _err(f"  {marks[check.status]} {check.name}" + (f": {check.detail}" if check.detail else ""))


def main() -> None:
    app(prog_name="migrate-stt")


if __name__ == "__main__":
    main()
