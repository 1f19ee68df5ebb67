"""The single import fix-up that runs after all rules: add what rules asked for, drop
modules the rewrite left unused. Done by hand on the module body rather than with
libcst's Add/RemoveImportsVisitor because those each cost a full walk (plus scope
metadata for removal); here only top-level statements are touched, plus one name count
when something may have become unused.

An added import goes where isort (and ruff's ``I`` rules, with their defaults) would put it:
into its section (standard library, then third party), sorted there (``import x`` before
``from x import y``, each by module name), or into the ``from`` import of the same module
already there; a section the file does not have yet becomes its own block, after the
sections that come before it.
"""

from __future__ import annotations

import libcst as cst

from migrator import walk
from migrator.context import MigrationContext
from migrator.import_order import dotted as _dotted
from migrator.import_order import hoisted_above_first_use, insert_sorted, leading_imports
from migrator.syntax import parse_statement


def apply(module: cst.Module, context: MigrationContext) -> cst.Module:
    if context.imports_to_drop:
        module = _drop_unused_in_functions(module, context.imports_to_drop)
    body = list(module.body)
    dropping = set(context.imports_to_drop)
    used_anywhere, used = _uses(module, dropping, {_bound(*wanted) for wanted in context.imports_to_add})
    if dropping:
        body = _drop_unused(body, dropping - used_anywhere)
    for module_name, name in context.imports_to_add:
        at = _import_index(body, module_name, name)
        if at is not None:
            body = hoisted_above_first_use(body, at)  # the rewrite may now use it above it
        elif _bound(module_name, name) in used:
            body = _with_import(body, module_name, name)
    if body == list(module.body):
        return module
    return module.with_changes(body=body)


def _bound(module_name: str, name) -> str:
    """The name ``from module_name import name`` (or ``import module_name``) binds."""
    return name or module_name.split(".")[0]


def _with_import(body: list, module_name: str, name) -> list:
    """``body`` with ``import module_name`` or ``from module_name import name``: merged into
    the ``from`` import of that module already there, else where isort would put it."""
    if name is not None:
        for index, small in leading_imports(body):
            merged = _merged(small, module_name, name)
            if merged is not None:
                return [*body[:index], body[index].with_changes(body=[merged]), *body[index + 1 :]]
    return insert_sorted(body, _import_statement(module_name, name))


def _merged(node, module_name: str, name: str):
    """``from module_name import a, c`` with ``name`` among its names in order, or None when
    ``node`` is not such an import (a star, another module, a relative one)."""
    if not isinstance(node, cst.ImportFrom) or node.relative or node.module is None:
        return None
    if _dotted(node.module) != module_name or isinstance(node.names, cst.ImportStar):
        return None
    names = list(node.names)
    values = [_dotted(alias.name) for alias in names]
    position = len(names)
    if values == sorted(values, key=str.lower):
        position = next((at for at, value in enumerate(values) if value.lower() > name.lower()), len(names))
    comma = names[0].comma if len(names) > 1 else cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
    last_comma = names[-1].comma
    alias = cst.ImportAlias(name=cst.Name(name))
    names = [item.with_changes(comma=comma) for item in names]
    names.insert(position, alias.with_changes(comma=comma))
    names[-1] = names[-1].with_changes(comma=last_comma)
    return node.with_changes(names=names)


def _import_statement(module_name: str, name) -> cst.SimpleStatementLine:
    code = f"from {module_name} import {name}" if name else f"import {module_name}"
    return parse_statement(code)


def _top_level_imports(body):
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, (cst.Import, cst.ImportFrom)):
                    yield index, small


def _import_index(body, module_name: str, name):
    """The index of the top-level statement that imports ``module_name`` (``name`` from it)."""
    for index, node in _top_level_imports(body):
        if name is None and isinstance(node, cst.Import):
            for alias in node.names:
                if _dotted(alias.name) == module_name and alias.asname is None:
                    return index
        if name is not None and isinstance(node, cst.ImportFrom) and node.module is not None:
            if _dotted(node.module) == module_name and not isinstance(node.names, cst.ImportStar):
                if any(_dotted(alias.name) == name and alias.asname is None for alias in node.names):
                    return index
    return None


