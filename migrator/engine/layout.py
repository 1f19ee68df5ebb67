"""Laying out the lines the rewrite wrote, so the file passes the project's formatter and
linter as it did before.

The rules build code for meaning, one logical line per statement; this pass gives the
changed lines the shape a formatter would: black lays out the changed statements (only
those: ``black.format_str(..., lines=...)``), and note comments are wrapped to the line
length. Which statements it touches depends on the project:

- a project formatted with black or ``ruff format`` (configured in ``pyproject.toml``,
  ``ruff.toml`` or ``.pre-commit-config.yaml``) gets every changed statement laid out, so
  ``black --check`` stays as clean as it was;
- any other project gets only the changed statements that are too long, so its own style
  is left alone everywhere else.

The line length is the project's (``[tool.black]``, ``[tool.ruff]``/``ruff.toml``,
``[flake8] max-line-length`` in ``setup.cfg``/``tox.ini``/``.flake8``), else black's 88.
Quotes are never changed (``string_normalization`` off): the user's strings keep theirs.
A file not indented with four spaces is laid out only by note wrapping: black would indent
the statements it touches differently from the lines around them.
"""

from __future__ import annotations

import ast
import configparser
import difflib
import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

from migrator.notes import wrap_notes

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.9/3.10
    import tomli as tomllib

#: black's default, and what a project that says nothing gets.
DEFAULT_LINE_LENGTH = 88
_FORMATTER_HOOKS = re.compile(r"^\s*-\s*id:\s*(black|ruff-format)\b", re.MULTILINE)


@dataclass(frozen=True)
class Layout:
    """How the project lays out code: its line length, and whether it runs a formatter."""

    line_length: int = DEFAULT_LINE_LENGTH
    #: The project formats with black or ``ruff format``: every changed statement is laid out.
    formatted: bool = False

    @classmethod
    def for_path(cls, path: str) -> "Layout":
        """The layout of the project holding ``path`` (its nearest configuration above it,
        up to the repository root)."""
        try:
            directory = Path(path).resolve().parent
        except (OSError, RuntimeError):
            return cls()
        return _layout_of_directory(str(directory))


def lay_out(original: str, migrated: str, layout: Layout, indent: str = "    ") -> str:
    """``migrated`` with the lines that differ from ``original`` laid out for ``layout``."""
    changed = _changed_rows(original, migrated)
    if not changed:
        return migrated
    lines = migrated.splitlines()
    if indent == "    " and "\t" not in migrated:
        rows = changed if layout.formatted else {row for row in changed if len(lines[row - 1]) > layout.line_length}
        rows = {row for row in rows if not lines[row - 1].lstrip().startswith("#")}
        if rows:
            migrated = _black(migrated, _with_definitions_after(rows, lines), layout.line_length)
    return wrap_notes(migrated, layout.line_length)


def _changed_rows(original: str, migrated: str) -> set:
    """1-based rows of ``migrated`` that are not in ``original`` (inserted or replaced)."""
    matcher = difflib.SequenceMatcher(None, original.splitlines(), migrated.splitlines(), autojunk=False)
    rows: set = set()
    for tag, _, _, start, end in matcher.get_opcodes():
        if tag in ("replace", "insert"):
            rows.update(range(start + 1, end + 1))
    return rows


_DEFINITION = re.compile(r"\s*(@|def\s|async\s+def\s|class\s)")


def _with_definitions_after(rows: set, lines: list) -> set:
    """``rows`` plus the header of a def or class that directly follows one of their runs:
    black (26.x) loses a blank line above a definition that follows a formatted range."""
    extra: set = set()
    for row in rows:
        if row + 1 in rows:
            continue
        following = row + 1
        while following <= len(lines) and not lines[following - 1].strip():
            following += 1
        if following <= len(lines) and following > row + 1 and _DEFINITION.match(lines[following - 1]):
            extra.add(following)
    return rows | extra


def _ranges(rows: set) -> list:
    ranges: list = []
    for row in sorted(rows):
        if ranges and ranges[-1][1] == row - 1:
            ranges[-1][1] = row
        else:
            ranges.append([row, row])
    return [tuple(pair) for pair in ranges]


