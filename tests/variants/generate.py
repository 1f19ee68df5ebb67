"""Semantics-preserving variants of the v2 fixtures, for testing migrate-stt on shapes it was
not written against.

Each transform is a small named function: it takes a v2 script's source and returns a rewritten
source that does the same thing as a v2 program, or ``None`` when it does not apply to that file.
Every transform works on the libcst tree (scope analysis for names, node identity for edits),
never on text. A variant is one transform applied to a fixture's ``input.py``, or a seeded pair
of two applied one after the other; its id is ``<style>/<case>:<transform>[+<transform>]``.

    python -m tests.variants.generate                 # list the variant ids
    python -m tests.variants.generate --write DIR     # write each variant (and its migration) to DIR
    python -m tests.variants.generate --show ID       # print one variant
"""

from __future__ import annotations

import argparse
import builtins
import copy
import json
import keyword
import random
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Set, Tuple, Union
from urllib.parse import quote_plus, unquote_plus, urlencode

import libcst as cst
from libcst.metadata import (
    BuiltinScope,
    ClassScope,
    GlobalScope,
    MetadataWrapper,
    ParentNodeProvider,
    Scope,
    ScopeProvider,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
#: Seed of the random pairs; changing it (or the transform list) changes which pairs exist.
SEED = 20250611
PAIRS_PER_FIXTURE = 2
V2_HOST_URL = "wss://api.assemblyai.com/v2/realtime/ws"
WS_LIBRARIES = ("websocket", "websockets", "aiohttp", "assemblyai")
CALLBACK_KEYWORDS = ("on_open", "on_message", "on_error", "on_close", "on_data", "on_extra_session_information")
BUILTIN_NAMES = frozenset(dir(builtins))
V2_MESSAGE_TYPES = ("SessionBegins", "PartialTranscript", "FinalTranscript", "SessionTerminated")


class NotApplicable(Exception):
    """Raised inside a transform when the file does not have the shape it rewrites."""


# --------------------------------------------------------------------------- fixtures and variants


@dataclass(frozen=True)
class Case:
    path: Path

    @property
    def id(self) -> str:
        return f"{self.path.parent.name}/{self.path.name}"

    @property
    def style(self) -> str:
        return self.path.parent.name

    @property
    def meta(self) -> dict:
        meta = self.path / "case.json"
        return json.loads(meta.read_text()) if meta.exists() else {}

    @property
    def source(self) -> str:
        return (self.path / "input.py").read_text()

    @property
    def runnable(self) -> bool:
        return bool(self.meta.get("runnable"))


@dataclass(frozen=True)
class Variant:
    case: Case
    transforms: Tuple[str, ...]
    source: str

    @property
    def id(self) -> str:
        return f"{self.case.id}:{'+'.join(self.transforms)}"

    @property
    def runnable(self) -> bool:
        return self.case.runnable

    @property
    def sdk(self) -> bool:
        return self.case.style == "sdk"


def fixture_cases() -> List[Case]:
    """Every fixture that is a v2 program: the ones migrate-stt must leave alone are not."""
    cases = [Case(path.parent) for path in sorted(FIXTURES.glob("*/*/input.py"))]
    return [case for case in cases if not case.meta.get("unchanged")]


# --------------------------------------------------------------------------- transform registry

Transform = Callable[[str], Optional[str]]
TRANSFORMS: Dict[str, Transform] = {}


def transform(name: str) -> Callable[[Callable[[str], str]], Transform]:
    """Register ``function`` as transform ``name``: it returns None where it does not apply, and
    what it returns always compiles and differs from its input."""

    def register(function: Callable[[str], str]) -> Transform:
        def run(source: str) -> Optional[str]:
            try:
                result = function(source)
            except NotApplicable:
                return None
            if result is None or result == source:
                return None
            compile(result, f"<{name}>", "exec")
            return result

        run.__name__ = run.__qualname__ = name
        run.__doc__ = function.__doc__
        TRANSFORMS[name] = run
        return run

    return register


def apply_chain(source: str, names: Sequence[str]) -> Optional[str]:
    for name in names:
        result = TRANSFORMS[name](source)
        if result is None:
            return None
        source = result
    return source


@lru_cache(maxsize=None)
def variants_for(case: Case) -> Tuple[Variant, ...]:
    source = case.source
    variants: List[Variant] = []
    applicable: List[str] = []
    for name, function in TRANSFORMS.items():
        result = function(source)
        if result is not None:
            variants.append(Variant(case, (name,), result))
            applicable.append(name)
    pairs = [(first, second) for first in applicable for second in applicable if first != second]
    rng = random.Random(f"{SEED}:{case.id}")
    rng.shuffle(pairs)
    found = 0
    for pair in pairs:
        if found == PAIRS_PER_FIXTURE:
            break
        result = apply_chain(source, pair)
        if result is not None:
            variants.append(Variant(case, pair, result))
            found += 1
    return tuple(variants)


def all_variants() -> List[Variant]:
    return [variant for case in fixture_cases() for variant in variants_for(case)]


# --------------------------------------------------------------------------- analysis helpers


class Source:
    """A parsed module with scope and parent metadata, shared by the transforms (read-only)."""

    def __init__(self, code: str):
        self.code = code
        self.module = cst.parse_module(code)
        wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
        self.scopes = wrapper.resolve(ScopeProvider)
        self.parents = wrapper.resolve(ParentNodeProvider)
        self.global_scope = next(scope for scope in self.scopes.values() if isinstance(scope, GlobalScope))
        self.names: Set[str] = {
            node.value
            for node in walk(self.module)
            if isinstance(node, cst.Name)
            and not (isinstance(self.parent(node), cst.Attribute) and self.parent(node).attr is node)
            and not (isinstance(self.parent(node), cst.Arg) and self.parent(node).keyword is node)
        }
        self._fresh: Set[str] = set()
        self.state: Dict[str, object] = {}

    def parent(self, node: cst.CSTNode) -> Optional[cst.CSTNode]:
        return self.parents.get(node)

    def ancestors(self, node: cst.CSTNode) -> Iterator[cst.CSTNode]:
        node = self.parents.get(node)
        while node is not None:
            yield node
            node = self.parents.get(node)

    def code_for(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def fresh(self, base: str) -> str:
        """A name used nowhere in the file (nor handed out before)."""
        name, index = base, 1
        while name in self.names or name in self._fresh or name in BUILTIN_NAMES:
            index += 1
            name = f"{base}_{index}"
        self._fresh.add(name)
        return name

    def function_of(self, node: cst.CSTNode) -> Optional[cst.FunctionDef]:
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef):
                return ancestor
        return None

    def is_module_level(self, node: cst.CSTNode) -> bool:
        return self.parent(node) is self.module

    def class_of_method(self, function: cst.FunctionDef) -> Optional[cst.ClassDef]:
        block = self.parent(function)
        owner = self.parent(block) if block is not None else None
        return owner if isinstance(owner, cst.ClassDef) else None

    def top_statement(self, node: cst.CSTNode) -> cst.CSTNode:
        """The module-level statement that contains ``node``."""
        for ancestor in [node, *self.ancestors(node)]:
            if self.parent(ancestor) is self.module:
                return ancestor
        raise NotApplicable("not inside the module")

    def statement_of(self, node: cst.CSTNode) -> cst.CSTNode:
        """The innermost statement (a line or a compound statement) that holds ``node``."""
        for ancestor in [node, *self.ancestors(node)]:
            if isinstance(ancestor, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
                return ancestor
        raise NotApplicable("no statement")

    def block_of(self, statement: cst.CSTNode) -> Union[cst.Module, cst.IndentedBlock, None]:
        block = self.parent(statement)
        return block if isinstance(block, (cst.Module, cst.IndentedBlock)) else None

    def inside(self, node: cst.CSTNode, container: cst.CSTNode) -> bool:
        return node is container or any(ancestor is container for ancestor in self.ancestors(node))

    def in_function_body(self, node: cst.CSTNode) -> bool:
        """Whether ``node`` runs when some function is called (not when the module is executed):
        inside a def's body or a lambda's body, not its decorators, defaults or annotations."""
        child = node
        for ancestor in self.ancestors(node):
            if isinstance(ancestor, cst.FunctionDef) and child is ancestor.body:
                return True
            if isinstance(ancestor, cst.Lambda) and child is ancestor.body:
                return True
            child = ancestor
        return False

    def resolve(self, name: cst.Name) -> Set[object]:
        """The assignments a Name refers to (empty when unknown)."""
        scope = self.scopes.get(name)
        if scope is None:
            return set()
        try:
            return set(scope[name.value])
        except Exception:
            return set()

    def global_assignments(self, name: str) -> list:
        return [a for a in self.global_scope.assignments if a.name == name]

    def top_small_statements(self) -> Iterator[cst.BaseSmallStatement]:
        for stmt in self.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                yield from stmt.body

    def json_module_names(self) -> Set[str]:
        """Names the module ``json`` is bound to at module level."""
        names = set()
        for small in self.top_small_statements():
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if dotted(alias.name) == "json":
                        names.add(alias.asname.name.value if alias.asname else "json")
        return names

    def json_loads_names(self) -> Set[str]:
        names = set()
        for small in self.top_small_statements():
            if isinstance(small, cst.ImportFrom) and small.module is not None and dotted(small.module) == "json":
                if isinstance(small.names, cst.ImportStar):
                    continue
                for alias in small.names:
                    if alias.name.value == "loads":
                        names.add(alias.asname.name.value if alias.asname else "loads")
        return names

    def is_json_call(self, node: cst.CSTNode, function: str = "loads") -> bool:
        if not isinstance(node, cst.Call) or not node.args:
            return False
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value == function:
            return func.value.value in self.json_module_names()
        if function == "loads" and isinstance(func, cst.Name):
            return func.value in self.json_loads_names()
        return False

    def free_locals(self, nodes: Iterable[cst.CSTNode]) -> List[str]:
        """Names read in ``nodes`` that are bound in some function or class scope outside them."""
        inner = set()
        for node in nodes:
            inner.update(id(n) for n in walk(node))
        found: List[str] = []
        for node in nodes:
            for name in walk(node):
                if not isinstance(name, cst.Name) or not self.is_read(name):
                    continue
                for assignment in self.resolve(name):
                    if isinstance(assignment.scope, (GlobalScope, BuiltinScope)):
                        continue
                    if id(assignment.node) in inner:
                        continue
                    if name.value not in found:
                        found.append(name.value)
        return found

    def is_read(self, name: cst.Name) -> bool:
        """A Name node that is a variable reference (not an attribute, keyword or definition)."""
        parent = self.parent(name)
        if isinstance(parent, cst.Attribute) and parent.attr is name:
            return False
        if isinstance(parent, cst.Arg) and parent.keyword is name:
            return False
        if isinstance(parent, (cst.FunctionDef, cst.ClassDef)) and parent.name is name:
            return False
        if isinstance(parent, cst.Param) and parent.name is name:
            return False
        if isinstance(parent, (cst.ImportAlias, cst.AsName)):
            return False
        return True


@lru_cache(maxsize=512)
def analyze(code: str) -> Source:
    return Source(code)


def fresh_source(code: str) -> Source:
    """The shared analysis of ``code`` with book-keeping of its own (names handed out, imports
    added), for one run of one transform."""
    source = copy.copy(analyze(code))
    source._fresh = set()
    source.state = {}
    return source


def walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield node
    for child in node.children:
        yield from walk(child)


def walk_same_function(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Like walk, without descending into nested defs, lambdas and classes."""
    yield node
    for child in node.children:
        if isinstance(child, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            continue
        yield from walk_same_function(child)


def walk_same_loop(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Like walk_same_function, also not descending into nested loops (for break/continue)."""
    yield node
    for child in node.children:
        if isinstance(child, (cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.For, cst.While)):
            continue
        yield from walk_same_loop(child)


def dotted(node: cst.CSTNode) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{dotted(node.value)}.{node.attr.value}"
    return ""


def string_value(node: cst.CSTNode) -> Optional[str]:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    return None


def expr(code: str) -> cst.BaseExpression:
    return cst.parse_expression(code)


def statements(code: str, like: Optional[cst.Module] = None) -> List[cst.BaseStatement]:
    """Parse ``code`` (indented with four spaces: blocks take the indentation of the file they
    are put into, so ``like`` only documents where they go)."""
    return list(cst.parse_module(code).body)


def statement(code: str, like: Optional[cst.Module] = None) -> cst.BaseStatement:
    (only,) = statements(code, like)
    return only


class _Rewriter(cst.CSTTransformer):
    def __init__(self, edits: Dict[int, Callable[[cst.CSTNode], object]]):
        super().__init__()
        self.edits = edits

    def on_leave(self, original_node, updated_node):
        edit = self.edits.get(id(original_node))
        return edit(updated_node) if edit is not None else updated_node


def rewrite(module: cst.Module, edits: Dict[int, Callable[[cst.CSTNode], object]]) -> str:
    """Apply ``edits`` (id of an original node -> function of the updated node) and return code."""
    return module.visit(_Rewriter(edits)).code


def replace_with(new: object) -> Callable[[cst.CSTNode], object]:
    return lambda _updated: new


def insert_before(new: Sequence[cst.CSTNode]) -> Callable[[cst.CSTNode], object]:
    return lambda updated: cst.FlattenSentinel([*new, updated])


def insert_after(new: Sequence[cst.CSTNode]) -> Callable[[cst.CSTNode], object]:
    return lambda updated: cst.FlattenSentinel([updated, *new])


def remove(_updated: cst.CSTNode) -> object:
    return cst.RemoveFromParent()


def body_start(function: cst.FunctionDef) -> int:
    """Index of the first statement of a def's body after its docstring."""
    body = function.body.body if isinstance(function.body, cst.IndentedBlock) else []
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr):
        if isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            return 1
    return 0


def with_statements_before(block: cst.IndentedBlock, index: int, new: Sequence[cst.BaseStatement]):
    return block.with_changes(body=[*block.body[:index], *new, *block.body[index:]])


def add_import(source: Source, code: str, edits: Dict[int, Callable]) -> None:
    """Add a module-level import statement after the last top-level import (or at the top)."""
    new = statement(code, source.module)
    last = None
    for stmt in source.module.body:
        if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom)):
            last = stmt
    if last is None:
        first = source.module.body[body_start_module(source.module)]
        _chain(edits, first, insert_before([new]))
    else:
        _chain(edits, last, insert_after([new]))


