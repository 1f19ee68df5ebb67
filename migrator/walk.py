"""Walking libcst trees without rebuilding them.

libcst's own ``visit`` rebuilds every node it passes through (even for a read-only
visitor) and looks up per-field hooks on every field; on the benchmark that was about
three times the cost of parsing. These walks read the fields directly and, when
transforming, rebuild a node only when something below it changed, so an untouched
subtree comes back as the very same object. They keep libcst's semantics: children in
lexical order, removal and flattening in sequences, and the dropping of emptied
statement lines in ``Module.body``/``IndentedBlock.body``.

Whitespace, comments, brackets and operators ("trivia") are skipped unless the caller
asks for them: no rule looks at them, and they are half of all nodes.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Optional

import libcst as cst

#: Node types with nothing below them but more of their own kind.
TRIVIA_BASES = (
    cst.BaseParenthesizableWhitespace,
    cst.EmptyLine,
    cst.TrailingWhitespace,
    cst.Newline,
    cst.Comment,
    cst.LeftParen,
    cst.RightParen,
    cst.LeftSquareBracket,
    cst.RightSquareBracket,
    cst.LeftCurlyBrace,
    cst.RightCurlyBrace,
    cst.Comma,
    cst.Semicolon,
    cst.Colon,
    cst.Dot,
    cst.AssignEqual,
    cst.ImportStar,
    cst.Asynchronous,
    cst.BaseBinaryOp,
    cst.BaseBooleanOp,
    cst.BaseCompOp,
    cst.BaseUnaryOp,
    cst.BaseAugOp,
)
#: type -> _OTHER (not a node: str, None, a sentinel), _TRIVIA_NODE or _NODE. A dict lookup,
#: because isinstance against libcst's ABCs goes through ABCMeta on every call.
_KIND: dict = {}
_OTHER, _TRIVIA_NODE, _NODE = 1, 2, 3

_REQUIRED, _OPTIONAL, _SENTINEL = 0, 1, 2
_BODY_FIELDS = {(cst.Module, "body"), (cst.IndentedBlock, "body")}
#: node type -> ((field name, removal kind, is a statement body), ...) in lexical order.
_FIELDS: dict = {}
#: node type -> fields libcst visits only when they are set (checked on every such node).
_SOMETIMES: dict = {}


def _classify(value_type: type) -> int:
    kind = _KIND[value_type] = (
        _OTHER
        if not issubclass(value_type, cst.CSTNode)
        else _TRIVIA_NODE
        if issubclass(value_type, TRIVIA_BASES)
        else _NODE
    )
    return kind


def is_trivia(node_type: type) -> bool:
    return (_KIND.get(node_type) or _classify(node_type)) == _TRIVIA_NODE


class _FieldOrder(cst.CSTVisitor):
    """Records the order in which libcst itself visits a node's fields."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list = []

    def on_visit(self, node) -> bool:
        return False

    def on_leave(self, original_node) -> None:
        pass

    def on_visit_attribute(self, node, attribute) -> None:
        self.names.append(attribute)

    def on_leave_attribute(self, original_node, attribute) -> None:
        pass


def fields(node: cst.CSTNode) -> tuple:
    """The node's child fields, in the order libcst visits them (learnt once per type, and
    again for the rare types that visit a field only when it is set, e.g. a format spec)."""
    node_type = type(node)
    known = _FIELDS.get(node_type)
    if known is not None and not any(_holds_nodes(getattr(node, name)) for name in _SOMETIMES.get(node_type, ())):
        return known
    recorder = _FieldOrder()
    node._visit_and_replace_children(recorder)
    defaults = {field.name: field.default for field in dataclasses.fields(node_type)}
    names = list(dict.fromkeys(recorder.names))
    if known is not None and len(known) > len(names):
        return known
    known = _FIELDS[node_type] = tuple(
        (
            name,
            _SENTINEL
            if defaults.get(name) is cst.MaybeSentinel.DEFAULT
            else _OPTIONAL
            if defaults.get(name, 0) is None
            else _REQUIRED,
            (node_type, name) in _BODY_FIELDS,
        )
        for name in names
    )
    sometimes = tuple(
        name for name in defaults if name not in names and not isinstance(getattr(node, name), (str, int))
    )
    if sometimes:
        _SOMETIMES[node_type] = sometimes
    return known


