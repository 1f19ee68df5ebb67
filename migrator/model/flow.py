"""Building the value model: one walk records bindings, calls and returns; a fixed-point
solve then flows roles through them.

The walk turns every place a value moves into a *constraint* ``slot <- expression``:
assignments of every form, loop, ``with``, walrus and ``match`` targets, returns and
yields, container elements, queue puts, attribute stores. Calls are kept whole: once the
callee is known (a function, a bound method, a lambda, a ``functools.partial``, a class, a
thread target, a websocket callback) its arguments flow into the callee's parameters. The
solve evaluates every constraint's expression against the current slots and repeats until
nothing grows. Evaluation (:meth:`FlowSolver.value`) is where libraries' semantics live:
what ``json.loads`` of a received frame is, what ``websockets.connect`` returns, what
reading a pyaudio stream gives.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from migrator import walk
from migrator.model.scopes import CLASS, COMPREHENSION, FUNCTION, LAMBDA, MODULE, Scope
from migrator.syntax import string_value


class FunctionInfo:
    __slots__ = ("node", "scope", "params", "vararg", "kwarg", "decorators", "is_generator", "owner")

    def __init__(self, node, scope: Scope, owner: Optional[Scope]) -> None:
        self.node = node
        self.scope = scope
        #: Positional-or-keyword parameter names, in order, and their annotations.
        self.params: list = []
        self.vararg: Optional[str] = None
        self.kwarg: Optional[str] = None
        self.decorators: tuple = ()
        self.is_generator = False
        #: The class scope when this is a method.
        self.owner = owner

    @property
    def kind(self) -> str:
        names = {d for d in self.decorators}
        if "staticmethod" in names:
            return "static"
        if "classmethod" in names:
            return "class"
        return "method" if self.owner is not None else "function"


class ClassInfo:
    __slots__ = ("node", "scope", "bases", "outer")

    def __init__(self, node: cst.ClassDef, scope: Scope, outer: Scope) -> None:
        self.node = node
        self.scope = scope
        self.bases = [arg.value for arg in node.bases if arg.keyword is None]
        self.outer = outer


class ModelWalk:
    """The one walk over a module: scopes, bindings and constraints."""

    def __init__(self) -> None:
        self.scope_stack: list = []
        #: id(Name) -> the scope it is read or bound in.
        self.name_scope: dict = {}
        #: Every Name node, and the ids of those that bind rather than read.
        self.names: list = []
        self.binding_names: set = set()
        #: ids of the Names that neither bind nor read: attribute names, call keywords.
        self.label_names: set = set()
        #: (target, expression, path): the target slot or store receives the
        #: expression's value after ``path`` (("iter",), ("index", i), ("key", "k")...).
        self.constraints: list = []
        self.calls: list = []  # every Call, in the file's order
        self.functions: dict = {}  # id(def or lambda) -> FunctionInfo
        self.classes: dict = {}  # id(ClassDef) -> ClassInfo
        #: id(literal container) -> its element expressions, for unpacking by position.
        self.literal_elements: dict = {}
        #: id(Dict literal) -> {string key: value expression}, and the literal itself.
        self.literal_keys: dict = {}
        self.dicts: dict = {}
        self.scopes: dict = {}  # id(scope node) -> Scope
        self.module: Optional[Scope] = None

    # --- the walk ----------------------------------------------------------------------------
    def run(self, module: cst.Module) -> None:
        self.module = self._push(module, MODULE)
        walk.visit(module, self.on_visit, self.on_leave)

    def _push(self, node, kind: str) -> Scope:
        scope = Scope(node, kind, self.scope_stack[-1] if self.scope_stack else None)
        self.scope_stack.append(scope)
        self.scopes[id(node)] = scope
        return scope

    @property
    def scope(self) -> Scope:
        return self.scope_stack[-1]

    def on_visit(self, node) -> bool:
        handler = _VISIT.get(type(node))
        if handler is not None:
            handler(self, node)
        return True

    def on_leave(self, node) -> None:
        if type(node) in _SCOPE_NODES:
            self.scope_stack.pop()

    def _bind(self, name: str, scope: Optional[Scope] = None) -> tuple:
        scope = (scope or self.scope).slot_scope(name)
        scope.names.add(name)
        return ("name", scope.key, name)

    def _target(self, target, value, path: tuple = ()) -> None:
        """Record ``target <- value`` (after ``path``) for any assignment target."""
        kind = type(target)
        if kind is cst.Name:
            self.name_scope[id(target)] = self.scope
            self.binding_names.add(id(target))
            self.constraints.append((self._bind(target.value), value, path))
        elif kind in (cst.Tuple, cst.List):
            for index, element in enumerate(target.elements):
                if type(element) is cst.StarredElement:
                    self._target(element.value, value, (*path, ("star",)))
                else:
                    self._target(element.value, value, (*path, ("index", index)))
        elif kind is cst.Attribute:
            self.constraints.append((("attrset", target.value, target.attr.value), value, path))
        elif kind is cst.Subscript:
            self.constraints.append((("itemset", target.value), value, path))
        elif kind is cst.StarredElement:
            self._target(target.value, value, (*path, ("star",)))

    # --- node handlers -------------------------------------------------------------------------
    def visit_Name(self, node: cst.Name) -> None:
        self.name_scope.setdefault(id(node), self.scope)
        self.names.append(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self.scope
        self.constraints.append((self._bind(node.name.value), node, ()))
        self.name_scope[id(node.name)] = outer
        self.binding_names.add(id(node.name))
        scope = self._push(node, FUNCTION)
        info = FunctionInfo(node, scope, outer if outer.kind == CLASS else None)
        info.decorators = tuple(_decorator_name(decorator.decorator) for decorator in node.decorators)
        self._parameters(info, node.params)
        self.functions[id(node)] = info

    def visit_Lambda(self, node: cst.Lambda) -> None:
        scope = self._push(node, LAMBDA)
        info = FunctionInfo(node, scope, None)
        self._parameters(info, node.params)
        self.functions[id(node)] = info
        self.constraints.append((("return", id(node)), node.body, ()))

    def _parameters(self, info: FunctionInfo, params: cst.Parameters) -> None:
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = param.name.value
            info.scope.names.add(name)
            info.params.append((name, param.annotation.annotation if param.annotation else None, param.default))
            if param in params.kwonly_params:
                info.params[-1] = (name, info.params[-1][1], info.params[-1][2], "kwonly")
        if isinstance(params.star_arg, cst.Param):
            info.vararg = params.star_arg.name.value
            info.scope.names.add(info.vararg)
        if params.star_kwarg is not None:
            info.kwarg = params.star_kwarg.name.value
            info.scope.names.add(info.kwarg)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        outer = self.scope
        self.constraints.append((self._bind(node.name.value), node, ()))
        self.name_scope[id(node.name)] = outer
        self.binding_names.add(id(node.name))
        scope = self._push(node, CLASS)
        self.classes[id(node)] = ClassInfo(node, scope, outer)

    def visit_comprehension(self, node) -> None:
        self._push(node, COMPREHENSION)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._target(node.target, node.iter, (("iter",),))

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._target(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target, node.value)
        elif type(node.target) is cst.Name:
            self._bind(node.target.value)
        # what the annotation says the target holds (a client, a connection, an event)
        self._target(node.target, ("annotation", node.annotation.annotation, self.scope))

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target, node.value)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        scope = self.scope
        while scope.kind == COMPREHENSION and scope.parent is not None:
            scope = scope.parent  # a walrus in a comprehension binds in the enclosing scope
        if type(node.target) is cst.Name:
            self.name_scope[id(node.target)] = scope
            self.constraints.append((self._bind(node.target.value, scope), node.value, ()))

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target, node.iter, (("iter",),))

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None:
            self._target(node.asname.name, node.item)

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        if node.name is not None and type(node.name.name) is cst.Name:
            self._bind(node.name.name.value)

    def _import_labels(self, node) -> None:
        """The names an import statement spells (modules, imported names, aliases) are not reads."""
        stack = [node]
        while stack:
            current = stack.pop()
            if type(current) is cst.Name:
                self.label_names.add(id(current))
            else:
                stack.extend(current.children)

    def visit_Import(self, node: cst.Import) -> None:
        self._import_labels(node)
        for alias in node.names:
            module = _dotted(alias.name)
            if alias.asname is not None:
                local, qualified = alias.asname.name.value, module
            else:
                local = qualified = module.split(".")[0]
            self.constraints.append((self._bind(local), ("qualified", qualified), ()))

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._import_labels(node)
        if node.module is None or type(node.names) is cst.ImportStar:
            return
        module = "." * len(node.relative) + _dotted(node.module)
        for alias in node.names:
            name = _dotted(alias.name)
            local = alias.asname.name.value if alias.asname is not None else name
            self.constraints.append((self._bind(local), ("qualified", f"{module}.{name}"), ()))

    def visit_Global(self, node: cst.Global) -> None:
        self.scope.globals.update(item.name.value for item in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.scope.nonlocals.update(item.name.value for item in node.names)

    def _function_scope(self) -> Optional[Scope]:
        for scope in reversed(self.scope_stack):
            if scope.kind in (FUNCTION, LAMBDA):
                return scope
        return None

    def visit_Return(self, node: cst.Return) -> None:
        scope = self._function_scope()
        if scope is not None and node.value is not None:
            self.constraints.append((("return", scope.key), node.value, ()))

    def visit_Yield(self, node: cst.Yield) -> None:
        scope = self._function_scope()
        if scope is None:
            return
        self.functions[scope.key].is_generator = True
        if node.value is not None and type(node.value) is not cst.From:
            self.constraints.append((("yield", scope.key), node.value, ()))

    def visit_Call(self, node: cst.Call) -> None:
        self.calls.append(node)
        for arg in node.args:
            if arg.keyword is not None:
                self.label_names.add(id(arg.keyword))

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.label_names.add(id(node.attr))

    def visit_Dict(self, node: cst.Dict) -> None:
        keys = {}
        for element in node.elements:
            if type(element) is cst.DictElement:
                self.constraints.append((("element", id(node)), element.value, ()))
                key = string_value(element.key)
                if key is not None:
                    keys[key] = element.value
        self.literal_keys[id(node)] = keys
        self.dicts[id(node)] = node

    def visit_sequence(self, node) -> None:
        elements = []
        for element in node.elements:
            if type(element) is cst.Element:
                self.constraints.append((("element", id(node)), element.value, ()))
                elements.append(element.value)
            else:
                elements.append(None)
        self.literal_elements[id(node)] = elements

    def visit_Match(self, node) -> None:
        for case in node.cases:
            self._pattern(case.pattern, node.subject, ())

    def _pattern(self, pattern, subject, path: tuple) -> None:
        kind = type(pattern)
        if kind is cst.MatchAs:
            if pattern.name is not None:
                self.constraints.append((self._bind(pattern.name.value), subject, path))
            if pattern.pattern is not None:
                self._pattern(pattern.pattern, subject, path)
        elif kind is cst.MatchMapping:
            for element in pattern.elements:
                key = string_value(element.key)
                if key is not None:
                    self._pattern(element.pattern, subject, (*path, ("key", key)))
            if pattern.rest is not None:
                self.constraints.append((self._bind(pattern.rest.value), subject, path))
        elif kind is cst.MatchOr:
            for element in pattern.patterns:
                self._pattern(element.pattern, subject, path)
        elif kind in (cst.MatchSequence, cst.MatchList, cst.MatchTuple):
            for index, element in enumerate(pattern.patterns):
                inner = element.value if hasattr(element, "value") else element
                if type(inner) is cst.MatchStar:
                    if inner.name is not None:
                        self._bind(inner.name.value)
                    continue
                self._pattern(inner, subject, (*path, ("index", index)))
        elif kind is cst.MatchClass:
            for element in pattern.kwds:
                self._pattern(element.pattern, subject, (*path, ("attribute", element.key.value)))


_SCOPE_NODES = frozenset(
    {cst.FunctionDef, cst.Lambda, cst.ClassDef, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp}
)
_VISIT = {
    cst.Name: ModelWalk.visit_Name,
    cst.FunctionDef: ModelWalk.visit_FunctionDef,
    cst.Lambda: ModelWalk.visit_Lambda,
    cst.ClassDef: ModelWalk.visit_ClassDef,
    cst.ListComp: ModelWalk.visit_comprehension,
    cst.SetComp: ModelWalk.visit_comprehension,
    cst.DictComp: ModelWalk.visit_comprehension,
    cst.GeneratorExp: ModelWalk.visit_comprehension,
    cst.CompFor: ModelWalk.visit_CompFor,
    cst.Assign: ModelWalk.visit_Assign,
    cst.AnnAssign: ModelWalk.visit_AnnAssign,
    cst.AugAssign: ModelWalk.visit_AugAssign,
    cst.NamedExpr: ModelWalk.visit_NamedExpr,
    cst.For: ModelWalk.visit_For,
    cst.WithItem: ModelWalk.visit_WithItem,
    cst.ExceptHandler: ModelWalk.visit_ExceptHandler,
    cst.Import: ModelWalk.visit_Import,
    cst.ImportFrom: ModelWalk.visit_ImportFrom,
    cst.Global: ModelWalk.visit_Global,
    cst.Nonlocal: ModelWalk.visit_Nonlocal,
    cst.Return: ModelWalk.visit_Return,
    cst.Yield: ModelWalk.visit_Yield,
    cst.Call: ModelWalk.visit_Call,
    cst.Attribute: ModelWalk.visit_Attribute,
    cst.Dict: ModelWalk.visit_Dict,
    cst.List: ModelWalk.visit_sequence,
    cst.Tuple: ModelWalk.visit_sequence,
    cst.Set: ModelWalk.visit_sequence,
}
if hasattr(cst, "Match"):
    _VISIT[cst.Match] = ModelWalk.visit_Match


def _dotted(node) -> str:
    if type(node) is cst.Name:
        return node.value
    if type(node) is cst.Attribute:
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _decorator_name(node) -> str:
    if type(node) is cst.Call:
        node = node.func
    return _dotted(node)