def body_start_module(module: cst.Module) -> int:
    body = module.body
    if body and isinstance(body[0], cst.SimpleStatementLine) and isinstance(body[0].body[0], cst.Expr):
        if isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString)):
            return 1
    return 0


def _chain(edits: Dict[int, Callable], node: cst.CSTNode, edit: Callable) -> None:
    """Add ``edit`` for ``node``, after any edit already there."""
    previous = edits.get(id(node))
    if previous is None:
        edits[id(node)] = edit
        return

    def both(updated):
        first = previous(updated)
        if isinstance(first, cst.FlattenSentinel):
            items = list(first.nodes)
            # apply the new edit to the original statement inside the flattened list
            for index, item in enumerate(items):
                if item is updated:
                    second = edit(item)
                    items[index : index + 1] = (
                        list(second.nodes) if isinstance(second, cst.FlattenSentinel) else [second]
                    )
                    return cst.FlattenSentinel(items)
            return first
        return edit(first)

    edits[id(node)] = both


def module_binding(source: Source, name: str) -> bool:
    """Whether ``name`` is bound at module level by a plain ``import name``."""
    return any(
        isinstance(a.node, cst.Import)
        and any(dotted(alias.name) == name and alias.asname is None for alias in a.node.names)
        for a in source.global_assignments(name)
    )


def ensure_module_import(source: Source, module_name: str, edits: Dict[int, Callable]) -> str:
    """The name under which ``module_name`` can be used at module level, importing it if needed."""
    if module_binding(source, module_name):
        return module_name
    if module_name in source.names:
        raise NotApplicable(f"{module_name} is used as another name")
    add_import(source, f"import {module_name}\n", edits)
    return module_name


# --------------------------------------------------------------------------- shared shape finders


def loads_assignments(source: Source) -> List[Tuple[cst.SimpleStatementLine, cst.Assign, str]]:
    """Lines ``NAME = json.loads(...)`` (a single Name target), in source order."""
    found = []
    for node in walk(source.module):
        if isinstance(node, cst.SimpleStatementLine) and len(node.body) == 1:
            small = node.body[0]
            if (
                isinstance(small, cst.Assign)
                and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and source.is_json_call(small.value)
                and source.block_of(node) is not None
            ):
                found.append((node, small, small.targets[0].target.value))
    return found


def expression_root(stmt: cst.CSTNode, source: Source) -> Optional[cst.BaseExpression]:
    """The expression a statement evaluates first (the one a value can be hoisted out of)."""
    if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
        small = stmt.body[0]
        if isinstance(small, (cst.Assign, cst.AnnAssign, cst.Expr, cst.Return, cst.AugAssign)):
            return small.value
    if isinstance(stmt, cst.If) and not isinstance(source.parent(stmt), cst.If):
        return stmt.test
    return None


_CONDITIONAL = (
    cst.Lambda,
    cst.IfExp,
    cst.ListComp,
    cst.SetComp,
    cst.DictComp,
    cst.GeneratorExp,
)


def hoistable(source: Source, root: cst.BaseExpression, node: cst.BaseExpression) -> bool:
    """Whether ``node`` can be computed into a variable just before the statement that
    evaluates ``root``: nothing with a side effect runs before it, and it always runs."""
    if not source.inside(node, root):
        return False
    path = []
    for ancestor in [node, *source.ancestors(node)]:
        path.append(ancestor)
        if ancestor is root:
            break
    on_path = {id(n) for n in path}
    for child, ancestor in zip(path, path[1:]):
        if isinstance(ancestor, _CONDITIONAL):
            return False
        if isinstance(ancestor, cst.BooleanOperation) and child is not ancestor.left:
            return False
        if isinstance(ancestor, cst.Comparison) and child is not ancestor.left and len(ancestor.comparisons) > 1:
            return False

    def side_effects(n: cst.CSTNode) -> bool:
        if n is node:
            return False
        if isinstance(n, (cst.Call, cst.Await, cst.Yield, cst.NamedExpr)) and id(n) not in on_path:
            return True
        return any(side_effects(child) for child in n.children)

    return not side_effects(root)


def move_leading_lines(first: cst.CSTNode, updated: cst.CSTNode) -> Tuple[cst.CSTNode, cst.CSTNode]:
    """Give ``first`` (inserted before ``updated``) the comments and blank lines above ``updated``."""
    return first.with_changes(leading_lines=updated.leading_lines), updated.with_changes(leading_lines=())


def before_keeping_comments(new: Sequence[cst.BaseStatement]) -> Callable[[cst.CSTNode], object]:
    def edit(updated):
        if not new:
            return updated
        first, rest = move_leading_lines(new[0], updated)
        return cst.FlattenSentinel([first, *new[1:], rest])

    return edit


# --------------------------------------------------------------------------- 3. the decoded message


@transform("message_via_variable")
def message_via_variable(code: str) -> str:
    """``x = json.loads(m)`` and ``print(json.loads(m)["text"])`` decode into a variable of
    their own first: ``decoded = json.loads(m)`` then ``x = decoded`` / ``print(decoded["text"])``."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    done: Set[int] = set()
    for call in [n for n in walk(source.module) if source.is_json_call(n)]:
        stmt = source.statement_of(call)
        if id(stmt) in done or source.block_of(stmt) is None:
            continue
        owner = source.parent(source.block_of(stmt))
        if isinstance(owner, cst.ClassDef):
            continue
        root = expression_root(stmt, source)
        if root is None or not hoistable(source, root, call):
            continue
        name = source.fresh("decoded")
        edits[id(call)] = replace_with(cst.Name(name))
        edits[id(stmt)] = before_keeping_comments([statement(f"{name} = {source.code_for(call)}\n", source.module)])
        done.add(id(stmt))
    if not edits:
        raise NotApplicable("no json.loads to hoist")
    return rewrite(source.module, edits)


def declared_global(source: Source, function: Optional[cst.FunctionDef], name: str) -> bool:
    if function is None:
        return False
    for node in walk_same_function(function.body):
        if isinstance(node, (cst.Global, cst.Nonlocal)) and any(item.name.value == name for item in node.names):
            return True
    return False


@transform("annotated_assign")
def annotated_assign(code: str) -> str:
    """``data = json.loads(m)`` becomes ``data: dict = json.loads(m)``."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    for line, assign, target in loads_assignments(source):
        if isinstance(source.parent(source.block_of(line)), cst.ClassDef):
            continue
        if declared_global(source, source.function_of(line), target):
            continue
        edits[id(assign)] = replace_with(
            cst.AnnAssign(
                target=assign.targets[0].target,
                annotation=cst.Annotation(cst.Name("dict")),
                value=assign.value,
            )
        )
    if not edits:
        raise NotApplicable("no json.loads assignment")
    return rewrite(source.module, edits)


def leftmost(node: cst.BaseExpression) -> cst.BaseExpression:
    """The leaf of an expression that Python evaluates first."""
    while True:
        if isinstance(node, cst.Comparison):
            node = node.left
        elif isinstance(node, (cst.BinaryOperation, cst.BooleanOperation)):
            node = node.left
        elif isinstance(node, (cst.Subscript, cst.Attribute)):
            node = node.value
        elif isinstance(node, cst.Call):
            node = node.func
        elif isinstance(node, cst.UnaryOperation):
            node = node.expression
        else:
            return node


