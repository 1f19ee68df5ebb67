"""Where an import goes: the order isort (and ruff's ``I`` rules, with their defaults) keep.

Sections in file order (``__future__``, standard library, third party); inside a section,
``import x`` statements before ``from x import y`` ones, each by module name. Shared by the
engine's import fix-up and the rules that write an import statement of their own.
"""

from __future__ import annotations

import sys
from typing import Optional

import libcst as cst

#: isort's sections, in file order.
_FUTURE, _STANDARD_LIBRARY, _THIRD_PARTY = 0, 1, 2
#: Python 3.9 has no ``sys.stdlib_module_names``: the modules a rule may add are enough there.
_STANDARD_LIBRARY_NAMES = getattr(sys, "stdlib_module_names", None) or frozenset(
    {"asyncio", "base64", "contextlib", "functools", "json", "os", "queue", "signal", "sys", "threading", "time"}
    | {"typing", "urllib", "wave", "logging", "collections", "dataclasses", "concurrent", "io", "math", "struct"}
)


def _section(module_name: str) -> int:
    top = module_name.split(".")[0]
    if top == "__future__":
        return _FUTURE
    return _STANDARD_LIBRARY if top in _STANDARD_LIBRARY_NAMES else _THIRD_PARTY


def _sort_key(node) -> tuple:
    """isort's order inside a section (``force_sort_within_sections`` off): plain imports,
    then ``from`` imports, each by module name."""
    if isinstance(node, cst.Import):
        return (0, dotted(node.names[0].name).lower())
    return (1, ("." * len(node.relative)) + dotted(node.module).lower() if node.module else "")


def insert_sorted(body: list, new: cst.SimpleStatementLine) -> list:
    """``body`` (a module's statements) with the import statement ``new`` where isort would
    put it: in its section, in order; a section the file lacks becomes a block of its own.
    Module-level code above that place that already uses a name it binds (a URL constant
    above the imports) gets it above itself instead: an import must run before its use."""
    return hoisted_above_first_use(*_insert_sorted(body, new))


def hoisted_above_first_use(body: list, at: int) -> list:
    """``body`` with the import statement at ``at`` moved above the first module-level
    statement before it that uses a name it binds (unchanged when there is none)."""
    statement = body[at]
    names = set().union(
        *(_bound_names(small) for small in statement.body if isinstance(small, (cst.Import, cst.ImportFrom)))
    )
    first_use = _first_use(body[:at], names)
    if first_use is None:
        return body
    without = body[:at] + body[at + 1 :]
    return [*without[:first_use], statement, *without[first_use:]]


def _bound_names(node) -> set:
    if isinstance(node.names, cst.ImportStar):
        return set()
    names = set()
    for alias in node.names:
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            names.add(alias.asname.name.value)
        else:
            names.add(dotted(alias.name).split(".")[0])
    return names


def _first_use(statements: list, names: set) -> Optional[int]:
    """The index of the first of ``statements`` whose module-level code uses one of ``names``
    (the bodies of defs and classes run later and do not count)."""
    from migrator import walk

    skipped = (cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Import, cst.ImportFrom)
    found: list = []

    def enter(node) -> bool:
        if type(node) is cst.Name and node.value in names:
            found.append(node)
        return not found and type(node) not in skipped

    for index, statement in enumerate(statements):
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            continue
        walk.visit(statement, enter, lambda node: None)
        if found:
            return index
    return None


def _insert_sorted(body: list, new: cst.SimpleStatementLine) -> tuple:
    """(the new body, the index of ``new`` in it)."""
    imports = list(leading_imports(body))
    if not imports:
        at = after_imports(body)
        return [*body[:at], new, *body[at:]], at
    section, key = _section(_module_of(new.body[0])), _sort_key(new.body[0])
    same = [(index, small) for index, small in imports if _section(_module_of(small)) == section]
    if same:
        after = [index for index, small in same if _sort_key(small) > key]
        if not after:
            at = same[-1][0] + 1
            return [*body[:at], new, *body[at:]], at
        at = after[0]
        if at != same[0][0]:
            return [*body[:at], new, *body[at:]], at
        first = body[at]  # the new import opens its section: it takes the lines above the section
        return [
            *body[:at],
            new.with_changes(leading_lines=first.leading_lines),
            first.with_changes(leading_lines=[]),
            *body[at + 1 :],
        ], at
    later = [index for index, small in imports if _section(_module_of(small)) > section]
    if later:
        at = later[0]
        following = body[at]
        block = [
            new.with_changes(leading_lines=following.leading_lines),
            following.with_changes(leading_lines=[cst.EmptyLine()]),
        ]
        return [*body[:at], *block, *body[at + 1 :]], at
    at = imports[-1][0] + 1
    return [*body[:at], new.with_changes(leading_lines=[cst.EmptyLine()]), *body[at:]], at


def leading_imports(body: list):
    """Top-level single-import statements before the first def or class."""
    for index, statement in enumerate(body):
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            return
        if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
            small = statement.body[0]
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                yield index, small


def _module_of(node) -> str:
    if isinstance(node, cst.Import):
        return dotted(node.names[0].name)
    return ("." * len(node.relative)) + (dotted(node.module) if node.module else "")


def after_imports(body, type_checking_blocks: bool = False) -> int:
    """The index after the last top-level import that comes before any def/class (with
    ``type_checking_blocks``, an ``if TYPE_CHECKING:`` block counts as one), else after the
    module docstring."""
    last = None
    for index, statement in enumerate(body):
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            break
        if isinstance(statement, cst.SimpleStatementLine) and any(
            isinstance(small, (cst.Import, cst.ImportFrom)) for small in statement.body
        ):
            last = index
        elif (
            type_checking_blocks and isinstance(statement, cst.If) and dotted(statement.test).endswith("TYPE_CHECKING")
        ):
            last = index
    if last is not None:
        return last + 1
    index = 0
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr):
        if isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            index = 1
    return index


def dotted(node) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""