def _holds_nodes(value) -> bool:
    if value is None or type(value) is str:
        return False
    return isinstance(value, cst.CSTNode) or (
        isinstance(value, (tuple, list)) and any(isinstance(item, cst.CSTNode) for item in value)
    )


def visit(node: cst.CSTNode, on_visit: Callable, on_leave: Callable, trivia: bool = False) -> None:
    """Call ``on_visit(node)`` (children are walked when it returns true) and
    ``on_leave(node)`` for every node, depth first, in lexical order."""
    if on_visit(node):
        lowest = _TRIVIA_NODE if trivia else _NODE
        known = _FIELDS.get(type(node))
        if known is None or type(node) in _SOMETIMES:
            known = fields(node)
        for name, _, _ in known:
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                for child in value:
                    if (_KIND.get(type(child)) or _classify(type(child))) >= lowest:
                        visit(child, on_visit, on_leave, trivia)
            elif (_KIND.get(value_type) or _classify(value_type)) >= lowest:
                visit(value, on_visit, on_leave, trivia)
    on_leave(node)


def transform(node: cst.CSTNode, on_visit: Callable, on_leave: Callable, trivia: bool = False):
    """libcst's transformer protocol, ``on_visit(node) -> bool`` and ``on_leave(original,
    updated) -> node | RemovalSentinel | FlattenSentinel``, rebuilding only what changed."""
    updated = node
    if on_visit(node):
        lowest = _TRIVIA_NODE if trivia else _NODE
        changes: Optional[dict] = None
        known = _FIELDS.get(type(node))
        if known is None or type(node) in _SOMETIMES:
            known = fields(node)
        for name, removal, body in known:
            value = getattr(node, name)
            value_type = type(value)
            if value_type is tuple or value_type is list:
                items = _transform_sequence(value, on_visit, on_leave, trivia, body)
                if items is not None:
                    changes = changes or {}
                    changes[name] = items
            elif (_KIND.get(value_type) or _classify(value_type)) >= lowest:
                result = transform(value, on_visit, on_leave, trivia)
                if result is value:
                    continue
                if type(result) is cst.FlattenSentinel:
                    raise TypeError(
                        f"a {type(value).__name__} in {type(node).__name__}.{name} cannot be replaced with a sequence"
                    )
                if type(result) is cst.RemovalSentinel:
                    if removal == _REQUIRED:
                        raise TypeError(f"{type(node).__name__}.{name} cannot be removed")
                    result = None if removal == _OPTIONAL else cst.MaybeSentinel.DEFAULT
                changes = changes or {}
                changes[name] = result
        if changes:
            updated = node.with_changes(**changes)
    return on_leave(node, updated)


def _transform_sequence(items, on_visit, on_leave, trivia: bool, body: bool) -> Optional[tuple]:
    """The new sequence, or None when every item came back unchanged."""
    result: Optional[list] = None
    lowest = _TRIVIA_NODE if trivia else _NODE
    for index, child in enumerate(items):
        if (_KIND.get(type(child)) or _classify(type(child))) >= lowest:
            new = transform(child, on_visit, on_leave, trivia)
        else:
            new = child
        if new is child:
            if result is not None:
                result.append(child)
            continue
        if result is None:
            result = list(items[:index])
        if type(new) is cst.RemovalSentinel:
            continue
        for replacement in new.nodes if type(new) is cst.FlattenSentinel else (new,):
            if body and not child._is_removable() and replacement._is_removable():
                continue  # a statement line whose every statement was removed goes too
            result.append(replacement)
    return None if result is None else tuple(result)