@transform("walrus")
def walrus(code: str) -> str:
    """``data = json.loads(m)`` followed by ``if data["message_type"] == ...`` becomes
    ``if (data := json.loads(m))["message_type"] == ...`` (also into a following assignment)."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    for line, assign, target in loads_assignments(source):
        block = source.block_of(line)
        if isinstance(source.parent(block), cst.ClassDef):
            continue
        body = list(block.body)
        index = body.index(line)
        if index + 1 >= len(body):
            continue
        following = body[index + 1]
        root = expression_root(following, source)
        if root is None:
            continue
        first = leftmost(root)
        if not (isinstance(first, cst.Name) and first.value == target):
            continue
        named = cst.NamedExpr(
            target=cst.Name(target),
            value=assign.value,
            lpar=[cst.LeftParen()],
            rpar=[cst.RightParen()],
        )
        edits[id(first)] = replace_with(named)
        edits[id(line)] = remove
        leading = line.leading_lines
        edits[id(following)] = lambda updated, leading=leading: updated.with_changes(
            leading_lines=[*leading, *updated.leading_lines]
        )
    if not edits:
        raise NotApplicable("no json.loads assignment used right away")
    return rewrite(source.module, edits)


# --------------------------------------------------------------------------- 1. handling in a helper


@dataclass
class Tail:
    """Statements to move out of ``function`` into a helper that takes ``name``."""

    function: cst.FunctionDef
    name: str
    block: cst.BaseSuite
    statements: List[cst.BaseStatement]
    helper: str


def message_tails(source: Source) -> List[Tail]:
    tails = []
    for line, _assign, target in loads_assignments(source):
        function = source.function_of(line)
        if function is None:
            continue
        block = source.block_of(line)
        body = list(block.body)
        rest = body[body.index(line) + 1 :]
        owner = source.parent(block)
        if not rest and isinstance(owner, cst.Try) and owner.body is block and not owner.orelse and not owner.finalbody:
            outer = source.block_of(owner)
            if outer is not None:
                block = outer
                body = list(outer.body)
                rest = body[body.index(owner) + 1 :]
        if rest:
            tails.append(Tail(function, target, block, rest, "handle_message"))
    for function in callback_functions(source, ("on_data",)):
        params = [p.name.value for p in function.params.params]
        if source.class_of_method(function) is not None:
            params = params[1:]
        start = body_start(function)
        if len(params) == 1 and isinstance(function.body, cst.IndentedBlock) and function.body.body[start:]:
            tails.append(
                Tail(function, params[0], function.body, list(function.body.body[start:]), "handle_transcript")
            )
    return tails


def callback_functions(source: Source, keywords: Sequence[str] = CALLBACK_KEYWORDS) -> List[cst.FunctionDef]:
    """Defs passed by name (``f`` or ``self.f``) as a callback keyword argument."""
    found: List[cst.FunctionDef] = []
    for node in walk(source.module):
        if not isinstance(node, cst.Arg) or node.keyword is None or node.keyword.value not in keywords:
            continue
        function = callback_target(source, node.value)
        if function is not None and function not in found:
            found.append(function)
    return found


def callback_target(source: Source, value: cst.BaseExpression) -> Optional[cst.FunctionDef]:
    """The def a callback argument names: a module-level function or a method of this class."""
    if isinstance(value, cst.Name):
        defs = [a.node for a in source.resolve(value) if isinstance(getattr(a, "node", None), cst.FunctionDef)]
        assignments = source.resolve(value)
        if len(defs) == 1 and len(assignments) == 1 and source.is_module_level(defs[0]):
            return defs[0]
    if isinstance(value, cst.Attribute) and isinstance(value.value, cst.Name) and value.value.value == "self":
        function = source.function_of(value)
        cls = source.class_of_method(function) if function is not None else None
        if cls is not None:
            methods = [s for s in cls.body.body if isinstance(s, cst.FunctionDef) and s.name.value == value.attr.value]
            if len(methods) == 1:
                return methods[0]
    return None


def check_movable(source: Source, tail: Tail) -> Tuple[bool, bool, List[str]]:
    """(needs async, has a loop-level break, free locals) for moving ``tail`` into a function;
    NotApplicable when the move could change what the code does."""
    function = tail.function
    at_end = tail.block is function.body
    has_break = has_return = is_async = False
    for stmt in tail.statements:
        for node in walk_same_function(stmt):
            if isinstance(node, (cst.Yield, cst.Global, cst.Nonlocal)):
                raise NotApplicable("yield/global/nonlocal")
            if isinstance(node, cst.Return):
                if node.value is not None or not at_end:
                    raise NotApplicable("return")
                has_return = True
            if isinstance(node, cst.Await) or (isinstance(node, (cst.For, cst.With)) and node.asynchronous):
                is_async = True
        for node in walk_same_loop(stmt):
            if isinstance(node, cst.Continue):
                raise NotApplicable("continue")
            if isinstance(node, cst.Break):
                has_break = True
            if isinstance(node, cst.Name) and node.value in ("super", "__class__"):
                raise NotApplicable("super()")
    if has_break and has_return:
        raise NotApplicable("break and return")
    scope = source.scopes.get(tail.statements[0])
    inner = {id(n) for stmt in tail.statements for n in walk(stmt)}
    if scope is not None:
        for assignment in scope.assignments:
            if id(assignment.node) not in inner:
                continue
            if assignment.name == tail.name:
                raise NotApplicable("rebinds the message")
            for other in scope.assignments:
                if other.name == assignment.name and id(other.node) not in inner:
                    raise NotApplicable(f"{assignment.name} is bound outside too")
            for reference in assignment.references:
                if id(reference.node) not in inner:
                    raise NotApplicable(f"{assignment.name} is used after")
    free = [name for name in source.free_locals(tail.statements) if name != tail.name]
    return is_async, has_break, free


class _BreakToReturn(cst.CSTTransformer):
    def __init__(self, breaks: Set[int]):
        super().__init__()
        self.breaks = breaks

    def leave_Break(self, original_node, updated_node):
        if id(original_node) in self.breaks:
            return cst.Return(value=cst.Name("True"))
        return updated_node


def make_function(
    source: Source,
    name: str,
    params: Sequence[str],
    body: Sequence[cst.BaseStatement],
    is_async: bool = False,
    blank_lines: int = 2,
) -> cst.FunctionDef:
    header = f"{'async ' if is_async else ''}def {name}({', '.join(params)}):\n    pass\n"
    function = statement(header, source.module)
    body = list(body)
    body[0] = body[0].with_changes(leading_lines=())
    return function.with_changes(
        body=function.body.with_changes(body=body),
        leading_lines=[cst.EmptyLine(indent=False)] * blank_lines,
    )


@transform("helper_handler")
def helper_handler(code: str) -> str:
    """What a handler does with the decoded message moves into a helper called with it:
    ``data = json.loads(m)`` then ``handle_message(data)`` (a module function, a method, or a
    closure when the code reads the handler's locals)."""
    source = fresh_source(code)
    for tail in message_tails(source):
        try:
            is_async, has_break, free = check_movable(source, tail)
        except NotApplicable:
            continue
        function = tail.function
        breaks = {id(node) for stmt in tail.statements for node in walk_same_loop(stmt) if isinstance(node, cst.Break)}
        body = [stmt.visit(_BreakToReturn(breaks)) for stmt in tail.statements]
        helper = source.fresh(tail.helper)
        edits: Dict[int, Callable] = {}
        cls = source.class_of_method(function)
        self_name = function.params.params[0].name.value if cls is not None and function.params.params else None
        if not free:
            call = f"{helper}({tail.name})"
            top = source.top_statement(function)
            _chain(edits, top, insert_before([make_function(source, helper, [tail.name], body, is_async)]))
        elif cls is not None and self_name is not None and set(free) <= {self_name}:
            call = f"{self_name}.{helper}({tail.name})"
            method = make_function(source, helper, [self_name, tail.name], body, is_async, blank_lines=1)
            _chain(edits, function, insert_before([method]))
        else:
            call = f"{helper}({tail.name})"
            closure = make_function(source, helper, [tail.name], body, is_async, blank_lines=0)
            start = body_start(function)
            edits[id(function.body)] = lambda updated, c=closure, s=start: with_statements_before(updated, s, [c])
        if is_async:
            call = f"await {call}"
        line = statement(f"if {call}:\n    break\n" if has_break else f"{call}\n", source.module)
        first = tail.statements[0]
        edits[id(first)] = replace_with(line.with_changes(leading_lines=first.leading_lines))
        for stmt in tail.statements[1:]:
            edits[id(stmt)] = remove
        return rewrite(source.module, edits)
    raise NotApplicable("no message handling to move")


# --------------------------------------------------------------------------- 4./5. message-type branches


@dataclass
class Branch:
    subject: Optional[cst.BaseExpression]  # None for the final else
    values: List[str]  # literal codes (value branches) or the class (class branches)
    kind: str  # "value", "class" or "else"
    guard: Optional[cst.BaseExpression]
    body: cst.BaseSuite


def parse_branch_test(
    test: cst.BaseExpression,
) -> Optional[Tuple[cst.BaseExpression, List[str], str, Optional[cst.BaseExpression]]]:
    guard = None
    if isinstance(test, cst.BooleanOperation) and isinstance(test.operator, cst.And):
        if isinstance(test.left, cst.BooleanOperation) or test.lpar:
            return None
        test, guard = test.left, test.right
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and not test.lpar:
        target = test.comparisons[0]
        if isinstance(target.operator, cst.Equal) and isinstance(target.comparator, cst.SimpleString):
            return test.left, [target.comparator.value], "value", guard
        if isinstance(target.operator, cst.In) and isinstance(target.comparator, (cst.Tuple, cst.List)):
            items = [element.value for element in target.comparator.elements]
            if items and all(isinstance(item, cst.SimpleString) for item in items):
                return test.left, [item.value for item in items], "value", guard
    if (
        isinstance(test, cst.Call)
        and isinstance(test.func, cst.Name)
        and test.func.value == "isinstance"
        and len(test.args) == 2
        and isinstance(test.args[1].value, (cst.Name, cst.Attribute))
        and all(arg.keyword is None and arg.star == "" for arg in test.args)
    ):
        return test.args[0].value, [dotted(test.args[1].value)], "class", guard
    return None


def if_chains(source: Source) -> List[Tuple[cst.If, List[Branch]]]:
    """If/elif(/else) chains that all test one subject against literals (or with isinstance)."""
    chains = []
    for node in walk(source.module):
        if not isinstance(node, cst.If) or isinstance(source.parent(node), cst.If):
            continue
        if source.block_of(node) is None:
            continue
        branches: List[Branch] = []
        current: Union[cst.If, cst.Else, None] = node
        subject_code = None
        kind = None
        while isinstance(current, cst.If):
            parsed = parse_branch_test(current.test)
            if parsed is None:
                break
            subject, values, branch_kind, guard = parsed
            code = source.code_for(subject).strip()
            if subject_code is not None and (code != subject_code or branch_kind != kind):
                break
            subject_code, kind = code, branch_kind
            branches.append(Branch(subject, values, branch_kind, guard, current.body))
            current = current.orelse
        else:
            if isinstance(current, cst.Else):
                branches.append(Branch(None, [], "else", None, current.body))
            current = None
        if current is not None or not branches or branches[0].kind == "else":
            continue
        if not any(v.strip("\"'") in V2_MESSAGE_TYPES for b in branches for v in b.values) and kind == "value":
            continue
        if kind == "class" and not any("Transcript" in v for b in branches for v in b.values):
            continue
        chains.append((node, branches))
    return chains


def decoded_dict(source: Source, name: cst.Name) -> bool:
    """Whether every binding of ``name`` is the result of json.loads (a dict for v2 messages)."""
    assignments = source.resolve(name)
    if not assignments:
        return False
    for assignment in assignments:
        node = getattr(assignment, "node", None)
        holder = source.parent(node)
        if isinstance(holder, cst.AssignTarget):
            holder = source.parent(holder)
        if not isinstance(holder, (cst.Assign, cst.AnnAssign, cst.NamedExpr)):
            return False
        if holder.value is None or not source.is_json_call(holder.value):
            return False
    return True


def message_key(source: Source, subject: cst.BaseExpression) -> Optional[Tuple[cst.Name, str]]:
    """``msg["message_type"]`` / ``msg.get("message_type")`` -> (msg, '"message_type"')."""
    if isinstance(subject, cst.Subscript) and isinstance(subject.value, cst.Name) and len(subject.slice) == 1:
        index = subject.slice[0].slice
        if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
            return subject.value, index.value.value
    if (
        isinstance(subject, cst.Call)
        and isinstance(subject.func, cst.Attribute)
        and isinstance(subject.func.value, cst.Name)
        and subject.func.attr.value == "get"
        and len(subject.args) == 1
        and isinstance(subject.args[0].value, cst.SimpleString)
        and subject.args[0].keyword is None
    ):
        return subject.func.value, subject.args[0].value.value
    return None


@transform("match_case")
def match_case(code: str) -> str:
    """An if/elif chain on the message type becomes ``match msg: case {"message_type": "FinalTranscript"}:``
    (mapping patterns on a decoded message, value patterns on a type variable, class patterns
    for the SDK's isinstance checks; an ``and`` becomes a guard). Python 3.10+ only."""
    if sys.version_info < (3, 10):
        raise NotApplicable("match needs Python 3.10")
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    for node, branches in if_chains(source):
        subject = branches[0].subject
        key = message_key(source, subject) if branches[0].kind == "value" else None
        mapping = key is not None and decoded_dict(source, key[0])
        subject_code = key[0].value if mapping else source.code_for(subject).strip()
        cases = []
        for branch in branches:
            if branch.kind == "else":
                pattern = "_"
            elif branch.kind == "class":
                pattern = f"{branch.values[0]}()"
            else:
                pattern = " | ".join(branch.values)
                if mapping:
                    pattern = f"{{{key[1]}: {pattern}}}"
            guard = f" if {source.code_for(branch.guard).strip()}" if branch.guard is not None else ""
            cases.append(f"    case {pattern}{guard}:\n        pass\n")
        match = statement(f"match {subject_code}:\n{''.join(cases)}", source.module)
        match = match.with_changes(
            cases=[case.with_changes(body=branch.body) for case, branch in zip(match.cases, branches)]
        )
        edits[id(node)] = lambda updated, m=match: m.with_changes(leading_lines=updated.leading_lines)
    if not edits:
        raise NotApplicable("no if/elif on the message type")
    return rewrite(source.module, edits)


def snake(value: str) -> str:
    return re.sub(r"\W+", "_", re.sub(r"(?<!^)(?=[A-Z])", "_", value)).strip("_").lower() or "message"


@transform("dict_dispatch")
def dict_dispatch(code: str) -> str:
    """An if/elif chain on the message type becomes a dict of handler functions keyed by the v2
    message type (``{"FinalTranscript": on_final_transcript, ...}``); the handler that matches
    is called with the names the branch used; a branch that did ``break`` returns True."""
    source = fresh_source(code)
    for node, branches in if_chains(source):
        if branches[0].kind != "value" or any(b.guard is not None for b in branches):
            continue
        subject = branches[0].subject
        if not (isinstance(subject, cst.Name) or message_key(source, subject) is not None):
            continue
        function = source.function_of(node)
        if function is None:
            continue
        try:
            checks = [
                check_movable(source, Tail(function, "", branch.body, list(branch.body.body), ""))
                for branch in branches
            ]
        except NotApplicable:
            continue
        is_async = any(check[0] for check in checks)
        has_break = any(check[1] for check in checks)
        params: List[str] = []
        for check in checks:
            params.extend(name for name in check[2] if name not in params)
        new: List[cst.BaseStatement] = []
        entries: List[str] = []
        default = None
        for branch in branches:
            if branch.kind == "else":
                name = source.fresh("on_other_message")
                default = name
            else:
                name = source.fresh(f"on_{snake(string_value(cst.SimpleString(branch.values[0])) or 'message')}")
                entries.extend(f"{value}: {name}" for value in branch.values)
            breaks = {id(n) for n in walk_same_loop(branch.body) if isinstance(n, cst.Break)}
            body = [stmt.visit(_BreakToReturn(breaks)) for stmt in branch.body.body]
            new.append(make_function(source, name, params, body, is_async))
        table = source.fresh("MESSAGE_HANDLERS")
        new.append(statement(f"{table} = {{{', '.join(entries)}}}\n", source.module))
        new[-1] = new[-1].with_changes(leading_lines=[cst.EmptyLine(indent=False)] * 2)
        handler = source.fresh("handler")
        lookup = f"{table}.get({source.code_for(subject).strip()}{', ' + default if default else ''})"
        call = f"{'await ' if is_async else ''}{handler}({', '.join(params)})"
        if has_break:
            condition = call if default else f"{handler} is not None and {call}"
            dispatch = f"{handler} = {lookup}\nif {condition}:\n    break\n"
        elif default:
            dispatch = f"{handler} = {lookup}\n{call}\n"
        else:
            dispatch = f"{handler} = {lookup}\nif {handler} is not None:\n    {call}\n"
        edits: Dict[int, Callable] = {}
        _chain(edits, source.top_statement(function), insert_before(new))
        dispatch_statements = statements(dispatch, source.module)
        edits[id(node)] = lambda updated, new_lines=dispatch_statements: cst.FlattenSentinel(
            [new_lines[0].with_changes(leading_lines=updated.leading_lines), *new_lines[1:]]
        )
        return rewrite(source.module, edits)
    raise NotApplicable("no if/elif on the message type to dispatch")


# --------------------------------------------------------------------------- 6. decoding


def import_assignment(source: Source, module_name: str):
    """The module-level ``import module_name`` (no alias) binding and its ImportAlias."""
    for assignment in source.global_assignments(module_name.split(".")[0]):
        if isinstance(assignment.node, cst.Import):
            for alias in assignment.node.names:
                if dotted(alias.name) == module_name and alias.asname is None:
                    return assignment, alias
    raise NotApplicable(f"no import {module_name}")


def reference_names(assignment) -> List[cst.Name]:
    nodes = [reference.node for reference in assignment.references]
    if not all(isinstance(node, cst.Name) for node in nodes):
        raise NotApplicable("referenced from a string annotation")
    return nodes


@transform("json_alias")
def json_alias(code: str) -> str:
    """``import json`` becomes ``import json as j`` and every use ``j.loads``/``j.dumps``."""
    source = fresh_source(code)
    assignment, alias = import_assignment(source, "json")
    new = source.fresh("j")
    edits: Dict[int, Callable] = {id(alias): replace_with(alias.with_changes(asname=cst.AsName(name=cst.Name(new))))}
    for name in reference_names(assignment):
        edits[id(name)] = replace_with(cst.Name(new))
    return rewrite(source.module, edits)


@transform("json_from_import")
def json_from_import(code: str) -> str:
    """``json.loads(m)`` becomes ``loads(m)`` with ``from json import loads``."""
    source = fresh_source(code)
    assignment, alias = import_assignment(source, "json")
    names = reference_names(assignment)
    loads = [
        name
        for name in names
        if isinstance(source.parent(name), cst.Attribute)
        and source.parent(name).attr.value == "loads"
        and isinstance(source.parent(source.parent(name)), cst.Call)
        and source.parent(source.parent(name)).func is source.parent(name)
    ]
    if not loads:
        raise NotApplicable("json.loads is not called")
    new = "loads" if "loads" not in source.names else source.fresh("json_loads")
    edits: Dict[int, Callable] = {}
    for name in loads:
        edits[id(source.parent(name))] = replace_with(cst.Name(new))
    line = source.statement_of(alias)
    importing = f"from json import loads{'' if new == 'loads' else ' as ' + new}\n"
    if len(loads) == len(names) and len(line.body) == 1 and len(line.body[0].names) == 1:
        edits[id(line)] = lambda updated: statement(importing).with_changes(leading_lines=updated.leading_lines)
    else:
        edits[id(line)] = insert_after([statement(importing)])
    return rewrite(source.module, edits)


@transform("aiohttp_msg_json")
def aiohttp_msg_json(code: str) -> str:
    """aiohttp: ``json.loads(msg.data)`` becomes ``msg.json()`` (WSMessage.json is json.loads of .data)."""
    source = fresh_source(code)
    if not source.global_assignments("aiohttp"):
        raise NotApplicable("not aiohttp")
    edits: Dict[int, Callable] = {}
    for node in walk(source.module):
        if source.is_json_call(node) and len(node.args) == 1:
            arg = node.args[0].value
            if isinstance(arg, cst.Attribute) and arg.attr.value == "data" and isinstance(arg.value, cst.Name):
                edits[id(node)] = replace_with(expr(f"{arg.value.value}.json()"))
    if not edits:
        raise NotApplicable("no json.loads(msg.data)")
    return rewrite(source.module, edits)


# --------------------------------------------------------------------------- 7. the audio payload


@dataclass
class AudioSend:
    line: cst.SimpleStatementLine
    root: cst.BaseExpression  # the expression the line evaluates
    kind: str  # "json": send(json.dumps({...})), "assign": x = json.dumps({...}), "raw": send(bytes)
    node: cst.BaseExpression  # json.dumps(...) call, or the raw argument
    audio: Optional[cst.BaseExpression] = None  # the value of "audio_data"


def audio_dict(source: Source, node: cst.BaseExpression) -> Optional[cst.BaseExpression]:
    """The ``"audio_data"`` value of ``json.dumps({"audio_data": ...})``."""
    if not source.is_json_call(node, "dumps") or len(node.args) != 1:
        return None
    value = node.args[0].value
    if not isinstance(value, cst.Dict):
        return None
    for element in value.elements:
        if isinstance(element, cst.DictElement) and string_value(element.key) == "audio_data":
            return element.value
    return None


def has_call(node: cst.CSTNode) -> bool:
    return any(isinstance(n, (cst.Call, cst.Await)) for n in walk(node))


def audio_sends(source: Source) -> List[AudioSend]:
    sends = []
    uses_sdk = bool(source.global_assignments("aai") or source.global_assignments("assemblyai"))
    for line in walk(source.module):
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or source.block_of(line) is None:
            continue
        small = line.body[0]
        if isinstance(small, cst.Assign) and audio_dict(source, small.value) is not None:
            sends.append(AudioSend(line, small.value, "assign", small.value, audio_dict(source, small.value)))
            continue
        if not isinstance(small, cst.Expr):
            continue
        call = small.value.expression if isinstance(small.value, cst.Await) else small.value
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute) or has_call(call.func):
            continue
        method = call.func.attr.value
        if method not in ("send", "send_str", "send_bytes", "stream") or not call.args:
            continue
        first, rest = call.args[0], call.args[1:]
        if first.keyword is not None or first.star or any(has_call(arg) for arg in rest):
            continue
        if audio_dict(source, first.value) is not None:
            sends.append(AudioSend(line, small.value, "json", first.value, audio_dict(source, first.value)))
            continue
        binary = any(dotted(arg.value).endswith("OPCODE_BINARY") for arg in rest)
        reads = any(
            isinstance(n, cst.Call)
            and isinstance(n.func, cst.Attribute)
            and n.func.attr.value in ("read", "readframes")
            for n in walk(first.value)
        )
        if binary or reads or (method == "stream" and uses_sdk and not rest):
            sends.append(AudioSend(line, small.value, "raw", first.value))
    return sends


