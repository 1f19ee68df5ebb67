"""The layout's shortcut for a changed statement nested in a top-level one (black reads that
statement alone, unindented, with the line length less its indentation) gives exactly what
black gives when it reads the whole top-level statement with the same rows: checked for
every simple statement nested in a compound one in the fixtures, at two line lengths."""

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


@pytest.mark.parametrize("path", SOURCES, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_nested_statement_alone_is_laid_out_as_inside_its_top_level_statement(path: Path):
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    compared = 0
    for length in (88, 40):
        mode = black.Mode(line_length=length, string_normalization=False)
        for top in tree.body:
            if not isinstance(top, layout._COMPOUND):
                continue
            start = min([top.lineno, *(d.lineno for d in getattr(top, "decorator_list", ()))])
            for statement in ast.walk(top):
                if not isinstance(statement, ast.stmt) or isinstance(statement, layout._COMPOUND):
                    continue
                rows = set(range(statement.lineno, statement.end_lineno + 1))
                pieces = layout._nested_statements(top, rows, lines, mode)
                if pieces is None:
                    continue
                compared += 1
                alone = layout._black_nested(black, list(lines), start, top.end_lineno, pieces, mode)
                whole = _whole_statement(lines, start, top.end_lineno, rows, mode)
                assert alone == whole, f"line {statement.lineno} at line length {length}"
    if not compared:
        pytest.skip("no nested statement takes the shortcut here")
