"""The layout's shortcut for changed parts of a top-level statement (black reads a nested
simple statement, or a compound statement's header over a body of ``pass``, alone and
unindented, with the line length less its indentation) gives exactly what black gives when
it reads the whole top-level statement with the same rows. Checked for every simple
statement and every header in the fixtures, alone and two at a time (the reference then
lays the second out in what black made of the first), at two line lengths."""

from __future__ import annotations

import ast
from pathlib import Path

import black
import pytest

from migrator.engine import layout

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(
    path
    for path in (ROOT / "fixtures").rglob("*.py")
    if "\t" not in path.read_text(encoding="utf-8") and "\r" not in path.read_text(encoding="utf-8")
)


def _whole_statement(source_lines: list, start: int, end: int, rows: set, mode) -> str:
    snippet = "".join(source_lines[start - 1 : end])
    if not snippet.endswith("\n"):
        snippet += "\n"
    return black.format_str(snippet, mode=mode, lines=layout._ranges({row - start + 1 for row in rows}))


def _one_after_another(lines: list, start: int, end: int, parts: list, mode) -> str:
    """The top-level statement with each of ``parts`` (sets of rows, none above another's
    first row but in order) laid out by black reading the whole statement, the lowest first."""
    current = list(lines)
    for rows in sorted(parts, key=min, reverse=True):
        formatted = _whole_statement(current, start, end, rows, mode)
        current[start - 1 : end] = [formatted]
        current = "".join(current).splitlines(keepends=True)
        end = start - 1 + len(formatted.splitlines())
    return "".join(current[start - 1 : end])


def _parts(top: ast.stmt, lines: list) -> list:
    """Rows of each simple statement and each header black may be handed alone, in ``top``."""
    parts = []
    for node in ast.walk(top):
        if not isinstance(node, ast.stmt):
            continue
        if isinstance(node, layout._COMPOUND):
            end = layout._header_end(node, lines)
            if end is not None:
                parts.append(set(range(layout._first_row(node), end + 1)))
        else:
            parts.append(set(range(node.lineno, node.end_lineno + 1)))
    return sorted(parts, key=min)


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_parts_of_a_statement_alone_are_laid_out_as_inside_their_top_level_statement(path: Path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    compared = 0
    for length in (88, 40):
        mode = black.Mode(line_length=length, string_normalization=False)
        for top in tree.body:
            if not isinstance(top, layout._COMPOUND):
                continue
            start, end = layout._first_row(top), top.end_lineno
            parts = _parts(top, lines)
            for chosen in [[part] for part in parts] + [list(pair) for pair in zip(parts, parts[1:])]:
                rows = set().union(*chosen)
                pieces = layout._nested_statements(top, rows, lines, mode)
                if pieces is None:
                    continue
                compared += 1
                alone = layout._black_nested(black, list(lines), start, end, pieces, mode)
                whole = _one_after_another(lines, start, end, chosen, mode)
                assert alone == whole, f"rows {sorted(rows)} at line length {length}"
    if not compared:
        pytest.skip("no part of a statement takes the shortcut here")
