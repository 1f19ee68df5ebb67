"""Line and column of a few nodes, for the notes, at the cost of printing the file once.

libcst's ``PositionProvider`` records a range for every node of the module, splitting every
token on newlines; for a file with notes that cost more than parsing it. Notes need the
start of a handful of nodes, so this prints the module with a codegen state that counts
lines only when one of those nodes begins, and stops printing once all are found. Starts
are the ones ``PositionProvider`` gives (the syntactic start, without leading comments and
blank lines); ``tests/test_positions.py`` checks that on every fixture.

The codegen state is libcst's internal hook for exactly this; should a libcst release move
it, :func:`starts` falls back to ``PositionProvider``.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterable

import libcst as cst

try:
    from libcst._nodes.internal import CodegenState
except ImportError:  # pragma: no cover - a libcst without the internal hook
    CodegenState = None

_NEWLINE = re.compile(r"\r\n?|\n")


class _AllFound(Exception):
    pass


if CodegenState is not None:

    class _Locator(CodegenState):
        def __init__(self, module: cst.Module, targets: set) -> None:
            super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
            self.targets = targets
            self.wanted = len(targets)
            self.found: dict = {}  # id(node) -> (line, column)
            self.opened: dict = {}  # id(node) -> start including whitespace, until closed
            self.line, self.column, self.counted = 1, 0, 0

        def _here(self) -> tuple:
            if self.counted < len(self.tokens):
                chunk = "".join(self.tokens[self.counted :])
                self.counted = len(self.tokens)
                segments = _NEWLINE.split(chunk)
                if len(segments) == 1:
                    self.column += len(chunk)
                else:
                    self.line += len(segments) - 1
                    self.column = len(segments[-1])
            return self.line, self.column

        def before_codegen(self, node) -> None:
            if id(node) in self.targets:
                self.opened[id(node)] = self._here()

        def after_codegen(self, node) -> None:
            key = id(node)
            if key in self.targets:
                start = self.opened.pop(key, None)
                self.found.setdefault(key, start)
                if len(self.found) >= self.wanted and not self.opened:
                    raise _AllFound

        @contextmanager
        def record_syntactic_position(self, node, *, start_node=None, end_node=None):
            key = id(node)
            if key not in self.targets:
                yield
                return
            start = self._here()
            helper = start_node is not None and id(start_node) not in self.targets
            if helper:
                self.targets.add(id(start_node))
                self.wanted += 1
            yield
            if start_node is not None:
                start = self.found.get(id(start_node), start)
            if helper:
                self.targets.discard(id(start_node))
                self.found.pop(id(start_node), None)
                self.wanted -= 1
            self.found[key] = start


def starts(module: cst.Module, nodes: Iterable[cst.CSTNode]) -> dict:
    """``id(node) -> (line, column)`` (1-based line, 0-based column) for nodes of ``module``."""
    nodes = list(nodes)
    if not nodes:
        return {}
    if CodegenState is None:  # pragma: no cover
        from libcst.metadata import MetadataWrapper, PositionProvider

        positions = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
        return {
            id(node): (positions[node].start.line, positions[node].start.column) for node in nodes if node in positions
        }
    locator = _Locator(module, {id(node) for node in nodes})
    try:
        module._codegen(locator)
    except _AllFound:
        pass
    return dict(locator.found)
