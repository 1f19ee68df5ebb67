"""The single import fix-up that runs after all rules: add what rules asked for, drop
modules the rewrite left unused. Done by hand on the module body rather than with
libcst's Add/RemoveImportsVisitor because those each cost a full walk (plus scope
metadata for removal); here only top-level statements are touched, plus one name count
when something may have become unused.
"""

from __future__ import annotations

import libcst as cst

from migrator import walk
from migrator.context import MigrationContext
from migrator.syntax import parse_statement


def apply(module: cst.Module, context: MigrationContext) -> cst.Module:
    body = list(module.body)
    if context.imports_to_drop:
        body = _drop_unused(module, body, context.imports_to_drop)
    missing = [request for request in context.imports_to_add if not _already_imported(body, *request)]
    if missing:
        at = _insertion_index(body)
        new = [_import_statement(module_name, name) for module_name, name in missing]
        body[at:at] = new
    if body == list(module.body):
        return module
    return module.with_changes(body=body)


def _import_statement(module_name: str, name) -> cst.SimpleStatementLine:
    code = f"from {module_name} import {name}" if name else f"import {module_name}"
    return parse_statement(code)


def _top_level_imports(body):
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield index, small


def _dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _already_imported(body, module_name: str, name) -> bool:
    for _, node in _top_level_imports(body):
        if name is None and isinstance(node, cst.Import):
            for alias in node.names:
                if _dotted(alias.name) == module_name and alias.asname is None:
                    return True
        if name is not None and isinstance(node, cst.ImportFrom) and node.module is not None:
            if _dotted(node.module) == module_name and not isinstance(node.names, cst.ImportStar):
                if any(_dotted(alias.name) == name and alias.asname is None for alias in node.names):
                    return True
    return False


def _insertion_index(body) -> int:
    """After the last top-level import that comes before any def/class, else after the
    docstring and ``__future__`` imports."""
    last = None
    for index, statement in enumerate(body):
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            break
        if isinstance(statement, cst.SimpleStatementLine) and any(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        ):
            last = index
    if last is not None:
        return last + 1
    index = 0
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr):
        if isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            index = 1
    return index


def _names_used(module: cst.Module, names: set) -> set:
    """Which of ``names`` the module uses outside its import statements."""
    used: set = set()

    def enter(node) -> bool:
        node_type = type(node)
        if node_type is cst.Name and node.value in names:
            used.add(node.value)
        return node_type is not cst.Import and node_type is not cst.ImportFrom

    walk.visit(module, enter, lambda node: None)
    return used


def _drop_unused(module: cst.Module, body: list, candidates: set) -> list:
    unused = candidates - _names_used(module, candidates)
    if not unused:
        return body
    result = []
    carried: list = []  # blank lines and comments above a removed import stay in place
    for statement in body:
        if (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Import)
        ):
            node = statement.body[0]
            kept = [alias for alias in node.names if not (alias.asname is None and _dotted(alias.name) in unused)]
            if not kept:
                carried.extend(line for line in statement.leading_lines if line.comment is not None)
                continue
            if len(kept) != len(node.names):
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                statement = statement.with_changes(body=[node.with_changes(names=kept)])
        if carried and hasattr(statement, "leading_lines"):
            statement = statement.with_changes(leading_lines=[*carried, *statement.leading_lines])
            carried = []
        result.append(statement)
    return result