@transform("payload_vars")
def payload_vars(code: str) -> str:
    """The audio message is built through two or more variables: ``encoded = base64...``,
    ``payload = {"audio_data": encoded}``, ``message = json.dumps(payload)``, ``ws.send(message)``
    (raw audio: ``chunk = stream.read(n)``, ``frame = chunk``, ``ws.send(frame, ...)``)."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    for send in audio_sends(source):
        if send.kind == "raw":
            if not hoistable(source, send.root, send.node):
                continue
            streams = isinstance(send.root, cst.Call) and send.root.func.attr.value == "stream"
            chunk = source.fresh("microphone" if streams else "chunk")
            frame = source.fresh("audio_source" if streams else "frame")
            new = [f"{chunk} = {source.code_for(send.node).strip()}\n", f"{frame} = {chunk}\n"]
            edits[id(send.node)] = replace_with(cst.Name(frame))
        else:
            if not hoistable(source, send.root, send.audio):
                continue
            new = []
            audio = send.audio
            if not isinstance(audio, cst.Name):
                encoded = source.fresh("encoded")
                new.append(f"{encoded} = {source.code_for(audio).strip()}\n")
                audio_code = encoded
            else:
                audio_code = audio.value
            dictionary = send.node.args[0].value
            payload = source.fresh("payload")
            entries = [
                f"{source.code_for(e.key).strip()}: {audio_code}"
                if isinstance(e, cst.DictElement) and e.value is audio
                else source.code_for(e).strip().rstrip(",")
                for e in dictionary.elements
            ]
            new.append(f"{payload} = {{{', '.join(entries)}}}\n")
            dumps = f"{source.code_for(send.node.func).strip()}({payload})"
            if send.kind == "assign":
                edits[id(send.node)] = replace_with(expr(dumps))
            else:
                message = source.fresh("message")
                new.append(f"{message} = {dumps}\n")
                edits[id(send.node)] = replace_with(cst.Name(message))
        edits[id(send.line)] = before_keeping_comments([statement(line) for line in new])
    if not edits:
        raise NotApplicable("no audio send")
    return rewrite(source.module, edits)


@transform("payload_helper")
def payload_helper(code: str) -> str:
    """The audio message (or raw audio chunk) is built by a module-level helper that returns it:
    ``ws.send(make_audio_message(data))``."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    for send in audio_sends(source):
        node = send.node
        if isinstance(node, cst.Name) or any(isinstance(n, (cst.Await, cst.Yield)) for n in walk(node)):
            continue
        if not hoistable(source, send.root, node):
            continue
        params = source.free_locals([node])
        name = source.fresh("make_audio_message" if send.kind != "raw" else "next_audio_chunk")
        helper = make_function(source, name, params, [statement(f"return {source.code_for(node).strip()}\n")])
        edits[id(node)] = replace_with(expr(f"{name}({', '.join(params)})"))
        _chain(edits, source.top_statement(send.line), insert_before([helper]))
    if not edits:
        raise NotApplicable("no audio payload")
    return rewrite(source.module, edits)


