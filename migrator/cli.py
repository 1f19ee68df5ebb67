"""``migrate-stt``: the command line over :mod:`migrator.runner` and the engine.

stdout carries only what a pipe wants (the diff, the migrated source for ``-``, or JSON);
everything for people goes to stderr. Exit codes: 0 done or nothing to do, 1 ``--check``
found files to migrate, 2 usage error or a file could not be processed, 3 ``--verify``
found a failing check.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from contextlib import contextmanager
from enum import Enum
from typing import List, Optional

import typer

from migrator import __version__
from migrator.diffing import colourise, display_path
from migrator.entry import summary_line
from migrator.files import find
from migrator.markers import UnknownRuleError, selected_markers, split_codes
from migrator.rules import all_rules, rules_by_code
from migrator.runner import Options, migrate_bytes, run

EXIT_OK, EXIT_WORK_FOUND, EXIT_ERROR, EXIT_VERIFY_FAILED = 0, 1, 2, 3


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


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
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 if any file would change."),
    select: Optional[List[str]] = typer.Option(
        None, "--select", help="Only these rule codes (comma-separated, prefixes allowed)."
    ),
    ignore: Optional[List[str]] = typer.Option(None, "--ignore", help="Skip these rule codes."),
    exclude: Optional[List[str]] = typer.Option(None, "--exclude", help="Glob of paths to skip (repeatable)."),
    output_format: OutputFormat = typer.Option(OutputFormat.text, "--format", help="text for people, json for tools."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: CPU count)."),
    verify: bool = typer.Option(
        False,
        "--verify",
        help="Run each migrated (or v3) script against the local emulator and check it behaves like a v3 client; exit 3 if a check fails.",
    ),
    audio: Optional[str] = typer.Option(
        None, "--audio", metavar="WAV", help="With --verify: the WAV played as the microphone (default: a bundled one)."
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
        markers = selected_markers(split_codes(select) or None, split_codes(ignore) or None)
    except UnknownRuleError as error:
        _err(f"error: {error}")
        raise typer.Exit(EXIT_ERROR) from None
    options = Options(
        write=not (diff or check),
        diff=diff,
        select=split_codes(select),
        ignore=split_codes(ignore),
        keep_sources=verify,
    )
    as_json = output_format is OutputFormat.json

    if paths == ["-"]:
        if verify:
            _err("error: --verify needs files on disk, not stdin")
            raise typer.Exit(EXIT_ERROR)
        raise typer.Exit(_run_stdin(options, check, as_json))
    if "-" in paths:
        _err("error: '-' (stdin) cannot be combined with other paths")
        raise typer.Exit(EXIT_ERROR)

    found = find(paths, tuple(exclude or ()), markers)
    with _progress(len(found.files), len(found.candidates), enabled=not as_json) as advance:
        outcomes = run(found.files, options, jobs=jobs, progress=advance, candidates=found.candidates)
    reports = {}
    if verify:
        from migrator.proof.verify import verify_all

        reports = verify_all(outcomes, written=options.write, jobs=jobs or 2, audio=audio)
    _report(outcomes, options, check, as_json, reports)
    failed = any(outcome.status == "failed" for outcome in outcomes)
    changed = any(outcome.status == "changed" for outcome in outcomes)
    if failed:
        raise typer.Exit(EXIT_ERROR)
    if any(not report.passed for report in reports.values()):
        raise typer.Exit(EXIT_VERIFY_FAILED)
    raise typer.Exit(EXIT_WORK_FOUND if check and changed else EXIT_OK)


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


def _run_stdin(options: Options, check: bool, as_json: bool) -> int:
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
    return EXIT_WORK_FOUND if check and outcome.status == "changed" else EXIT_OK


def _write_diff(outcome) -> None:
    text = outcome.diff or ""
    if sys.stdout.isatty():
        text = colourise(text)
    sys.stdout.flush()
    sys.stdout.buffer.write(text.encode(outcome.encoding, errors="surrogateescape"))
    sys.stdout.buffer.flush()


def _print_notes(outcome) -> None:
    for note in outcome.notes:
        _err(f"{display_path(outcome.path)}:{note.line}:{note.column}: {note.code} {note.message}")


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
    _err(summary_line(_summary(outcomes), would=check or options.diff))


def _print_verification(report) -> None:
    passed = sum(check.passed for check in report.checks)
    _err(
        f"verify {display_path(report.path)}: {'passed' if report.passed else 'FAILED'} ({passed}/{len(report.checks)} checks)"
    )
    for check in report.checks:
        _err(f"  {'ok  ' if check.passed else 'FAIL'} {check.name}" + (f": {check.detail}" if check.detail else ""))


def main() -> None:
    app(prog_name="migrate-stt")


if __name__ == "__main__":
    main()
