"""What a run comes to, as the summary says it (text and JSON): shared by the command line
and by :mod:`migrator.entry`, which answers runs with nothing to parse without importing it,
so this module imports nothing heavy."""

from __future__ import annotations

from collections import Counter

#: JSON's name for a file the run changed, as the text says it: "migrated" when the file was
#: written (or, for '-', the migrated source printed), "would migrate" under --check/--diff.
CHANGED, WOULD_CHANGE = "changed", "would_change"
#: The text summary's lines are at most this wide.
SUMMARY_WIDTH = 88
#: A note's severity that fails ``--check`` (:data:`migrator.notes.ERROR`; not imported, to keep
#: this module light).
_ERROR = "error"


def summary_of(outcomes: list, written: bool) -> dict:
    counts = Counter(outcome.status for outcome in outcomes)
    rules = Counter(code for outcome in outcomes for code in outcome.rules_applied)
    return {
        "scanned": len(outcomes),
        CHANGED if written else WOULD_CHANGE: counts["changed"],
        "unchanged": counts["unchanged"],
        "failed": counts["failed"],
        "skipped": counts["skipped"],
        "rules_applied": dict(sorted(rules.items())),
        "notes": sum(len(outcome.notes) for outcome in outcomes),
        "errors": sum(note.severity == _ERROR for outcome in outcomes for note in outcome.notes),
    }


def summary_lines(summary: dict, written: bool) -> list:
    """The text summary: a few lines of at most SUMMARY_WIDTH characters. The first line's
    shape is what scripts read (``bench/run.py`` does)."""
    changed = f"{summary[CHANGED]} changed" if written else f"{summary[WOULD_CHANGE]} would change"
    skipped = f", {summary['skipped']} skipped" if summary.get("skipped") else ""
    lines = [
        f"{summary['scanned']} file(s) scanned: {changed}, {summary['unchanged']} unchanged, "
        f"{summary['failed']} failed{skipped}"
    ]
    if summary["rules_applied"]:
        line = "rules applied:"
        for code, count in summary["rules_applied"].items():
            item = f" {code} x{count},"
            if len(line) + len(item) > SUMMARY_WIDTH:
                lines.append(line)
                line = " "
            line += item
        lines.append(line.rstrip(","))
    if summary["notes"]:
        lines.append(f"{summary['notes']} note(s) to review ({summary['errors']} error(s))")
    return lines