# --------------------------------------------------------------------------- 8. the URL


@dataclass
class Url:
    node: cst.BaseExpression
    base: Tuple[str, str]  # ("text", literal) or ("str", code of a string-valued expression)
    params: Optional[List[Tuple[str, Tuple[str, str]]]]  # key -> ("text", raw) / ("val", code) / ("str", code)


def _flatten(source: Source, node: cst.CSTNode) -> List[Tuple[str, str]]:
    if isinstance(node, cst.SimpleString):
        value = node.evaluated_value
        if not isinstance(value, str):
            raise NotApplicable("bytes")
        return [("text", value)]
    if isinstance(node, cst.FormattedString):
        if node.prefix.lower() != "f":
            raise NotApplicable("raw f-string")
        parts: List[Tuple[str, str]] = []
        for part in node.parts:
            if isinstance(part, cst.FormattedStringText):
                if "\\" in part.value:
                    raise NotApplicable("escapes")
                parts.append(("text", part.value.replace("{{", "{").replace("}}", "}")))
            elif part.conversion is None and part.format_spec is None:
                parts.append(("val", source.code_for(part.expression).strip()))
            else:
                raise NotApplicable("format spec")
        return parts
    if isinstance(node, cst.ConcatenatedString):
        return _flatten(source, node.left) + _flatten(source, node.right)
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
        return _flatten(source, node.left) + _flatten(source, node.right)
    if isinstance(node, cst.Call) and dotted(node.func) == "str" and len(node.args) == 1 and not node.args[0].keyword:
        return [("val", source.code_for(node.args[0].value).strip())]
    if isinstance(node, (cst.Name, cst.Attribute)):
        return [("str", source.code_for(node).strip())]
    raise NotApplicable("not a URL expression")


def _literal_of(source: Source, code: str) -> Optional[str]:
    """The string a module-level constant is bound to, if it is a plain literal."""
    if not code.isidentifier():
        return None
    values = [
        string_value(a.node and source.parent(source.parent(a.node)).value)
        for a in source.global_assignments(code)
        if isinstance(a.node, cst.Name) and isinstance(source.parent(source.parent(a.node)), cst.Assign)
    ]
    return values[0] if len(values) == 1 else None


def v2_urls(source: Source) -> List[Url]:
    urls = []
    for node in walk(source.module):
        if not isinstance(node, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.BinaryOperation)):
            continue
        parent = source.parent(node)
        if isinstance(parent, cst.ConcatenatedString) or (
            isinstance(parent, cst.BinaryOperation) and isinstance(parent.operator, cst.Add)
        ):
            continue
        try:
            segments = _flatten(source, node)
        except NotApplicable:
            continue
        if not any(kind == "text" for kind, _ in segments):
            continue
        resolved = "".join(
            value if kind == "text" else (_literal_of(source, value) or "\x00") if kind == "str" else "\x00"
            for kind, value in segments
        )
        if not resolved.startswith(V2_HOST_URL):
            continue
        urls.append(Url(node, *_split_query(segments)))
    return urls


def _split_query(segments: List[Tuple[str, str]]):
    """(base, params) of a flattened URL; params None when the query is not key=value pairs."""
    exprs: List[Tuple[str, str]] = []
    template = ""
    for kind, value in segments:
        if kind == "text":
            template += value
        else:
            template += f"\x00{len(exprs)}\x00"
            exprs.append((kind, value))

    def segment(text: str) -> Optional[Tuple[str, str]]:
        match = re.fullmatch(r"\x00(\d+)\x00", text)
        if match:
            return exprs[int(match.group(1))]
        return None if "\x00" in text else ("text", text)

    base_text, _, query = template.partition("?")
    base = segment(base_text)
    if base is None:
        raise NotApplicable("base URL mixes text and expressions")
    if not query:
        return base, None
    params = []
    for pair in query.split("&"):
        key, equals, value = pair.partition("=")
        if not equals or "\x00" in key or segment(value) is None:
            return base, None
        params.append((key, segment(value)))
    return base, params


def py_string(value: str) -> str:
    if '"' in value and "'" not in value:
        return "'" + value.replace("\\", "\\\\") + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value_code(value: Tuple[str, str]) -> str:
    kind, text = value
    if kind == "text":
        return text if text.isdigit() and not text.startswith("0") else py_string(text)
    return text


def _base_code(url: Url) -> str:
    kind, value = url.base
    return py_string(value) if kind == "text" else value


def _url_transform(code: str, render: Callable[[Source, Url, Dict[int, Callable]], Optional[str]]) -> str:
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    for url in v2_urls(source):
        if url.params is None:
            continue
        new = render(source, url, edits)
        if new is not None:
            edits[id(url.node)] = lambda _updated, n=new: expr(n)
    if not any(id(url.node) in edits for url in v2_urls(source)):
        raise NotApplicable("no v2 URL with a query")
    return rewrite(source.module, edits)


def _template(url: Url, hole: str, escape: Callable[[str], str]) -> Tuple[str, List[str]]:
    text = hole if url.base[0] == "str" else escape(url.base[1])
    args = [url.base[1]] if url.base[0] == "str" else []
    for index, (key, value) in enumerate(url.params):
        text += f"{'?' if index == 0 else '&'}{escape(key)}={hole}"
        args.append(_value_code(value))
    return text, args


@transform("url_percent")
def url_percent(code: str) -> str:
    """The URL is built with ``%``: ``"wss://...ws?sample_rate=%s" % (16000,)``."""

    def render(source, url, edits):
        text, args = _template(url, "%s", lambda s: s.replace("%", "%%"))
        return f"{py_string(text)} % ({args[0]},)" if len(args) == 1 else f"{py_string(text)} % ({', '.join(args)})"

    return _url_transform(code, render)


@transform("url_format")
def url_format(code: str) -> str:
    """The URL is built with ``str.format``: ``"wss://...ws?sample_rate={}".format(16000)``."""

    def render(source, url, edits):
        text, args = _template(url, "{}", lambda s: s.replace("{", "{{").replace("}", "}}"))
        return f"{py_string(text)}.format({', '.join(args)})"

    return _url_transform(code, render)


@transform("url_concat")
def url_concat(code: str) -> str:
    """The URL is built with ``+``: ``"wss://...ws" + "?sample_rate=" + str(16000)``."""

    def render(source, url, edits):
        pieces = [_base_code(url)]
        for index, (key, value) in enumerate(url.params):
            pieces.append(py_string(f"{'?' if index == 0 else '&'}{key}="))
            kind, text = value
            if kind == "str":
                pieces.append(text)
            elif kind == "val" or text.isdigit():
                pieces.append(f"str({_value_code(value)})")
            else:
                pieces.append(py_string(text))
        return " + ".join(pieces)

    return _url_transform(code, render)


def _is_integer(source: Source, code: str) -> bool:
    """Whether an expression names a constant that every assignment in the file binds to an int."""
    last = code.rsplit(".", 1)[-1]
    if not last.isidentifier():
        return False
    values = [
        node.value
        for node in walk(source.module)
        if isinstance(node, cst.Assign)
        and any(dotted(target.target).rsplit(".", 1)[-1] == last for target in node.targets)
    ]
    return bool(values) and all(
        isinstance(value, cst.Integer) or (isinstance(value, cst.Call) and dotted(value.func) == "int")
        for value in values
    )


@transform("url_urlencode")
def url_urlencode(code: str) -> str:
    """The query is built with ``urllib.parse.urlencode``: ``"wss://...ws?" + urlencode({"sample_rate": 16000})``."""

    def render(source, url, edits):
        entries = []
        for key, (kind, text) in url.params:
            if kind == "text":
                decoded = unquote_plus(text)
                if urlencode({key: decoded}) != f"{quote_plus(key)}={text}":
                    return None
                entries.append(f"{py_string(key)}: {_value_code(('text', decoded))}")
            elif _is_integer(source, text):
                entries.append(f"{py_string(key)}: {text}")
            else:
                return None
        name = urlencode_name(source, edits)
        base = _base_code(url)
        base = py_string(url.base[1] + "?") if url.base[0] == "text" else f'{base} + "?"'
        return f"{base} + {name}({{{', '.join(entries)}}})"

    return _url_transform(code, render)


def urlencode_name(source: Source, edits: Dict[int, Callable]) -> str:
    for assignment in source.global_assignments("urlencode"):
        if isinstance(assignment.node, cst.ImportFrom):
            return "urlencode"
    if "urlencode" in source.state:
        return source.state["urlencode"]
    name = "urlencode" if "urlencode" not in source.names else source.fresh("urlencode")
    add_import(source, f"from urllib.parse import urlencode{'' if name == 'urlencode' else ' as ' + name}\n", edits)
    source.state["urlencode"] = name
    return name


