"""Lexical scopes and the names bound in them, as Python resolves them.

One :class:`Scope` per module, class, function, lambda and comprehension. A name read in
a scope resolves outward (LEGB), skipping class bodies other than the reader's own, and
honouring ``global``/``nonlocal``. Bindings are flow-insensitive: everything a name is
bound to anywhere in its scope is what it may hold.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

MODULE, CLASS, FUNCTION, LAMBDA, COMPREHENSION = "module", "class", "function", "lambda", "comprehension"


class Scope:
    __slots__ = ("node", "kind", "parent", "names", "globals", "nonlocals", "key")

    def __init__(self, node: cst.CSTNode, kind: str, parent: Optional[Scope]) -> None:
        self.node = node
        self.kind = kind
        self.parent = parent
        #: Names bound here (assigned, imported, defined, parameters, loop targets).
        self.names: set = set()
        self.globals: set = set()
        self.nonlocals: set = set()
        self.key = id(node)

    def slot_scope(self, name: str) -> Scope:
        """The scope a binding of ``name`` made here lands in."""
        if name in self.globals:
            return self.module()
        if name in self.nonlocals:
            scope = self.parent
            while scope is not None and (scope.kind == CLASS or name not in scope.names):
                scope = scope.parent
            return scope or self.module()
        return self

    def resolve(self, name: str) -> Optional[Scope]:
        """The scope whose binding of ``name`` a read here sees, or None (builtins, unknown)."""
        if name in self.globals:
            module = self.module()
            return module if name in module.names else None
        scope: Optional[Scope] = self
        first = True
        while scope is not None:
            if (first or scope.kind != CLASS) and name in scope.names and name not in scope.nonlocals:
                return scope
            if name in scope.nonlocals:
                scope = scope.parent
                first = False
                continue
            first = False
            scope = scope.parent
        return None

    def module(self) -> Scope:
        scope = self
        while scope.parent is not None:
            scope = scope.parent
        return scope

    def enclosing_function(self) -> Optional[Scope]:
        scope: Optional[Scope] = self
        while scope is not None and scope.kind not in (FUNCTION, LAMBDA):
            scope = scope.parent
        return scope

    def enclosing_class(self) -> Optional[Scope]:
        """The class whose method this scope is (or is nested in), if any."""
        scope: Optional[Scope] = self
        while scope is not None:
            if scope.kind == CLASS:
                return scope
            scope = scope.parent
        return None

    def __repr__(self) -> str:
        name = getattr(getattr(self.node, "name", None), "value", "")
        return f"<Scope {self.kind} {name}>"
