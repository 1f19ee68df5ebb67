"""Printing libcst modules: the same text as ``Module.code``, for less.

Two savings, neither of which changes a byte:

- libcst's codegen enters ``state.record_syntactic_position(node)``, a generator-based
  context manager, for almost every node; it only matters for position metadata, and on the
  benchmark it is about a third of the cost of printing. :class:`_State` hands back one
  shared null context instead.
- A migrated module shares every top-level statement no rule touched with the module as
  read (the walks do not rebuild untouched nodes). The engine prints the module as read
  anyway (lines no rule touched come out as they went in: :mod:`migrator.engine.verbatim`),
  so :func:`print_module` keeps each top-level statement's text, and the migrated module's
  print takes the text of every statement it shares from there instead of printing it again.

A top-level statement prints the same wherever it stands: the codegen state carries nothing
from one statement to the next but the indentation, which is empty at the top level.

``CodegenState`` is libcst's internal hook (as in :mod:`migrator.engine.positions`); should a
libcst release move it, :func:`print_module` falls back to ``Module.code``.
"""

from __future__ import annotations

import contextlib
from typing import Optional

import libcst as cst

try:
    from libcst._nodes.internal import CodegenState
except ImportError:  # pragma: no cover - a libcst without the internal hook
    CodegenState = None

_NO_POSITION = contextlib.nullcontext()


if CodegenState is not None:

    class _State(CodegenState):
        __slots__ = ()

        def record_syntactic_position(self, node, *, start_node=None, end_node=None):
            return _NO_POSITION


class Printed:
    """A module's text, with the text of each of its top-level statements (by identity)."""

    __slots__ = ("text", "statements", "style")

    def __init__(self, text: str, statements: dict, style: tuple = ()) -> None:
        self.text = text
        #: id(statement) -> (statement, its text)
        self.statements = statements
        #: (indentation, newline) the statements were printed with
        self.style = style


def print_module(module: cst.Module, known: Optional[Printed] = None) -> Printed:
    """``module.code``, and each top-level statement's text. The text of a statement that
    ``known`` holds (the very same node) is taken from there rather than printed again."""
    if CodegenState is None:  # pragma: no cover
        return Printed(module.code, {})
    state = _State(default_indent=module.default_indent, default_newline=module.default_newline)
    tokens = state.tokens
    for line in module.header:
        line._codegen(state)
    style = (module.default_indent, module.default_newline)
    shared = known.statements if known is not None and known.style == style else {}
    statements: dict = {}
    body = module.body
    # Without a trailing newline the module's last token is popped: print that statement
    # token by token, as Module._codegen_impl does.
    last_apart = body[-1] if body and not module.has_trailing_newline and not module.footer else None
    for statement in body:
        entry = shared.get(id(statement))
        if entry is not None and entry[0] is statement and statement is not last_apart:
            tokens.append(entry[1])
            statements[id(statement)] = entry
            continue
        start = len(tokens)
        statement._codegen(state)
        text = "".join(tokens[start:])
        if statement is not last_apart:
            del tokens[start:]
            tokens.append(text)
        statements[id(statement)] = (statement, text)
    for line in module.footer:
        line._codegen(state)
    if module.has_trailing_newline:
        if not tokens:
            state.add_token(state.default_newline)
    else:
        state.pop_trailing_newline()
    return Printed("".join(tokens), statements, style)


def code_for_node(module: cst.Module, node: cst.CSTNode) -> str:
    """``module.code_for_node(node)``, for less."""
    if CodegenState is None:  # pragma: no cover
        return module.code_for_node(node)
    state = _State(default_indent=module.default_indent, default_newline=module.default_newline)
    node._codegen(state)
    return "".join(state.tokens)
