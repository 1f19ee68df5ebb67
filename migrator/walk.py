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
    cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.TrailingWhitespace, cst.Newline,
    cst.Comment, cst.LeftParen, cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket,
    cst.LeftCurlyBrace, cst.RightCurlyBrace, cst.Comma, cst.Semicolon, cst.Colon, cst.Dot,
    cst.AssignEqual, cst.ImportStar, cst.Asynchronous,
    cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp, cst.BaseAugOp,
)
_TRIVIA: dict = {}

_REQUIRED, _OPTIONAL, _SENTINEL = 0, 1, 2
_BODY_FIELDS = {(cst.Module, "body"), (cst.IndentedBlock, "body")}
#: node type -> ((field name, removal kind, is a statement body), ...) in lexical order.
_FIELDS: dict = {}
#: node type -> fields libcst visits only when they are set (checked on every such node).
_SOMETIMES: dict = {}


def is_trivia(node_type: type) -> bool:
    known = _TRIVIA.get(node_type)
    if known is None:
        known = _TRIVIA[node_type] = issubclass(node_type, TRIVIA_BASES)
    return known


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
            _SENTINEL if defaults.get(name) is cst.MaybeSentinel.DEFAULT else _OPTIONAL if defaults.get(name, 0) is None else _REQUIRED,
            (node_type, name) in _BODY_FIELDS,
        )
        for name in names
    )
    sometimes = tuple(name for name in defaults if name not in names and not isinstance(getattr(node, name), (str, int)))
    if sometimes:
        _SOMETIMES[node_type] = sometimes
    return known


def _holds_nodes(value) -> bool:
    return isinstance(value, cst.CSTNode) or (isinstance(value, (tuple, list)) and any(isinstance(item, cst.CSTNode) for item in value))


def visit(node: cst.CSTNode, on_visit: Callable, on_leave: Callable, trivia: bool = False) -> None:
    """Call ``on_visit(node)`` (children are walked when it returns true) and
    ``on_leave(node)`` for every node, depth first, in lexical order."""
    if on_visit(node):
        known = _FIELDS.get(type(node))
        for name, _, _ in known if known is not None and type(node) not in _SOMETIMES else fields(node):
            value = getattr(node, name)
            if type(value) is tuple or type(value) is list:
                for child in value:
                    if trivia or not is_trivia(type(child)):
                        visit(child, on_visit, on_leave, trivia)
            elif isinstance(value, cst.CSTNode) and (trivia or not is_trivia(type(value))):
                visit(value, on_visit, on_leave, trivia)
    on_leave(node)


def transform(node: cst.CSTNode, on_visit: Callable, on_leave: Callable, trivia: bool = False):
    """libcst's transformer protocol, ``on_visit(node) -> bool`` and ``on_leave(original,
    updated) -> node | RemovalSentinel | FlattenSentinel``, rebuilding only what changed."""
    updated = node
    if on_visit(node):
        changes: Optional[dict] = None
        known = _FIELDS.get(type(node))
        for name, removal, body in known if known is not None and type(node) not in _SOMETIMES else fields(node):
            value = getattr(node, name)
            if type(value) is tuple or type(value) is list:
                items = _transform_sequence(value, on_visit, on_leave, trivia, body)
                if items is not None:
                    changes = changes or {}
                    changes[name] = items
            elif isinstance(value, cst.CSTNode) and (trivia or not is_trivia(type(value))):
                result = transform(value, on_visit, on_leave, trivia)
                if result is value:
                    continue
                if isinstance(result, cst.FlattenSentinel):
                    raise TypeError(f"a {type(value).__name__} in {type(node).__name__}.{name} cannot be replaced with a sequence")
                if isinstance(result, cst.RemovalSentinel):
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
    for index, child in enumerate(items):
        if not trivia and is_trivia(type(child)):
            new = child
        else:
            new = transform(child, on_visit, on_leave, trivia)
        if new is child:
            if result is not None:
                result.append(child)
            continue
        if result is None:
            result = list(items[:index])
        if isinstance(new, cst.RemovalSentinel):
            continue
        for replacement in (new.nodes if isinstance(new, cst.FlattenSentinel) else (new,)):
            if body and not child._is_removable() and replacement._is_removable():
                continue  # a statement line whose every statement was removed goes too
            result.append(replacement)
    return None if result is None else tuple(result)
