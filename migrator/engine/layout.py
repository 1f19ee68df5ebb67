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
            migrated = _black(migrated, rows, _with_definitions_after(rows, lines), layout.line_length)
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
    """The header of each def or class that directly follows a run of ``rows``: black (26.x)
    loses a blank line above a definition that follows a formatted range, unless it lays the
    definition's header out too. Used only where a whole top-level statement goes to black: a
    part of one laid out alone leaves the lines around it as they are."""
    extra: set = set()
    for row in rows:
        if row + 1 in rows:
            continue
        following = row + 1
        while following <= len(lines) and not lines[following - 1].strip():
            following += 1
        if following <= len(lines) and following > row + 1 and _DEFINITION.match(lines[following - 1]):
            extra.add(following)
    return extra


def _ranges(rows: set) -> list:
    ranges: list = []
    for row in sorted(rows):
        if ranges and ranges[-1][1] == row - 1:
            ranges[-1][1] = row
        else:
            ranges.append([row, row])
    return [tuple(pair) for pair in ranges]


def _black(text: str, rows: set, definitions: set, line_length: int) -> str:
    import black

    crlf = "\r\n" in text
    source = text.replace("\r\n", "\n") if crlf else text
    mode = black.Mode(line_length=line_length, string_normalization=False)
    try:
        formatted = _black_by_statement(black, source, rows, definitions, mode)
    except Exception:  # black cannot read this file (syntax it does not know): leave it
        return text
    return formatted.replace("\n", "\r\n") if crlf else formatted


