"""The ``migrate-stt`` command's entry point: the answer for runs with nothing to parse,
before anything heavy is imported.

Most runs have nothing to do: pre-commit hands over a commit's files and none is v2 code,
CI runs ``--check`` over a repository that was migrated long ago. Importing the command line
(:mod:`migrator.cli`, with typer) alone costs several times a bare start of the interpreter,
so this module reads the arguments those runs use (paths, ``--check``, ``--diff``,
``--format``, ``--select``, ``--ignore``, ``--exclude``, ``--jobs``) the way the command line
would, finds the files and runs the byte prefilter with :mod:`migrator.files` and
:mod:`migrator.markers` only. When no file needs parsing it prints what the command line
prints for such a run and exits with its code. Anything else (a file to parse or that
cannot be read, an option not listed here, ``--help``, a mistake in the arguments) goes to
:mod:`migrator.cli` with the same arguments, which then does all the work itself.
``tests/test_entry.py`` runs both on the same arguments and compares what they print.
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional

#: Options taking a value, as the command line spells them (``-j`` is ``--jobs``).
_VALUED = ("--select", "--ignore", "--exclude", "--format", "--jobs", "-j")


def main() -> None:
    """``migrate-stt``: answer here when nothing needs parsing, else run the command line."""
    code = answer_without_parsing(sys.argv[1:])
    if code is None:
        from migrator.cli import main as command_line

        command_line()
        return
    raise SystemExit(code)


def answer_without_parsing(argv: List[str]) -> Optional[int]:
    """Print what ``migrate-stt argv`` prints and return its exit code, if that needs no
    parsing; None (having printed nothing) when the command line must answer."""
    if argv == ["--version"]:
        from migrator import __version__

        print(f"migrate-stt {__version__}")
        return 0
    arguments = _read(argv)
    if arguments is None:
        return None
    paths, options = arguments
    if not paths or "-" in paths or options["--format"] not in ("text", "json"):
        return None
    from migrator.files import find
    from migrator.markers import UnknownRuleError, selected_markers, split_codes

    try:
        markers = selected_markers(split_codes(options["--select"]) or None, split_codes(options["--ignore"]) or None)
    except UnknownRuleError:
        return None
    try:
        found = find(paths, options["--exclude"], markers)
    except Exception:  # whatever went wrong, the command line reports it its own way
        return None
    if found.candidates or found.vendored:
        return None  # files to parse, or vendored copies to tell about: the command line's work
    written = not (options["--check"] or options["--diff"])
    summary = unchanged_summary(len(found.files), written)
    if options["--format"] == "json":
        import json

        print(json.dumps({"files": [], "skipped": [], "summary": summary}, indent=2))
    else:
        from migrator.summary import summary_lines

        for line in summary_lines(summary, written):
            print(line, file=sys.stderr)
    return 0


def _read(argv: List[str]) -> Optional[tuple]:
    """(paths, options) as the command line's parser reads ``argv``, or None for anything
    this module does not answer. Like it, options may follow paths, an option's value is the
    next argument whatever it looks like, and ``--`` makes the rest paths."""
    paths: list = []
    options: dict = {"--check": False, "--diff": False, "--format": "text", "--select": [], "--ignore": []}
    options["--exclude"] = []
    rest = iter(argv)
    for argument in rest:
        if argument == "--":
            paths.extend(rest)
            break
        if argument == "-" or not argument.startswith("-"):
            paths.append(argument)
        elif argument in ("--check", "--diff"):
            options[argument] = True
        else:
            name, equals, value = argument.partition("=")
            if argument.startswith("-j"):  # "-j N" or "-jN"
                name, equals, value = "--jobs", argument[2:], argument[2:]
            elif name not in _VALUED:
                return None
            if not equals:
                value = next(rest, None)
                if value is None:
                    return None
            if name == "--jobs":
                if not (value.isascii() and value.isdigit() and int(value) >= 1):
                    return None
            elif name == "--format":
                options[name] = value
            else:
                options[name].append(value)
    return paths, options


def unchanged_summary(scanned: int, written: bool) -> dict:
    """The run's summary, as ``--format json`` shows it, when every file is unchanged."""
    from migrator.summary import summary_of

    return summary_of([_Unchanged()] * scanned, written)


class _Unchanged:
    """What the summary reads of a file left unchanged with nothing to say."""

    status = "unchanged"
    rules_applied: tuple = ()
    notes: tuple = ()
