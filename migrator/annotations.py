"""``--format github``: GitHub Actions workflow commands, one per note and per file that would
change, so the run's findings show at their lines in the pull request.

Each line is ``::warning file=PATH,line=N,col=N,title=CODE::MESSAGE``. GitHub reads ``%``,
carriage returns and newlines in the message as escapes, and ``,`` and ``:`` in a property
too, so those are percent-encoded (``%25``, ``%0D``, ``%0A``, ``%2C``, ``%3A``).
"""

from __future__ import annotations

from typing import Optional

from migrator.diffing import display_path


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(level: str, path: str, message: str, line: Optional[int] = None, column: Optional[int] = None, title=None):
    properties = [f"file={escape_property(path)}"]
    if line:
        properties.append(f"line={line}")
        if column:
            properties.append(f"col={column}")
    if title:
        properties.append(f"title={escape_property(title)}")
    return f"::{level} {','.join(properties)}::{escape_data(message)}"


def first_changed_line(diff: Optional[str]) -> int:
    """The line (of the file as it is now) where a unified diff's first change is; 1 without one."""
    line = None
    for text in (diff or "").splitlines():
        if text.startswith("@@") and line is None:
            line = int(text.split()[1][1:].split(",")[0])
            continue
        if line is None or text.startswith(("---", "+++")):
            continue
        if text[:1] in "+-":
            return max(line, 1)
        line += 1
    return 1


def github_lines(outcome, written: bool) -> list:
    """The workflow commands for one file's outcome (none for a file with nothing to say)."""
    path = display_path(outcome.path)
    if outcome.status == "failed":
        return [command("error", path, f"migrate-stt could not process this file: {outcome.error}")]
    lines = []
    if outcome.status == "changed":
        codes = ", ".join(outcome.rules_applied)
        if outcome.manifest:
            what = "updated for the migrated code" if written else "needs updating for the migrated code"
        else:
            what = "migrated to Universal Streaming v3" if written else "still uses AssemblyAI Streaming v2"
        action = "" if written else ": run migrate-stt on it"
        lines.append(command("warning", path, f"{what} ({codes}){action}", first_changed_line(outcome.diff), 1, codes))
    on_disk_is_original = outcome.status == "changed" and not written
    for note in outcome.notes:
        # the file GitHub shows is the one on disk: the original, unless this run wrote it
        line, column = note.line, note.column
        if on_disk_is_original and note.original_line:
            line, column = note.original_line, note.original_column
        lines.append(command(_LEVELS.get(note.severity, "warning"), path, note.message, line, column, note.code))
    return lines


#: Workflow command per note severity (:mod:`migrator.notes`).
_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}