@transform("url_env_default")
def url_env_default(code: str) -> str:
    """The URL is read from the environment with the v2 URL as the default:
    ``os.environ.get("ASSEMBLYAI_URL", "wss://api.assemblyai.com/v2/realtime/ws?...")``."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    urls = [url for url in v2_urls(source) if url.base[0] == "text"]
    if not urls:
        raise NotApplicable("no v2 URL literal")
    os_name = ensure_module_import(source, "os", edits)
    for url in urls:
        edits[id(url.node)] = lambda updated: cst.Call(
            func=expr(f"{os_name}.environ.get"),
            args=[cst.Arg(cst.SimpleString('"ASSEMBLYAI_URL"')), cst.Arg(updated)],
        )
    return rewrite(source.module, edits)


# --------------------------------------------------------------------------- 9. import style


def top_imports(source: Source) -> List[Tuple[cst.SimpleStatementLine, Union[cst.Import, cst.ImportFrom]]]:
    return [
        (stmt, stmt.body[0])
        for stmt in source.module.body
        if isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom))
    ]


def import_root(node: Union[cst.Import, cst.ImportFrom]) -> str:
    if isinstance(node, cst.Import):
        return dotted(node.names[0].name).split(".")[0]
    return dotted(node.module).split(".")[0] if node.module is not None and not node.relative else ""


def bound_name(alias: cst.ImportAlias) -> str:
    if alias.asname is not None:
        return alias.asname.name.value
    return dotted(alias.name).split(".")[0]


def binding_of(source: Source, node: cst.CSTNode, alias: cst.ImportAlias):
    for assignment in source.global_assignments(bound_name(alias)):
        if assignment.node is node:
            return assignment
    raise NotApplicable("no binding")


ALIASES = {"websocket": "wsclient", "websockets": "wslib", "aiohttp": "http_client", "assemblyai": "assembly"}


@transform("import_alias")
def import_alias(code: str) -> str:
    """The websocket library / SDK is imported under another name: ``import websocket as wsclient``,
    ``import assemblyai as assembly``, ``from websockets.legacy.client import connect as ws_connect``."""
    source = fresh_source(code)
    for _line, node in top_imports(source):
        root = import_root(node)
        if root not in WS_LIBRARIES or isinstance(node.names, cst.ImportStar):
            continue
        for alias in node.names:
            if isinstance(node, cst.Import) and "." in dotted(alias.name) and alias.asname is None:
                continue
            try:
                names = reference_names(binding_of(source, node, alias))
            except NotApplicable:
                continue
            if not names:
                continue
            base = ALIASES[root] if isinstance(node, cst.Import) else f"ws_{alias.name.value}"
            new = source.fresh(base)
            edits: Dict[int, Callable] = {
                id(alias): replace_with(alias.with_changes(asname=cst.AsName(name=cst.Name(new))))
            }
            for name in names:
                edits[id(name)] = replace_with(cst.Name(new))
            return rewrite(source.module, edits)
    raise NotApplicable("no library import to alias")


@transform("from_import")
def from_import(code: str) -> str:
    """``import websocket`` + ``websocket.WebSocketApp(...)`` becomes ``from websocket import
    WebSocketApp`` + ``WebSocketApp(...)`` (likewise websockets, aiohttp, the SDK)."""
    source = fresh_source(code)
    for line, node in top_imports(source):
        if not isinstance(node, cst.Import) or len(node.names) != 1 or import_root(node) not in WS_LIBRARIES:
            continue
        alias = node.names[0]
        if "." in dotted(alias.name):
            continue
        try:
            names = reference_names(binding_of(source, node, alias))
        except NotApplicable:
            continue
        attributes = [source.parent(name) for name in names]
        if not names or not all(
            isinstance(attribute, cst.Attribute) and attribute.value is name
            for attribute, name in zip(attributes, names)
        ):
            continue
        if any(isinstance(source.parent(attribute), (cst.AssignTarget, cst.Del)) for attribute in attributes):
            continue
        imported = sorted({attribute.attr.value for attribute in attributes})
        if any(name in source.names or keyword.iskeyword(name) for name in imported):
            continue
        edits: Dict[int, Callable] = {
            id(attribute): replace_with(cst.Name(attribute.attr.value)) for attribute in attributes
        }
        new_line = statement(f"from {dotted(alias.name)} import {', '.join(imported)}\n")
        edits[id(line)] = lambda updated, n=new_line: n.with_changes(leading_lines=updated.leading_lines)
        return rewrite(source.module, edits)
    raise NotApplicable("no library import used only as module.attribute")


@transform("import_in_function")
def import_in_function(code: str) -> str:
    """An import used only inside functions moves into each function that uses it (the
    websocket library or the SDK when possible, and ``json``)."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    moved_library = False
    for line, node in top_imports(source):
        root = import_root(node)
        if root == "json" or (root in WS_LIBRARIES and not moved_library):
            pass
        else:
            continue
        if isinstance(node.names, cst.ImportStar) or len(node.names) != 1:
            continue
        try:
            names = reference_names(binding_of(source, node, node.names[0]))
        except NotApplicable:
            continue
        if not names or not all(source.in_function_body(name) for name in names):
            continue
        outermost: List[cst.FunctionDef] = []
        for name in names:
            functions = [a for a in source.ancestors(name) if isinstance(a, cst.FunctionDef)]
            if not functions or not isinstance(functions[-1].body, cst.IndentedBlock):
                break
            if functions[-1] not in outermost:
                outermost.append(functions[-1])
        else:
            for function in outermost:
                start = body_start(function)
                new = statement(source.code_for(line).strip() + "\n")
                _chain(
                    edits,
                    function.body,
                    lambda updated, s=start, n=new: with_statements_before(updated, s, [n]),
                )
            edits[id(line)] = remove
            moved_library = moved_library or root in WS_LIBRARIES
    if not edits:
        raise NotApplicable("no import used only inside functions")
    return rewrite(source.module, edits)


# --------------------------------------------------------------------------- 10. the SDK client


def transcriber_calls(source: Source) -> List[cst.Call]:
    return [
        node
        for node in walk(source.module)
        if isinstance(node, cst.Call) and dotted(node.func).rsplit(".", 1)[-1] == "RealtimeTranscriber"
    ]


@transform("sdk_factory")
def sdk_factory(code: str) -> str:
    """``aai.RealtimeTranscriber(...)`` is created by a factory function: ``create_transcriber()``
    returns it (taking the locals its arguments read, e.g. ``self``)."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    for call in transcriber_calls(source):
        params = source.free_locals([call])
        name = source.fresh("create_transcriber")
        body = [statement(f"return {source.code_for(call).strip()}\n")]
        _chain(edits, source.top_statement(call), insert_before([make_function(source, name, params, body)]))
        edits[id(call)] = replace_with(expr(f"{name}({', '.join(params)})"))
    if not edits:
        raise NotApplicable("no RealtimeTranscriber(...)")
    return rewrite(source.module, edits)


def pure(node: cst.BaseExpression) -> bool:
    """Evaluating it has no side effect (names, attributes, literals, lambdas)."""
    if isinstance(node, (cst.Name, cst.Integer, cst.Float, cst.SimpleString, cst.Lambda)):
        return True
    if isinstance(node, cst.Attribute):
        return pure(node.value)
    if isinstance(node, cst.UnaryOperation):
        return pure(node.expression)
    return False


def module_import_name(source: Source, module_name: str, edits: Dict[int, Callable]) -> str:
    """``module_name`` (a top-level module), importing it at the top when the file does not."""
    for assignment in source.global_assignments(module_name):
        if isinstance(assignment.node, cst.Import):
            return module_name
    if module_name in source.names:
        raise NotApplicable(f"{module_name} names something else")
    if source.state.get(module_name):
        return module_name
    add_import(source, f"import {module_name}\n", edits)
    source.state[module_name] = True
    return module_name


@transform("sdk_partial")
def sdk_partial(code: str) -> str:
    """``aai.RealtimeTranscriber(sample_rate=16_000, on_data=on_data, token=...)`` is made through
    ``functools.partial``: ``make_transcriber = functools.partial(aai.RealtimeTranscriber,
    sample_rate=16_000, on_data=on_data)``, then ``make_transcriber(token=...)``."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    for call in transcriber_calls(source):
        stmt = source.statement_of(call)
        root = expression_root(stmt, source)
        if root is None or not hoistable(source, root, call) or source.block_of(stmt) is None:
            continue
        bound = [arg for arg in call.args if arg.keyword is not None and pure(arg.value)]
        rest = [arg for arg in call.args if arg not in bound]
        if not bound:
            continue
        functools = module_import_name(source, "functools", edits)
        name = source.fresh("make_transcriber")
        partial_args = ", ".join(f"{arg.keyword.value}={source.code_for(arg.value).strip()}" for arg in bound)
        new = statement(f"{name} = {functools}.partial({source.code_for(call.func).strip()}, {partial_args})\n")
        remaining = ", ".join(source.code_for(arg).strip().rstrip(",") for arg in rest)
        edits[id(call)] = replace_with(expr(f"{name}({remaining})"))
        _chain(edits, stmt, before_keeping_comments([new]))
    if not any(id(call) in edits for call in transcriber_calls(source)):
        raise NotApplicable("no RealtimeTranscriber(...) with plain keyword arguments")
    return rewrite(source.module, edits)


@transform("sdk_connect_in_thread")
def sdk_connect_in_thread(code: str) -> str:
    """The transcriber is handed to a worker thread that connects it:
    ``pool.submit(transcriber.connect).result()`` in a one-thread executor (errors still raise)."""
    source = fresh_source(code)
    if not (source.global_assignments("aai") or source.global_assignments("assemblyai")):
        raise NotApplicable("not the SDK")
    streamed = {
        source.code_for(node.func.value).strip()
        for node in walk(source.module)
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value == "stream"
    }
    edits: Dict[int, Callable] = {}
    for line in walk(source.module):
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or source.block_of(line) is None:
            continue
        call = line.body[0].value if isinstance(line.body[0], cst.Expr) else None
        if not (
            isinstance(call, cst.Call)
            and not call.args
            and isinstance(call.func, cst.Attribute)
            and call.func.attr.value == "connect"
            and source.code_for(call.func.value).strip() in streamed
        ):
            continue
        if "concurrent" in source.names and not source.global_assignments("concurrent"):
            raise NotApplicable("concurrent names something else")
        if not source.global_assignments("concurrent") and not source.state.get("concurrent"):
            add_import(source, "import concurrent.futures\n", edits)
            source.state["concurrent"] = True
        pool = source.fresh("pool")
        new = statement(
            f"with concurrent.futures.ThreadPoolExecutor(max_workers=1) as {pool}:\n"
            f"    {pool}.submit({source.code_for(call.func).strip()}).result()\n"
        )
        edits[id(line)] = lambda updated, n=new: n.with_changes(leading_lines=updated.leading_lines)
    if not edits:
        raise NotApplicable("no transcriber.connect()")
    return rewrite(source.module, edits)


# --------------------------------------------------------------------------- 11. callbacks


def callback_args(source: Source) -> List[Tuple[cst.Arg, cst.FunctionDef, List[str]]]:
    """Callback keyword arguments naming a def with plain positional parameters."""
    found = []
    for node in walk(source.module):
        if not isinstance(node, cst.Arg) or node.keyword is None or node.keyword.value not in CALLBACK_KEYWORDS:
            continue
        function = callback_target(source, node.value)
        if function is None:
            continue
        params = function.params
        if params.star_arg not in (cst.MaybeSentinel.DEFAULT, None) or params.kwonly_params or params.star_kwarg:
            continue
        if params.posonly_params or any(p.default is not None for p in params.params):
            continue
        names = [p.name.value for p in params.params]
        if isinstance(node.value, cst.Attribute):
            names = names[1:]
        found.append((node, function, names))
    return found


@transform("callbacks_lambda")
def callbacks_lambda(code: str) -> str:
    """Callbacks are passed as lambdas: ``on_message=lambda ws, message: on_message(ws, message)``."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    for arg, _function, params in callback_args(source):
        target = source.code_for(arg.value).strip()
        root = target.split(".")[0]
        if root in params:
            params = [f"arg{index}" for index in range(len(params))]
        joined = ", ".join(params)
        edits[id(arg.value)] = replace_with(
            expr(f"lambda {joined}: {target}({joined})" if params else f"lambda: {target}()")
        )
    if not edits:
        raise NotApplicable("no callback passed by name")
    return rewrite(source.module, edits)


@transform("callbacks_partial")
def callbacks_partial(code: str) -> str:
    """Callbacks are passed through ``functools.partial``: ``on_message=functools.partial(on_message)``."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    args = callback_args(source)
    if not args:
        raise NotApplicable("no callback passed by name")
    functools = module_import_name(source, "functools", edits)
    for arg, _function, _params in args:
        edits[id(arg.value)] = lambda updated: cst.Call(func=expr(f"{functools}.partial"), args=[cst.Arg(updated)])
    return rewrite(source.module, edits)


@transform("callbacks_bound")
def callbacks_bound(code: str) -> str:
    """Module-level callbacks are passed as bound methods of a small object that forwards to them:
    ``on_message=callbacks.on_message``."""
    source = fresh_source(code)
    args = [
        (arg, function, params) for arg, function, params in callback_args(source) if isinstance(arg.value, cst.Name)
    ]
    if not args:
        raise NotApplicable("no module-level callback")
    cls, instance = source.fresh("Callbacks"), source.fresh("callbacks")
    methods = {}
    for _arg, function, params in args:
        name = function.name.value
        if name in methods:
            continue
        self_name = "self" if "self" not in params else "this"
        joined = ", ".join(params)
        methods[name] = f"    def {name}({', '.join([self_name, *params])}):\n        return {name}({joined})\n"
    new = statements(f"class {cls}:\n" + "\n".join(methods.values()) + f"\n\n{instance} = {cls}()\n")
    new[0] = new[0].with_changes(leading_lines=[cst.EmptyLine(indent=False)] * 2)
    edits: Dict[int, Callable] = {}
    first_top = min((source.top_statement(arg) for arg, _, _ in args), key=source.module.body.index)
    _chain(edits, first_top, insert_before(new))
    for arg, _function, _params in args:
        edits[id(arg.value)] = replace_with(expr(f"{instance}.{arg.value.value}"))
    return rewrite(source.module, edits)


# --------------------------------------------------------------------------- 12. the entry point


def is_main_guard(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.If)
        and isinstance(stmt.test, cst.Comparison)
        and dotted(stmt.test.left) == "__name__"
        and string_value(stmt.test.comparisons[0].comparator) == "__main__"
    )


