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
    if found.candidates:
        return None
    summary = unchanged_summary(len(found.files))
    if options["--format"] == "json":
        import json

        print(json.dumps({"files": [], "summary": summary}, indent=2))
    else:
        print(summary_line(summary, would=options["--check"] or options["--diff"]), file=sys.stderr)
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


def unchanged_summary(scanned: int) -> dict:
    """The run's summary, as ``--format json`` shows it, when every file is unchanged."""
    return {"scanned": scanned, "changed": 0, "unchanged": scanned, "failed": 0, "rules_applied": {}, "notes": 0}


def summary_line(summary: dict, would: bool) -> str:
    """The last line a text run prints (``would``: with ``--check`` or ``--diff``)."""
    rules = ", ".join(f"{code} x{count}" for code, count in summary["rules_applied"].items()) or "none"
    return (
        f"{summary['scanned']} file(s) scanned: {summary['changed']} {'would change' if would else 'changed'}, "
        f"{summary['unchanged']} unchanged, {summary['failed']} failed; rules applied: {rules}; "
        f"{summary['notes']} note(s) to review"
    )
