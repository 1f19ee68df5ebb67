"""Unified diffs that ``git apply`` and ``patch`` accept byte for byte.

Plain ``difflib`` text: no markup parser ever sees it (a peer tool's diff went through
Rich and silently lost ``[str]``), and files without a final newline get the marker
``patch`` needs. Colour is added to whole lines, only for a terminal.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

_NO_NEWLINE = "\\ No newline at end of file\n"
_COLOURS = {"+": "\x1b[32m", "-": "\x1b[31m", "@": "\x1b[36m"}
_RESET = "\x1b[0m"


def display_path(path: str) -> str:
    """Relative to the working directory when inside it, else as given (absolute)."""
    if path == "-":
        return "<stdin>"
    try:
        relative = Path(os.path.relpath(os.path.abspath(path), os.getcwd()))
    except ValueError:  # another drive on Windows
        return path
    return path if relative.as_posix().startswith("..") else relative.as_posix()


def unified_diff(before: str, after: str, path: str) -> str:
    shown = display_path(path)
    prefix_a, prefix_b = ("a/", "b/") if not os.path.isabs(shown) else ("", "")
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"{prefix_a}{shown}",
        tofile=f"{prefix_b}{shown}",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n" + _NO_NEWLINE)
    return "".join(out)


def colourise(diff: str) -> str:
    coloured = []
    for line in diff.splitlines(keepends=True):
        colour = _COLOURS.get(line[:1])
        if colour and not line.startswith(("+++", "---")):
            body = line.rstrip("\r\n")
            coloured.append(f"{colour}{body}{_RESET}{line[len(body) :]}")
        else:
            coloured.append(line)
    return "".join(coloured)
