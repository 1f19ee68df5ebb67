"""``migrate-stt``: the command line over :mod:`migrator.runner` and the engine.

stdout carries only what a pipe wants (the diff, the migrated source for ``-``, or JSON);
everything for people goes to stderr. Exit codes: 0 done or nothing to do, 1 ``--check``
found files to migrate, 2 usage error or a file could not be processed, 3 ``--verify``
found a failing check.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections import Counter
from contextlib import contextmanager
from enum import Enum
from typing import List, Optional

import typer

from migrator import __version__
from migrator.diffing import colourise, display_path
from migrator.files import find
from migrator.markers import UnknownRuleError, selected_markers
from migrator.notes import ERROR, WARNING
from migrator.rules import all_rules, rules_by_code
from migrator.runner import Options, migrate_bytes, run

EXIT_OK, EXIT_WORK_FOUND, EXIT_ERROR, EXIT_VERIFY_FAILED = 0, 1, 2, 3


class OutputFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


def _split_codes(values: Optional[List[str]]) -> tuple:
    return tuple(code for value in values or () for code in value.split(",") if code.strip())


def _version(value: bool) -> None:
    if value:
        typer.echo(f"migrate-stt {__version__}")
        raise typer.Exit()


def _err(line: str) -> None:
    typer.echo(line, err=True)


app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.command()
def migrate(
    paths: List[str] = typer.Argument(
        None, help="Files or directories to migrate; '-' reads stdin and writes stdout.", show_default=False
    ),
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
        None, "--select", help="Only these rule codes (comma-separated, prefixes allowed)."
    ),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these rule codes."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help="Glob of paths to skip (repeatable)."),
    output_format: OutputFormat = typer.Option(
        OutputFormat.text, "--format", help="text for people, json for tools, github for GitHub Actions annotations."
    ),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: CPU count)."),
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
    """Migrate AssemblyAI Streaming v2 scripts to Universal Streaming v3."""
    if list_rules:
        for rule in all_rules():
            typer.echo(f"{rule.code}  {rule.name:<18} {rule.summary}")
        raise typer.Exit(EXIT_OK)
    if explain:
        rule = rules_by_code().get(explain.strip().upper())
        if rule is None:
            _err(f"error: unknown rule code {explain!r} (see --list-rules)")
            raise typer.Exit(EXIT_ERROR)
        typer.echo(rule.explanation(), nl=False)
        raise typer.Exit(EXIT_OK)
    if not paths:
        _err("error: give at least one PATH (or '-' for stdin); see --help")
        raise typer.Exit(EXIT_ERROR)
    try:
        markers = selected_markers(_split_codes(select) or None, _split_codes(ignore) or None)
    except UnknownRuleError as error:
        _err(f"error: {error}")
        raise typer.Exit(EXIT_ERROR) from None
    github = output_format is OutputFormat.github
    options = Options(
        write=not (diff or check),
        diff=diff or github,  # github: the diff tells the line of a file's first change
        select=_split_codes(select),
        ignore=_split_codes(ignore),
        keep_sources=verify,
    )
    as_json = output_format is OutputFormat.json

    if paths == ["-"]:
        if verify:
            _err("error: --verify needs files on disk, not stdin")
            raise typer.Exit(EXIT_ERROR)
        raise typer.Exit(_run_stdin(options, check, as_json, allow_notes))
    if "-" in paths:
        _err("error: '-' (stdin) cannot be combined with other paths")
        raise typer.Exit(EXIT_ERROR)

    found = find(paths, tuple(exclude or ()), markers)
    with _progress(len(found.files), len(found.candidates), enabled=not as_json) as advance:
        outcomes = run(found.files, options, jobs=jobs, progress=advance, candidates=found.candidates)
    reports = {}
    if verify:
        reports = _verify(outcomes, paths, as_json, verify_timeout, audio, python, v2_python, jobs)
    if github:
        _report_github(outcomes, options, check, diff, reports)
    else:
        _report(outcomes, options, check, as_json, reports)
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


def _verify(outcomes, paths, as_json, timeout, audio, python, v2_python, jobs) -> dict:
    """Run ``--verify``; say why a file named on the command line is not run."""
    from migrator.proof.verify import VerifySettings, reason_not_verified, verify_all

    for option, value in (("--python", python), ("--v2-python", v2_python)):
        if value is not None and not _is_executable(value):
            _err(f"error: {option} {value}: no such executable")
            raise typer.Exit(EXIT_ERROR)
    if not as_json:
        named = {os.path.realpath(path) for path in paths if os.path.isfile(path)}
        for outcome in outcomes:
            reason = reason_not_verified(outcome)
            if reason and os.path.realpath(outcome.path) in named:
                _err(f"verify {display_path(outcome.path)}: not run: {reason}")
    settings = VerifySettings(
        timeout=timeout, audio=audio, python=_absolute(python), v2_python=_absolute(v2_python), jobs=jobs or 2
    )
    try:
        return verify_all(outcomes, settings)
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


def _run_stdin(options: Options, check: bool, as_json: bool, allow_notes: bool) -> int:
    source = sys.stdin.buffer.read()
    outcome, migrated = migrate_bytes(
        "-", source, Options(write=False, diff=options.diff, select=options.select, ignore=options.ignore)
    )
    if as_json:
        typer.echo(json.dumps({"files": [outcome.to_dict()], "summary": _summary([outcome])}, indent=2))
    elif outcome.status == "failed":
        _err(f"error: <stdin>: {outcome.error}")
    elif options.diff:
        _write_diff(outcome)
    elif not check:
        sys.stdout.buffer.write(migrated if migrated is not None else source)
    if not as_json:
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


def _summary(outcomes: list) -> dict:
    counts = Counter(outcome.status for outcome in outcomes)
    rules = Counter(code for outcome in outcomes for code in outcome.rules_applied)
    return {
        "scanned": len(outcomes),
        "changed": counts["changed"],
        "unchanged": counts["unchanged"],
        "failed": counts["failed"],
        "rules_applied": dict(sorted(rules.items())),
        "notes": sum(len(outcome.notes) for outcome in outcomes),
        "errors": sum(note.severity == ERROR for outcome in outcomes for note in outcome.notes),
    }


def _report(outcomes: list, options: Options, check: bool, as_json: bool, reports: dict) -> None:
    if as_json:
        shown = []
        for outcome in outcomes:
            if outcome.status == "unchanged" and not outcome.notes and outcome.path not in reports:
                continue
            entry = outcome.to_dict()
            if outcome.path in reports:
                entry["verify"] = reports[outcome.path].to_dict()
            shown.append(entry)
        summary = _summary(outcomes)
        if reports:
            summary["verified"] = len(reports)
            summary["verify_failed"] = sum(not report.passed for report in reports.values())
        typer.echo(json.dumps({"files": shown, "summary": summary}, indent=2))
        return
    verb = "would migrate" if (check or options.diff) else "migrated"
    for outcome in outcomes:
        if outcome.status == "unchanged" and not outcome.notes and outcome.path not in reports:
            continue  # nothing to say, and display_path is too dear to call for every file
        shown = display_path(outcome.path)
        if outcome.status == "failed":
            _err(f"error: {shown}: {outcome.error}")
        elif outcome.status == "changed":
            if options.diff:
                _write_diff(outcome)
            _err(f"{verb} {shown} ({', '.join(outcome.rules_applied)})")
        _print_notes(outcome)
        if outcome.path in reports:
            _print_verification(reports[outcome.path])
    summary = _summary(outcomes)
    rules = ", ".join(f"{code} x{count}" for code, count in summary["rules_applied"].items()) or "none"
    changed_word = "would change" if (check or options.diff) else "changed"
    _err(
        f"{summary['scanned']} file(s) scanned: {summary['changed']} {changed_word}, "
        f"{summary['unchanged']} unchanged, {summary['failed']} failed; rules applied: {rules}; "
        f"{summary['notes']} note(s) to review ({summary['errors']} error(s))"
    )


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
    summary = _summary(outcomes)
    _err(
        f"{summary['scanned']} file(s) scanned: {summary['changed']} "
        f"{'would change' if (check or diff) else 'changed'}, {summary['failed']} failed; "
        f"{summary['notes']} note(s) to review"
    )


def _print_verification(report) -> None:
    passed = sum(check.passed for check in report.checks)
    ran = len(report.checks) - len(report.skipped)
    skipped = f", {len(report.skipped)} skipped" if report.skipped else ""
    _err(
        f"verify {display_path(report.path)}: {'passed' if report.passed else 'FAILED'} ({passed}/{ran} checks{skipped})"
    )
    for line in report.environment:
        _err(f"  {line}")
    for warning in report.warnings:
        _err(f"  warning: {warning}")
    marks = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip"}
    for check in report.checks:
        _err(f"  {marks[check.status]} {check.name}" + (f": {check.detail}" if check.detail else ""))


def main() -> None:
    app(prog_name="migrate-stt")


if __name__ == "__main__":
    main()