def module_tail(source: Source) -> List[cst.BaseStatement]:
    """The statements after the last def, class and import: what runs the script."""
    body = list(source.module.body)
    tail: List[cst.BaseStatement] = []
    for stmt in reversed(body):
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)) or is_main_guard(stmt):
            break
        if isinstance(stmt, cst.SimpleStatementLine) and isinstance(stmt.body[0], (cst.Import, cst.ImportFrom)):
            break
        tail.insert(0, stmt)
    if not any(isinstance(n, cst.Call) for stmt in tail for n in walk(stmt)):
        return []
    return tail


@transform("entry_main_guard")
def entry_main_guard(code: str) -> str:
    """The statements that run the script go under ``if __name__ == "__main__":``."""
    source = fresh_source(code)
    if any(is_main_guard(stmt) for stmt in source.module.body):
        raise NotApplicable("already guarded")
    tail = module_tail(source)
    if not tail:
        raise NotApplicable("nothing runs at module level")
    guard = statement('if __name__ == "__main__":\n    pass\n')
    body = [tail[0].with_changes(leading_lines=()), *tail[1:]]
    guard = guard.with_changes(body=guard.body.with_changes(body=body), leading_lines=tail[0].leading_lines)
    edits: Dict[int, Callable] = {id(tail[0]): replace_with(guard)}
    for stmt in tail[1:]:
        edits[id(stmt)] = remove
    return rewrite(source.module, edits)


@transform("entry_main_function")
def entry_main_function(code: str) -> str:
    """The statements that run the script (or the body of its ``__main__`` guard) move into
    ``def main()`` (names they bind stay module globals through ``global``), called from a guard."""
    source = fresh_source(code)
    guards = [stmt for stmt in source.module.body if is_main_guard(stmt)]
    if guards:
        if len(guards) != 1 or guards[0].orelse is not None or not isinstance(guards[0].body, cst.IndentedBlock):
            raise NotApplicable("unusual guard")
        moved = list(guards[0].body.body)
    else:
        moved = module_tail(source)
    if not moved:
        raise NotApplicable("nothing runs at module level")
    inner = {id(n) for stmt in moved for n in walk(stmt)}
    bound = sorted({a.name for a in source.global_scope.assignments if id(a.node) in inner})
    name = source.fresh("main")
    body = [moved[0].with_changes(leading_lines=()), *moved[1:]]
    if bound:
        body.insert(0, statement(f"global {', '.join(bound)}\n"))
    function = make_function(source, name, [], body)
    call_guard = statement(f'if __name__ == "__main__":\n    {name}()\n')
    edits: Dict[int, Callable] = {}
    if guards:
        function = function.with_changes(leading_lines=guards[0].leading_lines)
        call_guard = call_guard.with_changes(leading_lines=[cst.EmptyLine(indent=False)] * 2)
        edits[id(guards[0])] = replace_with(cst.FlattenSentinel([function, call_guard]))
    else:
        function = function.with_changes(leading_lines=moved[0].leading_lines)
        call_guard = call_guard.with_changes(leading_lines=[cst.EmptyLine(indent=False)] * 2)
        edits[id(moved[0])] = replace_with(cst.FlattenSentinel([function, call_guard]))
        for stmt in moved[1:]:
            edits[id(stmt)] = remove
    return rewrite(source.module, edits)


def asyncio_name(source: Source) -> str:
    for assignment in source.global_assignments("asyncio"):
        if isinstance(assignment.node, cst.Import):
            return "asyncio"
    raise NotApplicable("no import asyncio")


@transform("entry_run_until_complete")
def entry_run_until_complete(code: str) -> str:
    """``asyncio.run(main())`` becomes an explicit event loop: ``loop = asyncio.new_event_loop()``,
    ``asyncio.set_event_loop(loop)``, ``loop.run_until_complete(main())``."""
    source = fresh_source(code)
    name = asyncio_name(source)
    edits: Dict[int, Callable] = {}
    for line in walk(source.module):
        if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1 or source.block_of(line) is None:
            continue
        small = line.body[0]
        if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
            continue
        call = small.value
        if dotted(call.func) != f"{name}.run" or len(call.args) != 1 or call.args[0].keyword is not None:
            continue
        if source.function_of(line) is not None:
            continue
        loop = source.fresh("loop")
        new = statements(
            f"{loop} = {name}.new_event_loop()\n{name}.set_event_loop({loop})\n"
            f"{loop}.run_until_complete({source.code_for(call.args[0].value).strip()})\n"
        )
        edits[id(line)] = lambda updated, n=new: cst.FlattenSentinel(
            [n[0].with_changes(leading_lines=updated.leading_lines), *n[1:]]
        )
    if not edits:
        raise NotApplicable("no asyncio.run(...)")
    return rewrite(source.module, edits)


@transform("entry_asyncio_run")
def entry_asyncio_run(code: str) -> str:
    """``loop = asyncio.get_event_loop()`` + ``loop.run_until_complete(main())`` at module level
    becomes ``asyncio.run(main())`` (the loop is used for nothing else)."""
    source = fresh_source(code)
    name = asyncio_name(source)
    body = list(source.module.body)
    for first, second in zip(body, body[1:]):
        if not (isinstance(first, cst.SimpleStatementLine) and isinstance(second, cst.SimpleStatementLine)):
            continue
        assign, run = first.body[0], second.body[0]
        if not (
            isinstance(assign, cst.Assign)
            and len(assign.targets) == 1
            and isinstance(assign.targets[0].target, cst.Name)
            and isinstance(assign.value, cst.Call)
            and dotted(assign.value.func) == f"{name}.get_event_loop"
            and isinstance(run, cst.Expr)
            and isinstance(run.value, cst.Call)
            and dotted(run.value.func) == f"{assign.targets[0].target.value}.run_until_complete"
            and len(run.value.args) == 1
        ):
            continue
        loop = assign.targets[0].target.value
        assignments = source.global_assignments(loop)
        if len(assignments) != 1 or len(assignments[0].references) != 1:
            continue
        new = statement(f"{name}.run({source.code_for(run.value.args[0].value).strip()})\n")
        edits = {
            id(first): remove,
            id(second): replace_with(new.with_changes(leading_lines=first.leading_lines)),
        }
        return rewrite(source.module, edits)
    raise NotApplicable("no loop.run_until_complete at module level")


# --------------------------------------------------------------------------- 13. names


def _renamable_param(source: Source, param: cst.Param) -> bool:
    """Parameters whose names nobody outside sees: not of methods (frameworks call some by
    keyword), not of decorated functions (routes are injected by name)."""
    function = source.parent(source.parent(param))
    if isinstance(function, cst.Lambda):
        return True
    if not isinstance(function, cst.FunctionDef) or function.decorators:
        return False
    return source.class_of_method(function) is None


@transform("rename_locals")
def rename_locals(code: str) -> str:
    """Every name the script binds gets a new neutral name, consistently: module-level variables
    and functions, parameters, locals (``x1``, ``fn2``...). Kept: attributes, keyword arguments of
    library calls, dict keys, imports, classes and what frameworks see (methods' and decorated
    functions' parameters, ``app``)."""
    source = fresh_source(code)
    groups: Dict[Tuple[int, str], List[object]] = {}
    scopes: Dict[int, Scope] = {}
    for scope in set(source.scopes.values()):
        if scope is None or isinstance(scope, (ClassScope, BuiltinScope)):
            continue
        for assignment in scope.assignments:
            if not hasattr(assignment, "node") or isinstance(assignment.node, (cst.Import, cst.ImportFrom)):
                continue
            name = assignment.name
            if name.startswith("__") or name in ("self", "cls", "_", "app"):
                continue
            node = assignment.node
            if isinstance(node, cst.ClassDef):
                continue
            if isinstance(node, cst.FunctionDef) and node.decorators:
                continue
            if isinstance(node, cst.Param) and not _renamable_param(source, node):
                continue
            if not isinstance(node, (cst.Name, cst.Param, cst.FunctionDef)):
                continue
            groups.setdefault((id(scope), name), []).append(assignment)
            scopes[id(scope)] = scope
    edits: Dict[int, Callable] = {}
    counters = {"fn": 0, "x": 0}
    renamed_globals: Dict[str, str] = {}
    for (scope_id, name), assignments in sorted(groups.items(), key=lambda item: _first_position(source, item[1])):
        scope = scopes[scope_id]
        # every binding of the name in this scope must be one we can rename
        if len(assignments) != len([a for a in scope.assignments if a.name == name]):
            continue
        references = {id(r.node): r.node for a in assignments for r in a.references}
        if not all(isinstance(node, cst.Name) for node in references.values()):
            continue
        kind = "fn" if all(isinstance(a.node, cst.FunctionDef) for a in assignments) else "x"
        while True:
            counters[kind] += 1
            new = f"{kind}{counters[kind]}"
            if new not in source.names:
                break
        for assignment in assignments:
            node = assignment.node
            if isinstance(node, cst.Name):
                edits[id(node)] = replace_with(cst.Name(new))
            elif isinstance(node, cst.Param):
                edits[id(node.name)] = replace_with(cst.Name(new))
                _rename_keyword_arguments(source, node, name, new, edits)
            else:
                edits[id(node.name)] = replace_with(cst.Name(new))
        for node in references.values():
            edits[id(node)] = replace_with(cst.Name(new))
        if isinstance(scope, GlobalScope):
            renamed_globals[name] = new
    for node in walk(source.module):
        if isinstance(node, cst.Global):
            for item in node.names:
                if item.name.value in renamed_globals:
                    edits[id(item.name)] = replace_with(cst.Name(renamed_globals[item.name.value]))
        if isinstance(node, cst.Nonlocal):
            raise NotApplicable("nonlocal")
    if not edits:
        raise NotApplicable("nothing to rename")
    return rewrite(source.module, edits)


def _first_position(source: Source, assignments: List[object]) -> int:
    order = getattr(source, "_order", None)
    if order is None:
        order = {id(node): index for index, node in enumerate(walk(source.module))}
        source._order = order
    return min(order.get(id(a.node), 0) for a in assignments)


def _rename_keyword_arguments(source: Source, param: cst.Param, old: str, new: str, edits: Dict[int, Callable]) -> None:
    """Calls of this function that pass the parameter by keyword follow the rename, and so do
    ``functools.partial(function, parameter=...)`` calls."""
    function = source.parent(source.parent(param))
    if not isinstance(function, cst.FunctionDef):
        return

    def names_function(expression) -> bool:
        return isinstance(expression, cst.Name) and any(
            getattr(a, "node", None) is function for a in source.resolve(expression)
        )

    for node in walk(source.module):
        if not isinstance(node, cst.Call):
            continue
        if names_function(node.func):
            args = node.args
        elif dotted(node.func).rsplit(".", 1)[-1] == "partial" and node.args and names_function(node.args[0].value):
            args = node.args[1:]
        else:
            continue
        for arg in args:
            if arg.keyword is not None and arg.keyword.value == old:
                edits[id(arg.keyword)] = replace_with(cst.Name(new))


# --------------------------------------------------------------------------- 14. order of definitions


def _def_runs(body: Sequence[cst.CSTNode]) -> List[List[cst.FunctionDef]]:
    runs, current = [], []
    for stmt in body:
        if isinstance(stmt, cst.FunctionDef) and not stmt.decorators:
            current.append(stmt)
        else:
            if len(current) > 1:
                runs.append(current)
            current = []
    if len(current) > 1:
        runs.append(current)
    return runs


def _reversible(source: Source, run: List[cst.FunctionDef]) -> bool:
    names = [function.name.value for function in run]
    if len(set(names)) != len(names):
        return False
    for function in run:
        # defaults and annotations run at definition time
        for part in walk(function.params):
            if isinstance(part, cst.Name) and part.value in names and source.is_read(part):
                return False
        if function.returns is not None and any(
            isinstance(n, cst.Name) and n.value in names for n in walk(function.returns)
        ):
            return False
    return True


CONSTANT_VALUES = (cst.Integer, cst.Float, cst.SimpleString)