def _uses(module: cst.Module, anywhere: set, unimported: set) -> tuple:
    """(which of ``anywhere`` the module uses outside its import statements, which of
    ``unimported`` it uses somewhere no function around the use imports them itself), in one
    walk. The second tells the imports to add: a script that imports ``json`` inside the
    functions that use it needs no module-level import (one would be unused, and shadowed)."""
    covered: list = [frozenset()]  # per enclosing function: what it, or one around it, imports
    used: set = set()
    found: set = set()
    if not anywhere and not unimported:
        return used, found

    def enter(node) -> bool:
        node_type = type(node)
        if node_type is cst.FunctionDef:
            covered.append(covered[-1] | _imported_locally(node, unimported) if unimported else covered[-1])
        elif node_type is cst.Name:
            name = node.value
            if name in anywhere:
                used.add(name)
            if name in unimported and name not in covered[-1]:
                found.add(name)
        if len(used) == len(anywhere) and len(found) == len(unimported):
            return False
        return node_type is not cst.Import and node_type is not cst.ImportFrom

    def leave(node) -> None:
        if type(node) is cst.FunctionDef:
            covered.pop()

    walk.visit(module, enter, leave)
    return used, found


def _imported_locally(function: cst.FunctionDef, names: set) -> frozenset:
    """Which of ``names`` ``function``'s own body (not a nested def's) binds by an import."""
    bound: set = set()

    def enter(node) -> bool:
        node_type = type(node)
        if node_type is cst.Import or node_type is cst.ImportFrom:
            aliases = node.names if not isinstance(node.names, cst.ImportStar) else ()
            for alias in aliases:
                local = alias.asname.name.value if alias.asname else _dotted(alias.name).split(".")[0]
                if local in names:
                    bound.add(local)
            return False
        return len(bound) < len(names) and (
            node is function or node_type not in (cst.FunctionDef, cst.ClassDef, cst.Lambda)
        )

    walk.visit(function.body, enter, lambda node: None)
    return frozenset(bound)


def _drop_unused(body: list, unused: set) -> list:
    """``body`` without the module-level ``import`` of each module in ``unused``."""
    if not unused:
        return body
    result = []
    carried: list = []  # blank lines and comments above a removed import stay in place
    dropped_first = False  # the file's first statements were imports that went
    for statement in body:
        if (
            isinstance(statement, cst.SimpleStatementLine)
            and len(statement.body) == 1
            and isinstance(statement.body[0], cst.Import)
        ):
            node = statement.body[0]
            kept = [alias for alias in node.names if not (alias.asname is None and _dotted(alias.name) in unused)]
            if not kept:
                # Below another statement, the blank lines that set the import apart stay too
                # (a docstring keeps the blank line under it); at the top, only comments.
                carried.extend(line for line in statement.leading_lines if result or line.comment is not None)
                dropped_first = not result
                continue
            if len(kept) != len(node.names):
                kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                statement = statement.with_changes(body=[node.with_changes(names=kept)])
        if carried and hasattr(statement, "leading_lines"):
            own = list(statement.leading_lines)
            while carried and carried[-1].comment is None and own and own[0].comment is None:
                carried.pop()  # one run of blank lines between two statements, not two
            statement = statement.with_changes(leading_lines=[*carried, *own])
            carried = []
        elif not result and dropped_first and hasattr(statement, "leading_lines"):
            # the imports above it are gone: the blank lines that set it apart from them go too
            lines = list(statement.leading_lines)
            while lines and lines[0].comment is None:
                lines.pop(0)
            statement = statement.with_changes(leading_lines=lines)
        result.append(statement)
    return result


def _drop_unused_in_functions(module: cst.Module, candidates: set) -> cst.Module:
    """``import M`` / ``import M as A`` statements directly in a function's body, for the
    modules in ``candidates``, removed when that function no longer uses the name they bind
    (a script that imports inside its functions)."""

    def enter(node) -> bool:
        return type(node) not in (cst.SimpleStatementLine, cst.Expr)

    def leave(original, updated):
        if type(updated) is not cst.FunctionDef or not isinstance(updated.body, cst.IndentedBlock):
            return updated
        kept = []
        for statement in updated.body.body:
            bound = _local_import_of(statement, candidates)
            if bound is not None and not _uses(updated, {bound}, set())[0]:
                continue
            kept.append(statement)
        if len(kept) == len(updated.body.body):
            return updated
        if not kept:
            kept = [parse_statement("pass")]
        return updated.with_changes(body=updated.body.with_changes(body=kept))

    return walk.transform(module, enter, leave)


def _local_import_of(statement, candidates: set):
    """The name a one-module ``import`` statement binds, when its module is a candidate."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    node = statement.body[0]
    if not isinstance(node, cst.Import) or len(node.names) != 1:
        return None
    alias = node.names[0]
    module_name = _dotted(alias.name)
    if module_name not in candidates:
        return None
    return alias.asname.name.value if alias.asname else module_name.split(".")[0]