def _black(text: str, rows: set, line_length: int) -> str:
    import black

    crlf = "\r\n" in text
    source = text.replace("\r\n", "\n") if crlf else text
    mode = black.Mode(line_length=line_length, string_normalization=False)
    try:
        formatted = _black_by_statement(black, source, rows, mode)
    except Exception:  # black cannot read this file (syntax it does not know): leave it
        return text
    return formatted.replace("\n", "\r\n") if crlf else formatted


def _black_by_statement(black, source: str, rows: set, mode) -> str:
    """``source`` with ``rows`` laid out by black, which is handed only the top-level
    statements holding them (each on its own, with its rows): black's cost grows with what it
    reads, and a rewrite touches a few statements of a file. The whole file goes to black
    when Python cannot tell its statements apart."""
    try:
        tree = compile(source, "<layout>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        return black.format_str(source, mode=mode, lines=_ranges(rows))
    lines = source.splitlines(keepends=True)
    spans = []
    for node in tree.body:
        start = min([node.lineno, *(decorator.lineno for decorator in getattr(node, "decorator_list", ()))])
        definition = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        spans.append((start, node.end_lineno, definition))
    last = len(spans) - 1
    for index, (start, end, definition) in reversed(list(enumerate(spans))):
        wanted = {row - start + 1 for row in rows if start <= row <= end}
        if not wanted:
            continue
        snippet = "".join(lines[start - 1 : end])
        if not snippet.endswith("\n"):
            snippet += "\n"
        formatted = black.format_str(snippet, mode=mode, lines=_ranges(wanted))
        if not lines[end - 1].endswith("\n"):
            formatted = formatted[:-1]
        if definition and index < last:
            # black sets a top-level def or class apart by two blank lines below it
            following = spans[index + 1][0]
            blank = sum(1 for line in lines[end : following - 1] if not line.strip())
            if blank == following - 1 - end and blank < 2:
                formatted += "\n" * (2 - blank)
        lines[start - 1 : end] = [formatted]
    return "".join(lines)


@lru_cache(maxsize=256)
def _layout_of_directory(directory: str) -> Layout:
    line_length: Optional[int] = None
    formatted = False
    current = directory
    while True:
        found_length, found_formatter = _configuration_in(current)
        if line_length is None:
            line_length = found_length
        formatted = formatted or found_formatter
        parent = os.path.dirname(current)
        if parent == current or os.path.exists(os.path.join(current, ".git")):
            break
        current = parent
    return Layout(line_length or DEFAULT_LINE_LENGTH, formatted)


def _configuration_in(directory: str) -> tuple:
    """(line length or None, whether a formatter is configured) from one directory's files."""
    length: Optional[int] = None
    formatted = False
    for name in ("ruff.toml", ".ruff.toml", "pyproject.toml"):
        table = _toml(os.path.join(directory, name))
        if table is None:
            continue
        tools = table.get("tool", {}) if name == "pyproject.toml" else {"ruff": table}
        black_table, ruff_table = tools.get("black"), tools.get("ruff")
        if isinstance(black_table, dict):
            formatted = True
            length = length or _integer(black_table.get("line-length"))
        if isinstance(ruff_table, dict):
            formatted = formatted or isinstance(ruff_table.get("format"), dict)
            length = length or _integer(ruff_table.get("line-length"))
    for name in ("setup.cfg", "tox.ini", ".flake8"):
        length = length or _flake8_length(os.path.join(directory, name))
    try:
        with open(os.path.join(directory, ".pre-commit-config.yaml"), encoding="utf-8") as handle:
            formatted = formatted or bool(_FORMATTER_HOOKS.search(handle.read()))
    except (OSError, UnicodeDecodeError):
        pass
    return length, formatted


def _toml(path: str) -> Optional[dict]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None


def _flake8_length(path: str) -> Optional[int]:
    parser = configparser.ConfigParser()
    try:
        if not parser.read(path, encoding="utf-8"):
            return None
    except (configparser.Error, UnicodeDecodeError):
        return None
    if not parser.has_section("flake8"):
        return None
    return _integer(
        parser.get("flake8", "max-line-length", fallback=None) or parser.get("flake8", "max_line_length", fallback=None)
    )


def _integer(value) -> Optional[int]:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
