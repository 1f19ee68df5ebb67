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
import dataclasses
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
        nested = _nested_statements(tree.body[index], {row for row in rows if start <= row <= end}, lines, mode)
        if nested is not None:
            formatted = _black_nested(black, lines, start, end, nested, mode)
        else:
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


#: Compound statements: a row of one is laid out with the whole top-level statement.
_COMPOUND = tuple(
    getattr(ast, name)
    for name in (
        "If",
        "For",
        "AsyncFor",
        "While",
        "With",
        "AsyncWith",
        "Try",
        "TryStar",
        "FunctionDef",
        "AsyncFunctionDef",
        "ClassDef",
        "Match",
    )
    if hasattr(ast, name)
)
_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
#: What makes black lay a line out differently on its own than inside its top-level
#: statement: ``*``/``**`` (whether a trailing comma may follow them depends on the Python
#: versions black infers from the code it reads), multi-line strings (measured against the
#: line length unindented), backslash continuations, t-strings. (A ``fmt:`` directive
#: anywhere in the top-level statement keeps it whole.)
_CONTEXT_SENSITIVE = re.compile(r"\*|\"\"\"|\'\'\'|\\\r?\n|(?i:(?<![\w'\"])r?tr?['\"])")
_STRING_START = re.compile(r"(?i:[rbuft]{0,2})['\"]")
#: The narrowest line length a nested statement is handed to black with.
_NARROWEST_NESTED = 20


def _nested_statements(top: ast.stmt, rows: set, lines: list, mode) -> Optional[list]:
    """For rows that all lie in simple statements nested in ``top`` (a compound statement),
    the (first row, last row, indentation, rows) of each such statement, the comment lines
    directly above it included: what black may be handed on its own, unindented, with the
    line length less the indentation, and lay out exactly as it does inside ``top``. None
    when any row is elsewhere or any of them is not such a statement."""
    text = lines[top.lineno - 1 : top.end_lineno]
    if not isinstance(top, _COMPOUND) or "fmt:" in "".join(text):
        return None
    if any(not line.strip() and line.strip("\r\n") for line in text):
        return None  # black empties a line of blanks wherever it is in what it reads
    if any(not line.strip() and not following.strip() for line, following in zip(text, text[1:])):
        return None  # ... and keeps at most one blank line in a row in a block, wherever
    # (statement, the statement before it in the same block or None, its parent) by first row
    found: dict = {}

    def collect(parent) -> None:
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(parent, field, None)
            if not isinstance(block, list):
                continue
            previous = None
            for child in block:
                if isinstance(child, ast.stmt):
                    found[child.lineno] = (child, previous, parent)
                    previous = child
                collect(child)

    collect(top)
    statements = sorted(found.values(), key=lambda item: item[0].lineno)
    chosen: dict = {}
    for row in rows:
        holder = None
        for statement, previous, parent in statements:
            if statement.lineno <= row <= statement.end_lineno and not isinstance(statement, _COMPOUND):
                holder = (statement, previous, parent)
        if holder is None:
            return None
        chosen[holder[0].lineno] = holder
    if len(chosen) != 1:
        # black's second pass may lay out more than the rows asked for when several ranges
        # change how many lines there are: only the whole statement gives its exact result
        return None
    pieces = []
    for statement, previous, parent in chosen.values():
        piece = _nested_piece(statement, previous, parent, rows, lines, mode)
        if piece is None:
            return None
        pieces.append(piece)
    return sorted(pieces)


def _nested_piece(statement: ast.stmt, previous, parent, rows: set, lines: list, mode) -> Optional[tuple]:
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return None  # black sets the line after an import apart, formatted or not
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return None  # a docstring, or ``...`` (black treats a stub's body on its own terms)
    first, last = statement.lineno, statement.end_lineno
    head = lines[first - 1]
    indent = head[: statement.col_offset]
    if indent.strip(" ") or not indent or mode.line_length - len(indent) < _NARROWEST_NESTED:
        return None
    tail = lines[last - 1].rstrip("\r\n").encode("utf-8")  # AST columns count UTF-8 bytes
    if statement.end_col_offset is None or tail[statement.end_col_offset :].strip()[:1] not in (b"", b"#"):
        return None  # another statement on its last line (``a; b``)
    if _STRING_START.match(head, len(indent)):
        return None  # a string first: black may take it for a docstring
    for line in lines[first:last]:
        if line.strip() and not line.startswith(indent):
            return None
    if previous is not None:
        if isinstance(previous, (ast.Import, ast.ImportFrom, *_DEFINITIONS)) or (
            isinstance(previous, ast.Expr) and isinstance(previous.value, ast.Constant)
        ):
            return None
        if any(isinstance(node, _DEFINITIONS) for node in ast.walk(previous)):
            return None
        if previous.end_lineno >= first:
            return None
    elif getattr(parent, "lineno", first) >= first or lines[first - 2].lstrip().startswith("#"):
        return None  # on its header's line (``if x: y``), or with comments under the header
    # The comment lines directly above, at the statement's indentation, go with it.
    top = first
    while top > 1 and lines[top - 2].startswith(indent + "#"):
        top -= 1
    if previous is not None and previous.end_lineno >= top:
        return None
    # Blank lines above: black keeps at most one there, and none under a block's header.
    blank = 0
    while top - blank > 1 and not lines[top - blank - 2].strip():
        blank += 1
    if blank > (0 if previous is None else 1):
        return None
    if top - blank > 1 and lines[top - blank - 2].lstrip().startswith("#"):
        return None  # a comment further up (at another indentation)
    if _CONTEXT_SENSITIVE.search("".join(lines[top - 1 : last])):
        return None
    wanted = {row - top + 1 for row in rows if first <= row <= last}
    return (top, last, indent, wanted)


def _black_nested(black, lines: list, start: int, end: int, pieces: list, mode) -> str:
    """The top-level statement on rows ``start``..``end`` with each of ``pieces``
    (:func:`_nested_statements`) laid out by black on its own."""
    block = lines[start - 1 : end]
    for top, last, indent, wanted in reversed(pieces):
        snippet = "".join(line[len(indent) :] if line.strip() else line for line in lines[top - 1 : last])
        if not snippet.endswith("\n"):
            snippet += "\n"
        narrower = dataclasses.replace(mode, line_length=mode.line_length - len(indent))
        formatted = black.format_str(snippet, mode=narrower, lines=_ranges(wanted))
        if not lines[last - 1].endswith("\n"):
            formatted = formatted[:-1]
        block[top - start : last - start + 1] = [
            indent + line if line.strip() else line for line in formatted.splitlines(keepends=True)
        ]
    return "".join(block)


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
