"""Small questions about libcst nodes that several rules ask, and builders for the
nodes they emit. Plain isinstance checks: matchers cost ~3x on a hot path."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional

import libcst as cst

from migrator import walk

#: Call targets whose string arguments are text for people, not endpoints or messages.
_TEXT_OUTPUT_ATTRIBUTES = frozenset(
    {
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "log",
        "write",
        "markdown",
        "text",
        "caption",
        "echo",
        "title",
        "header",
        "subheader",
        "code",
        "success",
    }
)


def dotted_name(node) -> str:
    """``a.b.c`` for a Name/Attribute chain, "" for anything else."""
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        base = dotted_name(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


def call_name(node) -> str:
    return dotted_name(node.func) if type(node) is cst.Call else ""


def string_value(node) -> Optional[str]:
    """The value of a plain (non-f, non-bytes) string literal or concatenation of them."""
    if type(node) is cst.SimpleString:
        prefix = node.prefix.lower()
        if "b" in prefix:
            return None
        raw = node.raw_value
        if "\\" not in raw or "r" in prefix:
            return raw  # nothing to unescape: skip literal_eval, which compiles
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if type(node) is cst.ConcatenatedString:
        left, right = string_value(node.left), string_value(node.right)
        if left is None or right is None:
            return None
        return left + right
    return None


def key_of(node) -> Optional[str]:
    """``"k"`` for ``X["k"]`` and ``X.get("k", ...)``."""
    if type(node) is cst.Subscript and len(node.slice) == 1:
        index = node.slice[0].slice
        if type(index) is cst.Index:
            return string_value(index.value)
    if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "get":
        if node.args and node.args[0].keyword is None:
            return string_value(node.args[0].value)
    return None


def container_of(node):
    """The ``X`` of ``X["k"]`` / ``X.get("k")``."""
    if type(node) is cst.Subscript:
        return node.value
    if type(node) is cst.Call and type(node.func) is cst.Attribute:
        return node.func.value
    return None


def string_quote(node) -> str:
    """The quote character a literal uses, so emitted strings match the file's style."""
    if type(node) is cst.SimpleString:
        return node.quote[0]
    if type(node) is cst.FormattedString:
        return node.quote[0]
    if type(node) is cst.ConcatenatedString:
        return string_quote(node.left)
    return '"'


def string_literal(value: str, quote: str = '"') -> cst.SimpleString:
    other = "'" if quote == '"' else '"'
    if quote in value and other not in value:
        quote = other
    escaped = value.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return cst.SimpleString(f"{quote}{escaped}{quote}")


def keyword(call: cst.Call, name: str) -> Optional[cst.Arg]:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def with_arguments(call: cst.Call, *extra: cst.Arg) -> cst.Call:
    """``call`` with ``extra`` arguments after its own (a comma put after the last one)."""
    args = list(call.args)
    if args and args[-1].comma is cst.MaybeSentinel.DEFAULT:
        args[-1] = args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
    return call.with_changes(args=[*args, *extra])


def is_text_output_call(call: cst.Call) -> bool:
    func = call.func
    if type(func) is cst.Name:
        return func.value == "print"
    if type(func) is cst.Attribute:
        return func.attr.value in _TEXT_OUTPUT_ATTRIBUTES
    return False


def sole_expression(statement):
    """The expression a one-expression statement line consists of (``f(x)``, ``await y``,
    a bare string), else None."""
    if type(statement) is cst.SimpleStatementLine and len(statement.body) == 1 and type(statement.body[0]) is cst.Expr:
        return statement.body[0].value
    return None


def sole_value(statement):
    """The value of a one-statement line that is an expression or a single assignment."""
    if type(statement) is cst.SimpleStatementLine and len(statement.body) == 1:
        small = statement.body[0]
        if type(small) in (cst.Expr, cst.Assign):
            return small.value
    return None


def innermost_exit(ancestors: list):
    """ "loop" or "function" for what encloses the node on top of ``ancestors`` first (so a
    generated handler knows whether to ``continue``/``break`` or ``return``), else None."""
    for ancestor in reversed(ancestors[:-1]):
        if type(ancestor) in (cst.For, cst.While):
            return "loop"
        if type(ancestor) in (cst.FunctionDef, cst.Lambda):
            return "function"
    return None


def try_catching_ctrl_c(ancestors: list) -> Optional[cst.Try]:
    """The innermost ``try`` whose body holds the node on top of ``ancestors`` and whose
    handlers catch Ctrl-C."""
    for index in range(len(ancestors) - 2, -1, -1):
        ancestor = ancestors[index]
        if isinstance(ancestor, cst.Try) and ancestors[index + 1] is ancestor.body and catches_ctrl_c(ancestor):
            return ancestor
    return None


def catches_ctrl_c(statement: cst.Try) -> bool:
    """One of the ``try``'s handlers catches Ctrl-C: a bare ``except``, ``KeyboardInterrupt``
    or ``BaseException`` (alone or in a tuple)."""
    for handler in statement.handlers:
        caught = handler.type
        kinds = [element.value for element in caught.elements] if isinstance(caught, cst.Tuple) else [caught]
        if any(
            kind is None or dotted_name(kind).rpartition(".")[2] in ("KeyboardInterrupt", "BaseException")
            for kind in kinds
        ):
            return True
    return False


def is_docstring_like(statement, node) -> bool:
    """A bare string statement (docstring or commented-out code in a string)."""
    return sole_expression(statement) is node


def in_text_output(ancestors: list) -> bool:
    """True when the node on top of ``ancestors`` is an argument of print/logging/st.write..."""
    for node in reversed(ancestors[:-1]):
        if type(node) is cst.Call:
            if is_text_output_call(node):
                return True
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            return False
    return False


def subtree_ids(node: cst.CSTNode) -> set:
    found: set = set()
    walk.visit(node, lambda child: found.add(id(child)) or True, lambda child: None, trivia=True)
    return found


# Snippets rules build their output from. Parsing one costs more than most rules' whole
# analysis, and the same few recur in every file of a run: nodes are immutable, so a parsed
# snippet can be shared.


@lru_cache(maxsize=1024)
def parse_expression(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


@lru_cache(maxsize=1024)
def parse_statement(code: str) -> cst.BaseStatement:
    return cst.parse_statement(code)


@lru_cache(maxsize=256)
def _statements(code: str) -> tuple:
    return tuple(cst.parse_module(code).body)


def parse_statements(code: str) -> list:
    """Parse a block of statements (dedented source) into statement nodes."""
    return list(_statements(code))


class _NameReplacer(cst.CSTTransformer):
    def __init__(self, values: dict) -> None:
        self.values = values
        self.kept: set = set()  # ids of Names that are not reads: attribute names, keywords

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.kept.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.kept.add(id(node.keyword))

    def leave_Name(self, original: cst.Name, updated: cst.Name):
        if id(original) in self.kept or original.value not in self.values:
            return updated
        return self.values[original.value]


def with_names_replaced(node: cst.CSTNode, values: dict) -> cst.CSTNode:
    """``node`` with every read of a name in ``values`` replaced by its expression there
    (attribute names and keywords are not reads). The expressions are put in as they are:
    callers pass names, attributes and literals, which need no parentheses anywhere."""
    return node.visit(_NameReplacer(values))