def _black_by_statement(black, source: str, rows: set, definitions: set, mode) -> str:
    """``source`` with ``rows`` laid out by black, which is handed only the top-level
    statements holding them (each on its own, with its rows), or only the nested statements
    and headers holding them where that gives the same: black's cost grows with what it
    reads, and a rewrite touches a few lines of a file. ``definitions``
    (:func:`_with_definitions_after`) are laid out with ``rows`` wherever a whole statement
    goes to black. The whole file goes to black when Python cannot tell its statements
    apart."""
    try:
        tree = compile(source, "<layout>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
    except (SyntaxError, ValueError):
        return black.format_str(source, mode=mode, lines=_ranges(rows | definitions))
    lines = source.splitlines(keepends=True)
    spans = []
    for node in tree.body:
        spans.append((_first_row(node), node.end_lineno, isinstance(node, _DEFINITIONS)))
    last = len(spans) - 1
    for index, (start, end, definition) in reversed(list(enumerate(spans))):
        inside = {row for row in rows if start <= row <= end}
        if not inside:
            continue
        nested = _nested_statements(tree.body[index], inside, lines, mode)
        if nested is not None:
            formatted = _black_nested(black, lines, start, end, nested, mode)
        else:
            wanted = {row - start + 1 for row in rows | definitions if start <= row <= end}
            formatted = "".join(_black_lines(black, lines[start - 1 : end], wanted, mode))
        if definition and index < last:
            # black sets a top-level def or class apart by two blank lines below it
            following = spans[index + 1][0]
            blank = sum(1 for line in lines[end : following - 1] if not line.strip())
            if blank == following - 1 - end and blank < 2:
                formatted += "\n" * (2 - blank)
        lines[start - 1 : end] = [formatted]
    return "".join(lines)


#: Compound statements: a part of one (a nested statement, a header) may be laid out alone.
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
#: Compound statements whose header black may lay out alone, over a body of ``pass``: not
#: ``try`` and ``match`` (nothing in the header to lay out, or cases under it).
_HEADED = (ast.If, ast.While, ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, *_DEFINITIONS)
_WITH = (ast.With, ast.AsyncWith)
#: A ``with`` whose items are in parentheses (or might be): syntax of Python 3.9.
_PARENTHESIZED_WITH = re.compile(r"\bwith\s*\(")
#: Statements of Python 3.10 and later (``match``, ``except*``, ``type X = ...``).
_NEWER_STATEMENTS = tuple(getattr(ast, name) for name in ("Match", "TryStar", "TypeAlias") if hasattr(ast, name))
#: What makes black lay a line out differently on its own than inside its top-level
#: statement: ``*``/``**`` (whether a trailing comma may follow them depends on the Python
#: versions black infers from the code it reads), multi-line strings (measured against the
#: line length unindented), backslash continuations, t-strings. (A ``fmt:`` directive
#: anywhere in the top-level statement keeps it whole.)
_CONTEXT_SENSITIVE = re.compile(r"\*|\"\"\"|\'\'\'|\\\r?\n|(?i:(?<![\w'\"])r?tr?['\"])")
_STRING_START = re.compile(r"(?i:[rbuft]{0,2})['\"]")
#: The narrowest line length a nested statement is handed to black with.
_NARROWEST_NESTED = 20
#: What stands in for the body under a header handed to black alone (a four-space file).
_BODY = "    pass\n"
#: What stands before an ``elif`` handed to black alone.
_ELIF_OPENER = "if _:\n" + _BODY


@dataclass(frozen=True)
class _Piece:
    """Rows ``top``..``last`` of a top-level statement that black lays out on their own, as it
    does inside that statement: unindented by ``indent``, with the line length less its width,
    between ``opener`` and ``body`` (what a header alone needs to be a statement). ``wanted``:
    the rows to lay out, counted from ``top``."""

    top: int
    last: int
    indent: str
    wanted: frozenset
    opener: str = ""
    body: str = ""


def _nested_statements(top: ast.stmt, rows: set, lines: list, mode) -> Optional[list]:
    """For rows that all lie in simple statements nested in ``top`` (a compound statement) or
    in headers of compound statements (``top``'s own included), the :class:`_Piece` black may
    be handed for each, and lay out exactly as it does inside ``top``. None when any row is
    elsewhere or any of them cannot be laid out alone."""
    text = lines[top.lineno - 1 : top.end_lineno]
    if not isinstance(top, _COMPOUND) or "fmt:" in "".join(text):
        return None
    if any(not line.strip() and line.strip("\r\n") for line in text):
        return None  # black empties a line of blanks wherever it is in what it reads
    if any(not line.strip() and not following.strip() for line, following in zip(text, text[1:])):
        return None  # ... and keeps at most one blank line in a row in a block, wherever
    # (first row, last row, statement, the statement before it in its block or None, its
    # parent or None for ``top``, whether the rows are its header)
    spans: list = []

    def add(statement, previous, parent) -> None:
        if not isinstance(statement, _COMPOUND):
            spans.append((statement.lineno, statement.end_lineno, statement, previous, parent, False))
            return
        end = _header_end(statement, lines)
        if end is not None:
            spans.append((_first_row(statement), end, statement, previous, parent, True))

    def collect(parent) -> None:
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            block = getattr(parent, field, None)
            if not isinstance(block, list):
                continue
            previous = None
            for child in block:
                if isinstance(child, ast.stmt):
                    add(child, previous, parent)
                    previous = child
                collect(child)

    add(top, None, None)
    collect(top)
    chosen: dict = {}
    for row in rows:
        holder = next((span for span in spans if span[0] <= row <= span[1]), None)
        if holder is None:
            return None
        chosen[holder[0]] = holder
    if any(isinstance(span[2], _WITH) for span in chosen.values()) and _newer_syntax(top, text):
        return None
    pieces = []
    for first, last, statement, previous, parent, header in chosen.values():
        piece = _nested_piece(statement, previous, parent, first, last, header, rows, lines, mode)
        if piece is None:
            return None
        pieces.append(piece)
    return sorted(pieces, key=lambda piece: piece.top)


def _newer_syntax(top: ast.stmt, text: list) -> bool:
    """Whether ``top`` may hold syntax from which black infers Python 3.9 or newer: black
    then lays a ``with`` header out in parentheses, which it cannot do for the header alone.
    (Cautious: a doubt counts as yes.)"""
    if _PARENTHESIZED_WITH.search("".join(text)):
        return True
    for node in ast.walk(top):
        if isinstance(node, _NEWER_STATEMENTS) or getattr(node, "type_params", None):
            return True
        if isinstance(node, _DEFINITIONS) and not all(_plain_decorator(d) for d in node.decorator_list):
            return True  # any expression as a decorator: 3.9
        if isinstance(node, ast.Subscript) and any(isinstance(n, ast.Starred) for n in ast.walk(node.slice)):
            return True  # ``tuple[*Ts]``: 3.11
        if isinstance(node, ast.ExceptHandler) and isinstance(node.type, ast.Tuple):
            return True  # unparenthesized on 3.14
        if isinstance(node, ast.JoinedStr) and sys.version_info >= (3, 12):
            return True  # its quotes may nest (3.12)
    return False


def _plain_decorator(decorator: ast.expr) -> bool:
    """A decorator any Python 3 takes: a dotted name, or a call of one."""
    node = decorator.func if isinstance(decorator, ast.Call) else decorator
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _first_row(statement: ast.stmt) -> int:
    """A statement's first row: its first decorator's, if it has any."""
    return min([statement.lineno, *(decorator.lineno for decorator in getattr(statement, "decorator_list", ()))])


def _header_end(statement: ast.stmt, lines: list) -> Optional[int]:
    """The last row of a compound statement's header (the row of its colon), when black may
    lay the header out alone: a statement of :data:`_HEADED`, its body on rows of its own
    with no blank line above it (black drops those wherever it lays out the header), and not
    ``...`` (black may keep that on the header's line)."""
    if not isinstance(statement, _HEADED):
        return None
    body = statement.body[0]
    if isinstance(body, ast.Expr) and isinstance(body.value, ast.Constant) and body.value.value is Ellipsis:
        return None
    row = _first_row(body) - 1
    while row > statement.lineno and lines[row - 1].lstrip().startswith("#"):
        row -= 1
    if row < statement.lineno or not lines[row - 1].strip():
        return None
    return row


def _nested_piece(
    statement: ast.stmt, previous, parent, first: int, last: int, header: bool, rows: set, lines: list, mode
) -> Optional[_Piece]:
    """The part of ``statement`` on rows ``first``..``last`` (all of it, or its header) as
    black may read it alone, or None when what black would make of it depends on more."""
    if isinstance(statement, (ast.Import, ast.ImportFrom)):
        return None  # black sets the line after an import apart, formatted or not
    if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
        return None  # a docstring, or ``...`` (black treats a stub's body on its own terms)
    head = lines[first - 1]
    indent = head[: statement.col_offset]
    if indent.strip(" ") or mode.line_length - len(indent) < _NARROWEST_NESTED:
        return None
    elif_ = header and parent is not None and head.startswith("elif", len(indent))
    if not header:
        tail = lines[last - 1].rstrip("\r\n").encode("utf-8")  # AST columns count UTF-8 bytes
        if statement.end_col_offset is None or tail[statement.end_col_offset :].strip()[:1] not in (b"", b"#"):
            return None  # another statement on its last line (``a; b``)
        if _STRING_START.match(head, len(indent)):
            return None  # a string first: black may take it for a docstring
    for line in lines[first:last]:
        if line.strip() and not line.startswith(indent):
            return None
    top = first
    if parent is not None:  # nested: what black sets above it must be there already
        top = _top_with_comments(statement, previous, parent, first, lines, indent)
        if top is None:
            return None
    if _CONTEXT_SENSITIVE.search("".join(lines[top - 1 : last])):
        return None
    wanted = frozenset(row - top + 1 for row in rows if first <= row <= last)
    if not header:
        return _Piece(top, last, indent, wanted)
    return _Piece(top, last, indent, wanted, _ELIF_OPENER if elif_ else "", _BODY)


def _top_with_comments(statement: ast.stmt, previous, parent, first: int, lines: list, indent: str) -> Optional[int]:
    """The first row of a nested statement with the comment lines directly above it (at its
    indentation), when the blank lines above are what black leaves there: at most one after
    a statement of its block, none under its block's header. A definition must follow a
    statement with exactly one (black puts one there, and one under a class's header too).
    None otherwise."""
    if previous is not None:
        if isinstance(previous, (ast.Import, ast.ImportFrom, *_DEFINITIONS)) or (
            isinstance(previous, ast.Expr) and isinstance(previous.value, ast.Constant)
        ):
            return None
        if any(isinstance(node, _DEFINITIONS) for node in ast.walk(previous)):
            return None
        if previous.end_lineno >= first:
            return None
    elif getattr(parent, "lineno", first) >= first:
        return None  # on its header's line (``if x: y``)
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
    if isinstance(statement, _DEFINITIONS) and (previous is None or blank != 1):
        return None
    if top - blank > 1 and lines[top - blank - 2].lstrip().startswith("#"):
        return None  # a comment further up (at another indentation)
    return top


def _black_nested(black, lines: list, start: int, end: int, pieces: list, mode) -> str:
    """The top-level statement on rows ``start``..``end`` with each of ``pieces``
    (:func:`_nested_statements`) laid out by black on its own."""
    block = lines[start - 1 : end]
    for piece in reversed(pieces):
        indent = piece.indent
        unindented = [line[len(indent) :] if line.strip() else line for line in lines[piece.top - 1 : piece.last]]
        narrower = dataclasses.replace(mode, line_length=mode.line_length - len(indent))
        laid_out = _black_lines(black, unindented, piece.wanted, narrower, piece.opener, piece.body)
        block[piece.top - start : piece.last - start + 1] = [
            indent + line if line.strip() else line for line in laid_out
        ]
    return "".join(block)


def _black_lines(black, lines: list, wanted: set, mode, opener: str = "", body: str = "") -> list:
    """``lines`` (one statement, or a part of one) with the ``wanted`` rows (1-based) laid out
    by black, read between ``opener`` and ``body`` (what a header alone needs to be a
    statement; neither comes back). The last line ends as it did, with or without a newline."""
    snippet = "".join(lines)
    if not snippet.endswith("\n"):
        snippet += "\n"
    above = opener.count("\n")
    formatted = black.format_str(opener + snippet + body, mode=mode, lines=_ranges({row + above for row in wanted}))
    laid_out = formatted.splitlines(keepends=True)
    laid_out = laid_out[above : len(laid_out) - body.count("\n")]
    if not lines[-1].endswith("\n"):
        laid_out[-1] = laid_out[-1][:-1]
    return laid_out


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