@transform("reorder_defs")
def reorder_defs(code: str) -> str:
    """Definitions move where that stays valid: each run of consecutive functions (module level,
    in classes, nested) is reversed, so handlers come after the code that refers to them; plain
    constants used only inside functions move below the functions that follow them."""
    source = fresh_source(code)
    edits: Dict[int, Callable] = {}
    blocks = [source.module] + [n for n in walk(source.module) if isinstance(n, cst.IndentedBlock)]
    for block in blocks:
        for run in _def_runs(block.body):
            if not _reversible(source, run):
                continue
            for original, replacement in zip(run, reversed(run)):
                leading = original.leading_lines
                edits[id(original)] = lambda _updated, r=replacement, lead=leading: r.with_changes(leading_lines=lead)
    body = list(source.module.body)
    for index, stmt in enumerate(body):
        if not (
            isinstance(stmt, cst.SimpleStatementLine)
            and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Assign)
            and len(stmt.body[0].targets) == 1
            and isinstance(stmt.body[0].targets[0].target, cst.Name)
            and isinstance(stmt.body[0].value, CONSTANT_VALUES)
        ):
            continue
        name = stmt.body[0].targets[0].target.value
        assignments = source.global_assignments(name)
        if len(assignments) != 1 or not all(source.in_function_body(r.node) for r in assignments[0].references):
            continue
        if not assignments[0].references:
            continue
        end = index + 1
        while end < len(body) and (
            (isinstance(body[end], cst.FunctionDef) and not body[end].decorators)
            or (
                isinstance(body[end], cst.SimpleStatementLine)
                and isinstance(body[end].body[0], (cst.Import, cst.ImportFrom))
            )
        ):
            end += 1
        if end == index + 1 or not any(isinstance(s, cst.FunctionDef) for s in body[index + 1 : end]):
            continue
        moved = stmt.with_changes(leading_lines=[cst.EmptyLine(indent=False)] * 2)
        edits[id(stmt)] = lambda updated: cst.RemoveFromParent()
        _chain(edits, body[end - 1], insert_after([moved]))
    if not edits:
        raise NotApplicable("nothing to reorder")
    return rewrite(source.module, edits)


# --------------------------------------------------------------------------- 2. a class, a subclass

STATE_FACTORIES = ("threading.Event", "list", "dict", "set")


def _state_value(value: cst.BaseExpression) -> bool:
    """State that can be created later without anyone noticing: empty containers, events, flags."""
    if isinstance(value, cst.Call) and not value.args and dotted(value.func) in STATE_FACTORIES:
        return True
    if isinstance(value, (cst.List, cst.Dict, cst.Set)) and not value.elements:
        return True
    return isinstance(value, cst.Name) and value.value in ("None", "True", "False")


def _into_class_edits(source: Source) -> Tuple[str, List[str], List[str], str, str]:
    """Phase one of class_client: functions get ``self``, uses of them and of the state they keep
    become ``self.x`` (inside) / ``client.x`` (outside). Returns the new code and what moves."""
    body = list(source.module.body)
    moved = [s for s in body if isinstance(s, cst.FunctionDef) and not s.decorators]
    if not moved:
        raise NotApplicable("no module-level functions")
    position = body.index(moved[0])
    for function in moved:
        if any(isinstance(n, cst.Name) and n.value == "self" for n in walk(function)):
            raise NotApplicable("already uses self")
        if any(isinstance(n, (cst.ClassDef, cst.Global, cst.Nonlocal)) for n in walk(function.body)):
            raise NotApplicable("nested class / global")
        if function.params.posonly_params or len(source.global_assignments(function.name.value)) != 1:
            raise NotApplicable("unusual function")
        for part in [*walk(function.params), *(walk(function.returns) if function.returns else [])]:
            if isinstance(part, cst.Name) and source.is_read(part):
                for assignment in source.resolve(part):
                    node = getattr(assignment, "node", None)
                    if node is not None and not isinstance(node, (cst.Import, cst.ImportFrom)):
                        if body.index(source.top_statement(node)) >= position:
                            raise NotApplicable("annotation or default defined later")
    state = []
    for stmt in body:
        if not (
            isinstance(stmt, cst.SimpleStatementLine)
            and len(stmt.body) == 1
            and isinstance(stmt.body[0], cst.Assign)
            and len(stmt.body[0].targets) == 1
            and isinstance(stmt.body[0].targets[0].target, cst.Name)
            and _state_value(stmt.body[0].value)
        ):
            continue
        name = stmt.body[0].targets[0].target.value
        assignments = source.global_assignments(name)
        if len(assignments) != 1 or not assignments[0].references:
            continue
        if any(isinstance(n, cst.Global) and any(i.name.value == name for i in n.names) for n in walk(source.module)):
            continue
        if not all(
            source.in_function_body(r.node) or body.index(source.top_statement(r.node)) > position
            for r in assignments[0].references
        ):
            continue
        if not any(any(source.inside(r.node, f) for f in moved) for r in assignments[0].references):
            continue
        state.append(name)
    cls, instance = source.fresh("Client"), source.fresh("client")
    edits: Dict[int, Callable] = {}
    targets = [*(f.name.value for f in moved), *state]
    for name in targets:
        for reference in source.global_assignments(name)[0].references:
            node = reference.node
            if not isinstance(node, cst.Name):
                raise NotApplicable("string reference")
            inside = any(source.inside(node, f) for f in moved)
            if not inside and not source.in_function_body(node) and body.index(source.top_statement(node)) < position:
                raise NotApplicable("used before the class would exist")
            owner = "self" if inside else instance
            edits[id(node)] = replace_with(cst.Attribute(value=cst.Name(owner), attr=cst.Name(name)))
    for function in moved:
        edits[id(function.params)] = lambda updated: updated.with_changes(
            params=[cst.Param(cst.Name("self")), *updated.params]
        )
    return rewrite(source.module, edits), [f.name.value for f in moved], state, cls, instance


def _class_client(code: str) -> str:
    source = fresh_source(code)
    phase_one, moved_names, state, cls, instance = _into_class_edits(source)
    source = fresh_source(phase_one)
    body = list(source.module.body)
    moved = [s for s in body if isinstance(s, cst.FunctionDef) and not s.decorators and s.name.value in moved_names]
    state_lines = {
        s.body[0].targets[0].target.value: s
        for s in body
        if isinstance(s, cst.SimpleStatementLine)
        and isinstance(s.body[0], cst.Assign)
        and isinstance(s.body[0].targets[0].target, cst.Name)
        and s.body[0].targets[0].target.value in state
    }
    methods: List[cst.BaseStatement] = []
    if state:
        init = "def __init__(self):\n" + "".join(
            f"    self.{name} = {source.code_for(state_lines[name].body[0].value).strip()}\n" for name in state
        )
        methods.append(statement(init))
    methods.extend(moved)
    methods = [m.with_changes(leading_lines=[cst.EmptyLine(indent=False)] if i else []) for i, m in enumerate(methods)]
    class_def = statement(f"class {cls}:\n    pass\n").with_changes(leading_lines=moved[0].leading_lines)
    class_def = class_def.with_changes(body=class_def.body.with_changes(body=methods))
    create = statement(f"{instance} = {cls}()\n").with_changes(leading_lines=[cst.EmptyLine(indent=False)] * 2)
    edits: Dict[int, Callable] = {id(moved[0]): replace_with(cst.FlattenSentinel([class_def, create]))}
    for stmt in [*moved[1:], *state_lines.values()]:
        edits[id(stmt)] = remove
    return rewrite(source.module, edits)


@transform("class_client")
def class_client(code: str) -> str:
    """The module-level functions become methods of a class (``self`` first; calls and callbacks
    go through ``self.x`` inside, ``client.x`` outside), and the state they share (events, lists,
    flags) moves onto ``self``; ``client = Client()`` is created where the first function was."""
    return _class_client(code)


def _handler_method(cls: cst.ClassDef) -> Optional[cst.FunctionDef]:
    for stmt in cls.body.body:
        if not isinstance(stmt, cst.FunctionDef) or stmt.decorators or not stmt.params.params:
            continue
        nodes = list(walk(stmt.body))
        if any(isinstance(n, cst.Name) and n.value in ("super", "__class__") for n in nodes):
            continue
        if any(isinstance(n, cst.Attribute) and n.attr.value.startswith("__") for n in nodes):
            continue
        if any(
            (isinstance(n, cst.Call) and dotted(n.func).endswith("loads"))
            or (isinstance(n, cst.SimpleString) and string_value(n) in V2_MESSAGE_TYPES)
            or (isinstance(n, (cst.Name, cst.Attribute)) and dotted(n).endswith("RealtimeFinalTranscript"))
            for n in nodes
        ):
            return stmt
    return None


def _subclass(code: str) -> Optional[str]:
    source = fresh_source(code)
    for cls in source.module.body:
        if not isinstance(cls, cst.ClassDef) or cls.decorators or cls.keywords:
            continue
        handler = _handler_method(cls)
        assignments = source.global_assignments(cls.name.value)
        if handler is None or len(assignments) != 1:
            continue
        outside = [r.node for r in assignments[0].references if not source.inside(r.node, cls)]
        if not outside or not all(
            isinstance(node, cst.Name)
            and isinstance(source.parent(node), cst.Call)
            and source.parent(node).func is node
            for node in outside
        ):
            continue
        sub = source.fresh(f"My{cls.name.value}")
        stub_body = [*handler.body.body[: body_start(handler)], statement("raise NotImplementedError\n")]
        stub = handler.with_changes(body=handler.body.with_changes(body=stub_body))
        subclass = statement(f"class {sub}({cls.name.value}):\n    pass\n").with_changes(
            leading_lines=[cst.EmptyLine(indent=False)] * 2
        )
        subclass = subclass.with_changes(body=subclass.body.with_changes(body=[handler.with_changes(leading_lines=[])]))
        edits: Dict[int, Callable] = {
            id(handler): replace_with(stub),
            id(cls): insert_after([subclass]),
        }
        for node in outside:
            edits[id(node)] = replace_with(cst.Name(sub))
        return rewrite(source.module, edits)
    return None


@transform("subclass_handler")
def subclass_handler(code: str) -> str:
    """The class that handles messages (the script's own, or the one class_client makes) gets a
    subclass that overrides the handler; the base keeps a stub; the script creates the subclass."""
    result = _subclass(code)
    if result is None:
        result = _subclass(_class_client(code))
    if result is None:
        raise NotApplicable("no handler class")
    return result


# --------------------------------------------------------------------------- command line


def variant_filename(variant: Variant) -> str:
    return variant.id.replace("/", "__").replace(":", "__") + ".py"


def find_variant(variant_id: str) -> Variant:
    for variant in all_variants():
        if variant.id == variant_id:
            return variant
    raise KeyError(variant_id)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.variants.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", metavar="DIR", help="write every variant (and its migration, *.migrated.py) to DIR")
    parser.add_argument("--show", metavar="ID", help="print one variant's source")
    parser.add_argument("--diff", metavar="ID", help="print one variant as a diff against its fixture")
    args = parser.parse_args(argv)
    if args.show or args.diff:
        variant = find_variant(args.show or args.diff)
        if args.show:
            sys.stdout.write(variant.source)
        else:
            import difflib

            sys.stdout.writelines(
                difflib.unified_diff(
                    variant.case.source.splitlines(True),
                    variant.source.splitlines(True),
                    f"{variant.case.id}/input.py",
                    variant.id,
                )
            )
        return 0
    variants = all_variants()
    if args.write:
        from migrator import migrate_source

        out = Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        for variant in variants:
            (out / variant_filename(variant)).write_text(variant.source)
            try:
                migrated = migrate_source(variant.source, path=variant.id).code
            except Exception as error:  # noqa: BLE001 - reported, not hidden
                migrated = f"# migrate_source failed: {error}\n"
            (out / variant_filename(variant).replace(".py", ".migrated.py")).write_text(migrated)
    for variant in variants:
        print(variant.id)
    print(f"{len(variants)} variants ({sum(v.runnable for v in variants)} runnable)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
