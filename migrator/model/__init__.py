"""The value model: what each value in a file *is*, built once per file, read by every rule.

A file is walked once (:class:`~migrator.model.flow.ModelWalk`) into scopes, bindings and
constraints, then solved to a fixed point (:class:`~migrator.model.solver.FlowSolver`), so
that roles (a connection and its library, a server message, its type, its transcript, an
audio chunk, its base64 text, a JSON audio payload) flow through assignments of every
form, calls and returns, ``self`` attributes across methods and subclasses, containers
used as dispatch tables, queues, ``functools.partial``, lambdas, thread targets and
websocket callbacks. Rules ask questions (:meth:`ValueModel.socket_libraries`,
:meth:`ValueModel.is_message`...); none finds values on its own.

Where the flow leaves the file or cannot be followed, a value has no role: the model says
"unknown" rather than guess, and rules then leave the code alone or note it.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from migrator.model import roles
from migrator.model.flow import ModelWalk
from migrator.model.libraries import CONNECTORS, JSON_LOADS
from migrator.model.solver import FlowSolver
from migrator.syntax import container_of, key_of

_IMPORTED_LIBRARIES = {"websocket": roles.WEBSOCKET_CLIENT, "websockets": roles.WEBSOCKETS, "aiohttp": roles.AIOHTTP}

__all__ = ["ValueModel", "build", "roles"]


class ValueModel:
    def __init__(self, module: cst.Module) -> None:
        self.walk = ModelWalk()
        self.walk.run(module)
        self.solver = FlowSolver(self.walk)
        self.solver.solve()
        self._names: Optional[set] = None
        self._call_graph: Optional[dict] = None
        self._names_in: dict = {}

    # --- what an expression is -------------------------------------------------------------------
    def tags(self, node) -> frozenset:
        """Every tag the expression may have (see :mod:`migrator.model.roles`)."""
        return self.solver.value(node)

    def has_role(self, node, kind: str) -> bool:
        return any(tag[0] == kind for tag in self.solver.value(node))

    def socket_libraries(self, node) -> frozenset:
        """The websocket libraries the connection ``node`` may belong to (empty: not a socket,
        or unknown). More than one means the model cannot tell which."""
        return frozenset(tag[1] for tag in self.solver.value(node) if tag[0] == roles.SOCKET)

    def connections_made_at(self, node) -> list:
        """The calls that made the connection(s) ``node`` may be, in the file's order."""
        sites = {tag[2] for tag in self.solver.value(node) if tag[0] == roles.SOCKET and tag[2] is not None}
        return [self.solver.sites[site] for site in sites if site in self.solver.sites]

    def microphone_opened_by(self, node) -> Optional[cst.Call]:
        """The one pyaudio ``open(...)`` call the stream ``node`` comes from, else None."""
        sites = {tag[1] for tag in self.solver.value(node) if tag[0] == roles.MICROPHONE}
        return self.solver.sites.get(next(iter(sites))) if len(sites) == 1 else None

    def sdk_clients_made_at(self, node) -> list:
        """The constructor calls of the SDK client(s) ``node`` may be (v2 ``RealtimeTranscriber``
        or v3 ``StreamingClient``), however the client reached ``node``."""
        sites = {tag[2] for tag in self.solver.value(node) if tag[0] == roles.SDK_CLIENT and tag[2] is not None}
        return [self.solver.sites[site] for site in sites if site in self.solver.sites]

    def sdk_clients(self, node) -> list:
        """(version, constructor call or None) for each SDK client ``node`` may be; None when
        only an annotation or an ``isinstance`` test says it is one."""
        return [
            (tag[1], self.solver.sites.get(tag[2]) if tag[2] is not None else None)
            for tag in self.solver.value(node)
            if tag[0] == roles.SDK_CLIENT
        ]

    def clients_made(self) -> list:
        """(what, call) for every connection and SDK client the file makes, in no set order:
        ``what`` is the socket library, or ``"sdk-v2"``/``"sdk-v3"``. Relay-server sockets (a
        browser's or phone line's) are not clients and are left out."""
        found = []
        for call in self.solver.sites.values():
            for tag in self.solver.value(call):
                if tag[0] == roles.SOCKET and tag[1] != roles.RELAY_SERVER and tag[2] == id(call):
                    found.append((tag[1], call))
                elif tag[0] == roles.SDK_CLIENT and tag[2] == id(call):
                    found.append((f"sdk-v{tag[1]}", call))
        return found

    def sdk_event(self, node) -> Optional[str]:
        """The one v3 event (``"Turn"``, ``"Begin"``...) whose object ``node`` holds: what the
        SDK hands a callback registered for it, however it got there, or what an annotation or
        ``isinstance`` test says a parameter is; None when it is not one, or may be several."""
        events = {tag[1] for tag in self.solver.value(node) if tag[0] == roles.SDK_EVENT}
        return next(iter(events)) if len(events) == 1 else None

    def callables(self, node) -> list:
        """(def or lambda node, positional arguments already bound) for each function of this
        file ``node`` may be: a name, a bound method (``self`` counts as bound), a lambda, a
        ``functools.partial``, whatever variable or container it went through."""
        return [
            (self.walk.functions[tag[1]].node, tag[2])
            for tag in self.solver.value(node)
            if tag[0] == roles.FUNCTION and tag[1] in self.walk.functions
        ]

    def socket_library(self, node) -> Optional[str]:
        """The one library of a connection, or None when it is not known for sure."""
        libraries = self.socket_libraries(node)
        return next(iter(libraries)) if len(libraries) == 1 else None

    def connection_opened_by(self, call: cst.Call) -> Optional[str]:
        """The library of the connection ``call`` opens (``websockets.connect(...)``,
        ``WebSocketApp(...)``, ``session.ws_connect(...)``...) or would open later when it is
        a ``functools.partial`` of such a function; None for any other call."""
        if type(call) is not cst.Call:
            return None
        value = self.solver.value(call)
        libraries = {tag[1] for tag in value if tag[0] == roles.SOCKET} or {
            CONNECTORS[tag[1]] for tag in value if tag[0] == roles.FACTORY and tag[1] in CONNECTORS
        }
        return next(iter(libraries)) if len(libraries) == 1 else None

    def imports_module(self, module: str) -> bool:
        """Whether the file imports ``module`` or anything from it, anywhere."""
        prefix = module + "."
        return any(
            type(expression) is tuple
            and expression[0] == "qualified"
            and (expression[1] == module or expression[1].startswith(prefix))
            for _, expression, _ in self.walk.constraints
        )

    def imported_libraries(self) -> frozenset:
        """The websocket libraries the file imports (any import form, at any depth): the
        evidence left when a connection comes from outside the file."""
        found = set()
        for _, expression, _ in self.walk.constraints:
            if type(expression) is tuple and expression[0] == "qualified":
                top = expression[1].split(".")[0]
                library = _IMPORTED_LIBRARIES.get(top)
                if library is not None:
                    found.add(library)
        return frozenset(found)

    def is_message(self, node) -> bool:
        """A decoded server message (a mapping parsed from a frame of the socket)."""
        return self.has_role(node, roles.MESSAGE)

    def decodes_message(self, node) -> bool:
        """``json.loads(...)`` (under any import form) that yields a server message."""
        return type(node) is cst.Call and self.qualified_name(node.func) in JSON_LOADS and self.is_message(node)

    def message_read(self, access):
        """For ``m["k"]`` or ``m.get("k", ...)`` where ``m`` is a server message: ``m``."""
        container = container_of(access)
        if container is not None and key_of(access) is not None and self.is_message(container):
            return container
        return None

    def is_received_frame(self, node) -> bool:
        """Text received from a connection to the service, not decoded yet."""
        return any(tag[0] == roles.RAW_MESSAGE and tag[1] != roles.RELAY_SERVER for tag in self.solver.value(node))

    def is_message_type(self, node) -> bool:
        return self.has_role(node, roles.MESSAGE_TYPE)

    def message_holding_type(self, node):
        """For an expression holding a message's type, a name (valid where ``node`` is) that
        holds the message itself, so a rewrite can read more of its fields; else None."""
        for tag in self.solver.value(node):
            if tag[0] != roles.MESSAGE_TYPE or tag[1] is None:
                continue
            slot = tag[1]
            name = slot[2]
            scope = self.solver.scope_of(node)
            owner = scope.resolve(name)
            if owner is not None and ("name", owner.key, name) == slot:
                return cst.Name(name)
        return None

    def is_transcript(self, node) -> bool:
        return self.has_role(node, roles.TRANSCRIPT)

    def is_audio(self, node) -> bool:
        return self.has_role(node, roles.AUDIO)

    def is_base64_audio(self, node) -> bool:
        return self.has_role(node, roles.BASE64_AUDIO)

    def is_audio_payload(self, node) -> bool:
        return self.has_role(node, roles.AUDIO_PAYLOAD)

    def is_audio_json(self, node) -> bool:
        return self.has_role(node, roles.AUDIO_JSON)

    def qualified_name(self, node) -> Optional[str]:
        """``json.loads`` for ``json.loads``, ``loads`` (imported from json), ``j.loads``..."""
        names = {tag[1] for tag in self.solver.value(node) if tag[0] == roles.QUALIFIED}
        return next(iter(names)) if len(names) == 1 else None

    def subclasses_of(self, class_node: cst.ClassDef) -> list:
        """The classes of this file that derive from ``class_node`` (at any depth)."""
        family = self.solver._family(id(class_node))
        return [self.walk.classes[key].node for key in family[1:] if key in self.walk.classes]

    def dict_literals(self, node) -> list:
        """The dict literals of this file ``node`` may be (a dispatch table, a payload...)."""
        found = [tag[1] for tag in self.solver.value(node) if tag[0] == roles.CONTAINER]
        return [self.walk.dicts[key] for key in found if key in self.walk.dicts]

    def names_used(self) -> set:
        """Every name the file writes, bound or read, anywhere."""
        if self._names is None:
            self._names = {name.value for name in self.walk.names}
        return self._names

    def unused_name(self, wanted: str) -> str:
        """``wanted``, or ``wanted_2``... when the file already uses that name for anything."""
        used = self.names_used()
        name, number = wanted, 1
        while name in used:
            number += 1
            name = f"{wanted}_{number}"
        return name

    def references(self, name: cst.Name) -> int:
        """How many times the binding ``name`` makes (or reads) is read in the file."""
        slot = self.solver.slot_of(name)
        if slot is None:
            return 0
        bindings, labels = self.walk.binding_names, self.walk.label_names
        return sum(
            1
            for other in self.walk.names
            if other.value == name.value
            and id(other) not in bindings
            and id(other) not in labels
            and self.solver.slot_of(other) == slot
        )

    def calls_of(self, callee) -> list:
        """The calls of this file that run ``callee`` (a ``def`` or lambda, followed through
        any variable, attribute or container), or that call a ``functools.partial(...)`` call
        ``callee``; in the file's order."""
        wanted = id(callee)
        return [
            call
            for call in self.walk.calls
            if any(
                (tag[0] == roles.FUNCTION and tag[1] == wanted) or (tag[0] == roles.FACTORY and tag[2] == wanted)
                for tag in self.solver.value(call.func)
            )
        ]

    def returns_sdk_client_made_at(self, function, call: cst.Call) -> bool:
        """Whether ``function`` may return the SDK client ``call`` makes (``return
        RealtimeTranscriber(...)``, or a variable holding it)."""
        returned = self.solver.slots.get(("return", id(function)), frozenset())
        return any(tag[0] == roles.SDK_CLIENT and tag[2] == id(call) for tag in returned)

    def is_returned(self, expression) -> bool:
        """Whether ``return <expression>`` returns this very expression from its function."""
        return any(
            expression is value and type(target) is tuple and target[0] == "return"
            for target, value, _ in self.walk.constraints
        )

    def arguments_bound(self, call: cst.Call, function) -> Optional[dict]:
        """``{parameter: argument expression}`` for the parameters of ``function`` (a ``def`` or
        lambda of this file) that ``call`` passes, a parameter it leaves out getting its
        default expression; None when the call may run something else, passes ``*args`` or
        ``**kwargs``, or passes what the function does not take."""
        info = self.walk.functions.get(id(function))
        offsets = {
            tag[2] for tag in self.solver.value(call.func) if tag[0] == roles.FUNCTION and tag[1] == id(function)
        }
        if info is None or len(offsets) != 1 or any(arg.star for arg in call.args):
            return None
        positional = [param for param in info.params if len(param) == 3]
        bound = {}
        offset = next(iter(offsets))
        arguments = [arg for arg in call.args if arg.keyword is None]
        if offset + len(arguments) > len(positional):
            return None
        for param, arg in zip(positional[offset:], arguments):
            bound[param[0]] = arg.value
        names = {param[0] for param in info.params}
        for arg in call.args:
            if arg.keyword is not None:
                if arg.keyword.value not in names or arg.keyword.value in bound:
                    return None
                bound[arg.keyword.value] = arg.value
        for param in info.params[offset:]:
            if param[0] not in bound:
                if param[2] is None:
                    return None
                bound[param[0]] = param[2]
        return bound

    def means_the_same_at(self, expression, place) -> bool:
        """Whether ``expression`` (a literal, a name, or attributes of a name) read where
        ``place`` is would give what it gives where it is: its name resolves to the same
        binding from both places, and that binding is made at most once (a parameter, a
        constant, a variable assigned once). Attributes are taken to keep their values."""
        root = expression
        while type(root) is cst.Attribute:
            root = root.value
        if type(root) in (cst.Integer, cst.Float, cst.SimpleString) and root is expression:
            return True
        if type(root) is not cst.Name:
            return False
        name = root.value
        here, there = self.solver.scope_of(root), self.solver.scope_of(place)
        owner = here.resolve(name)
        if owner is not there.resolve(name):
            return False
        if owner is None:
            return True  # a builtin
        slot = ("name", owner.key, name)
        info = self.walk.functions.get(owner.key)
        parameter = info is not None and (name in (info.vararg, info.kwarg) or any(p[0] == name for p in info.params))
        assignments = sum(
            1
            for target, value, _ in self.walk.constraints
            if target == slot and not (type(value) is tuple and value[0] == "annotation")
        )
        return parameter + assignments <= 1

    def run_from(self, functions) -> set:
        """ids of the ``def``s and lambdas of this file that run when ``functions`` run: those
        nodes themselves and, transitively, every one their calls may run."""
        if self._call_graph is None:
            graph: dict = {}
            for call in self.walk.calls:
                caller = self.solver.scope_of(call).enclosing_function()
                if caller is not None:
                    graph.setdefault(caller.key, set()).update(id(node) for node in self.functions_called(call))
            self._call_graph = graph
        seen = {id(node) for node in functions}
        todo = list(seen)
        while todo:
            for following in self._call_graph.get(todo.pop(), ()):
                if following not in seen:
                    seen.add(following)
                    todo.append(following)
        return seen

    def function_info(self, node):
        """What the walk recorded of a ``def`` or lambda of this file (parameters, owner class,
        the scope and the names bound in it), or None."""
        return self.walk.functions.get(id(node))

    def names_in(self, node) -> frozenset:
        """Every name written inside ``node`` (bound or read, nested scopes included): what a
        name made up for code written there must not be."""
        found = self._names_in.get(id(node))
        if found is None:
            found = self._names_in[id(node)] = frozenset(
                name.value for name in self.walk.names if _inside(self.walk.name_scope.get(id(name)), node)
            )
        return found

    def functions_called(self, call: cst.Call) -> list:
        """The ``def``s and lambdas of this file a call may run."""
        return [
            self.walk.functions[tag[1]].node
            for tag in self.solver.value(call.func)
            if tag[0] == roles.FUNCTION and tag[1] in self.walk.functions
        ]


def module_names_read(module: cst.Module) -> set:
    """The names a module's code reads from its module-level bindings (or builtins), outside
    import statements: a read of a function's own local of the same name does not count.
    Scopes only, no roles: for deciding which imports a rewritten module still needs."""
    walk = ModelWalk()
    walk.run(module)
    found = set()
    skipped = walk.binding_names | walk.label_names
    for name in walk.names:
        if id(name) in skipped or name.value in found:
            continue
        scope = walk.name_scope.get(id(name), walk.module)
        owner = scope.resolve(name.value)
        if owner is None or owner is walk.module:
            found.add(name.value)
    return found


def _inside(scope, node) -> bool:
    while scope is not None:
        if scope.node is node:
            return True
        scope = scope.parent
    return False


def build(module: cst.Module) -> ValueModel:
    return ValueModel(module)
