"""Solving the value model: evaluate every constraint until no slot grows.

:meth:`FlowSolver.value` says what an expression may be, given what the slots hold; this
is where each library's semantics are written down, once for every rule.
"""

from __future__ import annotations

import re
from typing import Optional

import libcst as cst

from migrator import walk
from migrator.model import roles as r
from migrator.model.audio import is_audio_open
from migrator.model.flow import ModelWalk
from migrator.model.libraries import (
    BASE64_ENCODERS,
    BUILTIN_NAMES,
    CALLBACK_ARGUMENTS,
    CONNECTORS,
    CONTAINER_FACTORIES,
    EMPTY,
    GET_METHODS,
    IMPORTED_WHEN_MISSING,
    JSON_DUMPS,
    JSON_LOADS,
    METHODS_OF_ONE_LIBRARY,
    NOT_A_MESSAGE,
    PUT_METHODS,
    SDK_CALLBACKS,
    SDK_CLIENTS,
    SDK_EVENT_ENUMS,
    SDK_EVENT_TYPES,
    SOCKET_ANNOTATIONS,
)
from migrator.model.scopes import Scope
from migrator.syntax import string_value

#: Keys of a v2 message and the role of the value they hold.
_KEY_ROLES = {"message_type": r.MESSAGE_TYPE, "type": r.MESSAGE_TYPE, "text": r.TRANSCRIPT, "transcript": r.TRANSCRIPT}
_MAX_ROUNDS = 25
_DOTTED_WORD = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_MAX_DEPTH = 40
#: The most parts a qualified name the model reads has (``assemblyai.streaming.v3.client.
#: StreamingClient``). Longer ones come from following attributes round a loop (``exc =
#: exc.__context__`` makes ``sys.last_value.__context__.__context__...``, one part more on
#: every round, and one name more per branch): nothing looks them up, so they are not made.
_MAX_QUALIFIED_PARTS = 6
#: Receiving on a socket: (library or None for any, method) -> the tag of what arrives.
_RECEIVE = {
    "recv": r.RAW_MESSAGE,
    "recv_data": r.RAW_MESSAGE,
    "receive_str": r.RAW_MESSAGE,
    "receive_text": r.RAW_MESSAGE,
    "receive_json": r.MESSAGE,
    "receive": r.AIOHTTP_MESSAGE,
}


class FlowSolver:
    def __init__(self, walk: ModelWalk) -> None:
        self.walk = walk
        self.slots: dict = {}
        self._memo: dict = {}
        self._subclasses: dict = {}  # id(ClassDef) -> ids of itself and its subclasses in the file
        self._socket_classes: dict = {}  # id(ClassDef) -> library, for subclasses of a connection class
        self.rounds = 0
        #: id(call) -> the call that makes a connection (see :meth:`_site`).
        self.sites: dict = {}
        #: Off while roles flow from what the code does; on for a second solve, in which v2
        #: evidence anchors a role where the flow is opaque (``json.loads`` of a parameter
        #: nobody in the file passes).
        self.anchors = False
        #: Set when evaluation met a value only an anchor could give a role.
        self._anchor_wanted = False

    # --- the fixed point ---------------------------------------------------------------------------
    def solve(self) -> None:
        self._solve()
        self.anchors = True  # from here on, and for every question asked after the solve
        if self._anchor_wanted:
            self._solve()
        self._memo = {}

    def _solve(self) -> None:
        changed = True
        while changed and self.rounds < _MAX_ROUNDS:
            self.rounds += 1
            self._memo = {}
            changed = False
            for target, expression, path in self.walk.constraints:
                value = self._expression_value(expression)
                for step in path:
                    value = self._step(value, step)
                if value and self._store(target, value):
                    changed = True
            for call in self.walk.calls:
                if self._flow_call(call):
                    changed = True
            if self._seed_parameters():
                changed = True

    def _expression_value(self, expression) -> frozenset:
        if type(expression) is tuple:
            if expression[0] == "annotation":  # ("annotation", node, the scope it is read in)
                return self._annotated(expression[1], expression[2])
            return frozenset({(r.QUALIFIED, expression[1])})  # ("qualified", name) from an import
        if type(expression) is cst.FunctionDef:
            return frozenset({(r.FUNCTION, id(expression), 0)})
        if type(expression) is cst.ClassDef:
            return frozenset({(r.CLASS, id(expression))})
        return self.value(expression)

    def _store(self, target: tuple, value: frozenset) -> bool:
        kind = target[0]
        if kind == "attrset":
            changed = False
            holder = self.value(target[1])
            for tag in holder:
                if tag[0] in (r.INSTANCE, r.CLASS):
                    changed |= self._add(("attr", tag[1], target[2]), value)
                elif tag[0] == r.SOCKET and target[2] in CALLBACK_ARGUMENTS:
                    changed |= self._callback(target[2], tag, value)
            if not holder:
                # an object from outside the file: its attribute is followed by the access
                # path (``session.transcriber`` of one binding of ``session``)
                path = self._path(target[1])
                if path is not None:
                    changed |= self._add((*path, target[2]), value)
            return changed
        if kind == "itemset":
            changed = False
            for tag in self.value(target[1]):
                if tag[0] == r.CONTAINER:
                    changed |= self._add(("element", tag[1]), value)
            return changed
        return self._add(target, value)

    def _add(self, slot: tuple, value: frozenset) -> bool:
        old = self.slots.get(slot, EMPTY)
        if value <= old:
            return False
        self.slots[slot] = old | value
        return True

    def _step(self, value: frozenset, step: tuple) -> frozenset:
        kind = step[0]
        if kind == "iter":
            return self._iterate(value)
        if kind == "index":
            return self._index(value, step[1])
        if kind == "star":
            return self._iterate(value)
        if kind == "key":
            return self._key(value, step[1], None)
        if kind == "attribute":
            return self._attribute(value, step[1])
        return EMPTY

    # --- calls: arguments into parameters ----------------------------------------------------------
    def _flow_call(self, call: cst.Call) -> bool:
        changed = False
        callee = self.value(call.func)
        for tag in callee:
            kind = tag[0]
            if kind == r.FUNCTION:
                changed |= self._arguments(tag[1], tag[2], call.args)
            elif kind == r.CLASS:
                init = self._lookup_method(tag[1], "__init__")
                if init is not None:
                    changed |= self._arguments(init, 1, call.args)
            elif kind == r.QUALIFIED:
                changed |= self._library_call(tag[1], call)
            elif kind == r.FACTORY and SDK_CLIENTS.get(tag[1]) == 2:
                changed |= self._sdk_callbacks(call)  # ``make(on_data=...)``, make a partial of the v2 client
            elif kind == r.BOUND:
                changed |= self._method_call(tag, call)
        func = call.func
        if type(func) is cst.Attribute:
            if func.attr.value == "on":
                changed |= self._v3_registration(call)
            elif func.attr.value == "__init__":
                changed |= self._super_init(call)
        elif type(func) is cst.Name and func.value == "isinstance":
            changed |= self._type_test(call)
        return changed

    def _arguments(self, function_id: int, offset: int, args) -> bool:
        """A call's arguments into the parameters of the function it calls."""
        info = self.walk.functions.get(function_id)
        if info is None:
            return False
        changed = False
        positional = []
        for arg in args:
            if arg.star == "*":
                # the elements reach every parameter from here on
                elements = self._iterate(self.value(arg.value))
                positional += [elements] * max(len(info.params) - offset - len(positional), 0)
            elif arg.keyword is not None:
                name = arg.keyword.value
                if any(param[0] == name for param in info.params):
                    changed |= self._add(("name", info.scope.key, name), self.value(arg.value))
            elif not arg.star:
                positional.append(self.value(arg.value))
        return self._bind_positional(info, offset, positional) or changed

    def _bind_positional(self, info, offset: int, values: list) -> bool:
        """``values`` into the positional parameters of ``info`` from ``offset`` on."""
        changed = False
        positional = [param[0] for param in info.params if len(param) == 3]  # not keyword-only
        for index, value in enumerate(values):
            position = offset + index
            if value and position < len(positional):
                changed |= self._add(("name", info.scope.key, positional[position]), value)
        return changed

    def _call_with(self, callable_value: frozenset, argument_values: list) -> bool:
        """Flow values into every callable in ``callable_value``, as positional arguments."""
        changed = False
        for tag in callable_value:
            info = self.walk.functions.get(tag[1]) if tag[0] == r.FUNCTION else None
            if info is not None:
                changed |= self._bind_positional(info, tag[2], argument_values)
        return changed

    def _callback(self, event: str, socket_tag: tuple, handler: frozenset) -> bool:
        roles = CALLBACK_ARGUMENTS[event]
        library = socket_tag[1]
        values = []
        for role in roles:
            if role == "socket":
                values.append(frozenset({socket_tag}))
            elif role == "message":
                values.append(frozenset({(r.RAW_MESSAGE, library)}))
            else:
                values.append(EMPTY)
        return self._call_with(handler, values)

    def _library_call(self, name: str, call: cst.Call) -> bool:
        """Calls whose arguments reach a function: callbacks, thread targets, executors."""
        changed = False
        library = CONNECTORS.get(name)
        if name in SDK_CLIENTS and SDK_CLIENTS[name] == 2:
            changed |= self._sdk_callbacks(call)
        if library == r.WEBSOCKET_CLIENT:
            for arg in call.args:
                if arg.keyword is not None and arg.keyword.value in CALLBACK_ARGUMENTS:
                    socket = (r.SOCKET, library, self._site(call))
                    changed |= self._callback(arg.keyword.value, socket, self.value(arg.value))
        elif name in ("threading.Thread", "multiprocessing.Process"):
            target = _keyword(call, "target")
            arguments = _keyword(call, "args")
            if target is not None:
                values = self._sequence_values(arguments.value) if arguments is not None else []
                changed |= self._call_with(self.value(target.value), values)
        elif name in ("asyncio.to_thread",) and call.args:
            changed |= self._call_with(self.value(call.args[0].value), [self.value(a.value) for a in call.args[1:]])
        elif name == "functools.partial" and call.args:
            bound = [self.value(a.value) for a in call.args[1:] if a.keyword is None and not a.star]
            changed |= self._call_with(self.value(call.args[0].value), bound)
        return changed

    def _sdk_callbacks(self, call: cst.Call) -> bool:
        """A v2 ``RealtimeTranscriber(on_data=..., ...)``: each callback gets its event."""
        changed = False
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value in SDK_CALLBACKS:
                event = SDK_CALLBACKS[arg.keyword.value]
                values = [frozenset({(r.SDK_EVENT, event)})] if event is not None else []
                changed |= self._call_with(self.value(arg.value), values)
        return changed

    def _super_init(self, call: cst.Call) -> bool:
        """``super().__init__(on_data=...)`` in a subclass of ``RealtimeTranscriber`` (``call``
        is an ``X.__init__(...)`` call)."""
        func = call.func
        if not (
            type(func.value) is cst.Call and type(func.value.func) is cst.Name and func.value.func.value == "super"
        ):
            return False
        owner = self.scope_of(func.value.func).enclosing_class()
        return owner is not None and self._sdk_class(owner.key) == 2 and self._sdk_callbacks(call)

    def _method_call(self, tag: tuple, call: cst.Call) -> bool:
        receiver, method = tag[1], tag[2]
        if receiver[0] == r.CONTAINER and method in PUT_METHODS and call.args:
            return self._add(("element", receiver[1]), self.value(call.args[-1].value))
        if method == "run_in_executor" and len(call.args) >= 2:
            return self._call_with(self.value(call.args[1].value), [self.value(a.value) for a in call.args[2:]])
        if receiver[0] == r.SDK_CLIENT and method == "on" and len(call.args) >= 2:
            event = call.args[0].value
            return self._registration(event.attr.value if type(event) is cst.Attribute else None, receiver, call)
        return False

    def _registration(self, event: Optional[str], client: Optional[tuple], call: cst.Call) -> bool:
        """``client.on(StreamingEvents.X, handler)``: the SDK calls ``handler(client, event)``;
        a handler still shaped for v2 (one parameter left) gets the event alone."""
        changed = False
        for tag in self.value(call.args[1].value):
            info = self.walk.functions.get(tag[1]) if tag[0] == r.FUNCTION else None
            if info is None:
                continue
            free = len([param for param in info.params if len(param) == 3]) - tag[2]
            values = [frozenset({(r.SDK_EVENT, event)})]
            if free != 1 or info.vararg is not None:
                values.insert(0, frozenset({client}) if client is not None else EMPTY)
            changed |= self._bind_positional(info, tag[2], values)
        return changed

    def _v3_registration(self, call: cst.Call) -> bool:
        """``x.on(StreamingEvents.X, handler)`` whatever ``x`` is (``call`` is an ``x.on(...)``
        call): the v3 event names are evidence."""
        if len(call.args) < 2:
            return False
        event = call.args[0].value
        if type(event) is not cst.Attribute or not any(
            tag[0] == r.QUALIFIED and tag[1] in SDK_EVENT_ENUMS for tag in self.value(event.value)
        ):
            return False
        if any(tag[0] == r.SDK_CLIENT for tag in self.value(call.func.value)):
            return False  # flowed from the client already
        return self._registration(event.attr.value, None, call)

    def _seed_parameters(self) -> bool:
        """``self``/``cls`` of methods, and parameters whose annotation names a connection."""
        changed = False
        for info in self.walk.functions.values():
            if info.owner is not None and info.params:
                class_id = id(info.owner.node)
                first = info.params[0][0]
                kind = info.kind
                if kind == "method":
                    value = frozenset((r.INSTANCE, c) for c in self._family(class_id))
                    changed |= self._add(("name", info.scope.key, first), value)
                elif kind == "class":
                    value = frozenset((r.CLASS, c) for c in self._family(class_id))
                    changed |= self._add(("name", info.scope.key, first), value)
                if kind == "method" and info.node.name.value in CALLBACK_ARGUMENTS:
                    library = self._socket_class(class_id)
                    if library is not None:
                        changed |= self._callback(
                            info.node.name.value,
                            (r.SOCKET, library, None),
                            frozenset({(r.FUNCTION, id(info.node), 1)}),
                        )
            for name, annotation, *_ in info.params:
                if annotation is None:
                    continue
                value = self._annotated(annotation, info.scope.parent)
                if value:
                    changed |= self._add(("name", info.scope.key, name), value)
            for decorator in info.node.decorators if type(info.node) is cst.FunctionDef else ():
                target = decorator.decorator
                if (
                    type(target) is cst.Call
                    and type(target.func) is cst.Attribute
                    and target.func.attr.value == "route"
                ):
                    # flask-sock's ``@sock.route(path)``: the handler's socket is a browser's.
                    made_by = {tag[1] for tag in self.value(target.func.value) if tag[0] == r.MADE_BY}
                    if info.params and "flask_sock.Sock" in made_by:
                        socket = frozenset({(r.SOCKET, r.RELAY_SERVER, None)})
                        changed |= self._add(("name", info.scope.key, info.params[0][0]), socket)
        return changed

    def _annotated(self, annotation, scope: Scope) -> frozenset:
        """What an annotation says a value is: a connection, an SDK client or an SDK event."""
        found = set()
        for qualified in self._annotation_names(annotation, scope):
            if qualified in SOCKET_ANNOTATIONS:
                found.add((r.SOCKET, SOCKET_ANNOTATIONS[qualified], None))
            elif qualified in SDK_EVENT_TYPES:
                found.add((r.SDK_EVENT, SDK_EVENT_TYPES[qualified]))
            elif qualified in SDK_CLIENTS:
                found.add((r.SDK_CLIENT, SDK_CLIENTS[qualified], None))
        return frozenset(found)

    def _annotation_names(self, annotation, scope: Scope) -> set:
        """The qualified names an annotation mentions (``Optional[aai.RealtimeTranscript]``,
        or the same in a string, its names read in ``scope``)."""
        found: set = set()

        def enter(node) -> bool:
            kind = type(node)
            if kind is cst.Name or kind is cst.Attribute:
                found.update(tag[1] for tag in self.value(node) if tag[0] == r.QUALIFIED)
                return False
            if kind is cst.SimpleString:
                for word in _DOTTED_WORD.findall(string_value(node) or ""):
                    found.update(self._qualified_in(scope, word))
                return False
            return True

        walk.visit(annotation, enter, _nothing)
        return found

    def _qualified_in(self, scope: Scope, dotted: str) -> set:
        """What ``dotted`` (``aai.RealtimeTranscript``) names when read in ``scope``."""
        head, _, rest = dotted.partition(".")
        owner = scope.resolve(head)
        if owner is None:
            return set()
        names = {tag[1] for tag in self.slots.get(("name", owner.key, head), EMPTY) if tag[0] == r.QUALIFIED}
        return {f"{name}.{rest}" if rest else name for name in names}

    def _type_test(self, call: cst.Call) -> bool:
        """``isinstance(x, aai.RealtimeFinalTranscript)``: ``x`` holds that event (or that
        client, for ``isinstance(self.t, aai.RealtimeTranscriber)``)."""
        if len(call.args) != 2:
            return False
        subject = call.args[0].value
        found = set()
        for tag in self.value(call.args[1].value):
            if tag[0] == r.QUALIFIED and tag[1] in SDK_EVENT_TYPES:
                found.add((r.SDK_EVENT, SDK_EVENT_TYPES[tag[1]]))
            elif tag[0] == r.QUALIFIED and tag[1] in SDK_CLIENTS:
                found.add((r.SDK_CLIENT, SDK_CLIENTS[tag[1]], None))
        if not found:
            return False
        if type(subject) is cst.Attribute:
            return self._store(("attrset", subject.value, subject.attr.value), frozenset(found))
        slot = self.slot_of(subject) if type(subject) is cst.Name else None
        return slot is not None and self._add(slot, frozenset(found))

    # --- classes -----------------------------------------------------------------------------------
    def _bases(self, class_id: int) -> list:
        info = self.walk.classes.get(class_id)
        if info is None:
            return []
        found = []
        for base in info.bases:
            for tag in self.value(base):
                found.append(tag)
        return found

    def _mro(self, class_id: int, depth: int = 0) -> list:
        order = [class_id]
        if depth > 10:
            return order
        for tag in self._bases(class_id):
            if tag[0] == r.CLASS and tag[1] not in order:
                order.extend(c for c in self._mro(tag[1], depth + 1) if c not in order)
        return order

    def _family(self, class_id: int) -> list:
        """The class and every class in the file that derives from it."""
        family = [class_id]
        for other in self.walk.classes:
            if other != class_id and class_id in self._mro(other):
                family.append(other)
        return family

    def _library_base(self, class_id: int, table: dict):
        """``table[name]`` for the first library class (by qualified name) the class derives from."""
        for member in self._mro(class_id):
            for tag in self._bases(member):
                if tag[0] == r.QUALIFIED and tag[1] in table:
                    return table[tag[1]]
        return None

    def _socket_class(self, class_id: int) -> Optional[str]:
        """The library when the class derives from a connection class (a WebSocketApp subclass)."""
        return self._library_base(class_id, CONNECTORS)

    def _sdk_class(self, class_id: int) -> Optional[int]:
        """2 or 3 when the class derives from one of the SDK's streaming clients."""
        return self._library_base(class_id, SDK_CLIENTS)

    def _lookup_method(self, class_id: int, name: str) -> Optional[int]:
        for member in self._mro(class_id):
            info = self.walk.classes[member]
            for tag in self.slots.get(("name", info.scope.key, name), EMPTY):
                if tag[0] == r.FUNCTION:
                    return tag[1]
        return None

    def _class_attribute(self, class_id: int, name: str, bind: int) -> frozenset:
        found: set = set()
        defined = False  # the class body nearest in the MRO that binds the name wins
        for member in self._mro(class_id):
            info = self.walk.classes[member]
            found |= self.slots.get(("attr", member, name), EMPTY)
            if defined:
                continue
            defined = name in info.scope.names
            for tag in self.slots.get(("name", info.scope.key, name), EMPTY):
                if tag[0] == r.FUNCTION and bind:
                    function = self.walk.functions.get(tag[1])
                    kind = function.kind if function is not None else "function"
                    if kind == "static" or (kind == "method" and bind == 2):
                        found.add(tag)
                    else:
                        found.add((r.FUNCTION, tag[1], tag[2] + 1))
                else:
                    found.add(tag)
        return frozenset(found)

    # --- evaluation --------------------------------------------------------------------------------
    def scope_of(self, node) -> Scope:
        """The scope an expression is evaluated in (that of its leftmost name)."""
        current = node
        for _ in range(_MAX_DEPTH):
            kind = type(current)
            if kind is cst.Name:
                return self.walk.name_scope.get(id(current), self.walk.module)
            if kind in (cst.Attribute, cst.Subscript):
                current = current.value
            elif kind is cst.Call:
                current = current.func
            elif kind in (cst.Await,):
                current = current.expression
            elif kind is cst.BinaryOperation or kind is cst.Comparison:
                current = current.left
            elif kind is cst.NamedExpr:
                current = current.value
            elif kind is cst.BooleanOperation:
                current = current.left
            elif kind is cst.Lambda:
                return self.walk.scopes.get(id(current), self.walk.module)
            else:
                break
        return self.walk.module

    def value(self, node, depth: int = 0) -> frozenset:
        if node is None or depth > _MAX_DEPTH:
            return EMPTY
        key = id(node)
        found = self._memo.get(key)
        if found is None:
            self._memo[key] = EMPTY  # a cycle evaluates to nothing rather than forever
            found = self._memo[key] = self._evaluate(node, depth + 1)
        return found

    def _evaluate(self, node, depth: int) -> frozenset:
        kind = type(node)
        if kind is cst.Name:
            return self._name(node)
        if kind is cst.Attribute:
            holder = self.value(node.value, depth)
            if holder:
                return self._attribute(holder, node.attr.value)
            path = self._path(node)
            return self.slots.get(path, EMPTY) if path is not None else EMPTY
        if kind is cst.Call:
            return self._call(node, depth)
        if kind is cst.Subscript:
            return self._subscript(node, depth)
        if kind is cst.Await:
            return self.value(node.expression, depth)
        if kind is cst.NamedExpr:
            return self.value(node.value, depth)
        if kind is cst.BooleanOperation:
            return self.value(node.left, depth) | self.value(node.right, depth)
        if kind is cst.IfExp:
            return self.value(node.body, depth) | self.value(node.orelse, depth)
        if kind is cst.Dict:
            keys = self.walk.literal_keys.get(id(node), {})
            tags = {(r.CONTAINER, id(node))}
            if "audio_data" in keys:
                tags.add((r.AUDIO_PAYLOAD,))
            if "message_type" in keys and "text" in keys:
                tags.add((r.MESSAGE, "a literal v2 message"))
            return frozenset(tags)
        if kind in (cst.List, cst.Tuple, cst.Set, cst.ListComp, cst.SetComp, cst.GeneratorExp, cst.DictComp):
            return frozenset({(r.CONTAINER, id(node))})
        if kind is cst.Lambda:
            return frozenset({(r.FUNCTION, id(node), 0)})
        if kind is cst.BinaryOperation and type(node.operator) is cst.Add:
            left, right = self.value(node.left, depth), self.value(node.right, depth)
            return frozenset(tag for tag in left | right if tag[0] in (r.AUDIO, r.BASE64_AUDIO))
        return EMPTY

    def _name(self, node: cst.Name) -> frozenset:
        scope = self.walk.name_scope.get(id(node), self.walk.module)
        owner = scope.resolve(node.value)
        if owner is None:
            if node.value in BUILTIN_NAMES:
                return frozenset({(r.QUALIFIED, f"builtins.{node.value}")})
            if node.value in IMPORTED_WHEN_MISSING:
                return frozenset({(r.QUALIFIED, node.value)})
            return EMPTY
        return self.slots.get(("name", owner.key, node.value), EMPTY)

    def _attribute(self, value: frozenset, name: str) -> frozenset:
        found: set = set()
        for tag in value:
            kind = tag[0]
            if kind == r.QUALIFIED:
                if tag[1].count(".") + 2 <= _MAX_QUALIFIED_PARTS:
                    found.add((r.QUALIFIED, f"{tag[1]}.{name}"))
            elif kind == r.INSTANCE:
                found |= self._class_attribute(tag[1], name, 1)
                found.add((r.BOUND, tag, name))
            elif kind == r.CLASS:
                found |= self._class_attribute(tag[1], name, 0)
            elif kind == r.SDK_EVENT and name in ("text", "transcript"):
                found.add((r.TRANSCRIPT,))
            elif kind == r.AIOHTTP_MESSAGE and name == "data":
                found.add((r.RAW_MESSAGE, r.AIOHTTP))
            elif kind == r.MESSAGE and name in _KEY_ROLES and tag[1] == "an object built from a message":
                found.add((r.MESSAGE_TYPE, None) if _KEY_ROLES[name] == r.MESSAGE_TYPE else (r.TRANSCRIPT,))
            elif kind in (r.FUNCTION, r.CLASS, r.BOUND):
                # An attribute of a method is nothing the model follows; a bound method of a
                # bound method would nest once more on every round (``tb = tb.tb_next`` in a
                # loop), and the sets of such tags grow without end.
                continue
            else:
                found.add((r.BOUND, tag, name))
        return frozenset(found)

    def _subscript(self, node: cst.Subscript, depth: int) -> frozenset:
        value = self.value(node.value, depth)
        key = None
        if len(node.slice) == 1 and type(node.slice[0].slice) is cst.Index:
            key = string_value(node.slice[0].slice.value)
        found: set = set()
        if key is not None:
            found |= self._key(value, key, node.value)
        for tag in value:
            if tag[0] == r.CONTAINER:
                found |= self._element(tag[1], key)
        return frozenset(found)

    def _key(self, value: frozenset, key: str, holder) -> frozenset:
        """What ``holder[key]`` is when ``holder`` has ``value``."""
        found: set = set()
        for tag in value:
            if tag[0] == r.MESSAGE and key in _KEY_ROLES:
                role = _KEY_ROLES[key]
                if role == r.MESSAGE_TYPE:
                    found.add((r.MESSAGE_TYPE, self.slot_of(holder)))
                else:
                    found.add((role,))
            elif tag[0] == r.CONTAINER:
                found |= self._element(tag[1], key)
        return frozenset(found)

    def _element(self, container_id, key=None) -> frozenset:
        if key is not None:
            literal = self.walk.literal_keys.get(container_id)
            if literal and key in literal:
                return self.value(literal[key])
        return self.slots.get(("element", container_id), EMPTY)

    def _index(self, value: frozenset, index: int) -> frozenset:
        found: set = set()
        for tag in value:
            if tag[0] == r.CONTAINER:
                elements = self.walk.literal_elements.get(tag[1])
                if elements is not None and index < len(elements) and elements[index] is not None:
                    found |= self.value(elements[index])
                else:
                    found |= self.slots.get(("element", tag[1]), EMPTY)
        return frozenset(found)

    def _sequence_values(self, node) -> list:
        if type(node) in (cst.Tuple, cst.List):
            return [self.value(element.value) for element in node.elements if type(element) is cst.Element]
        return [self._iterate(self.value(node))]

    def _iterate(self, value: frozenset) -> frozenset:
        found: set = set()
        for tag in value:
            kind = tag[0]
            if kind == r.CONTAINER:
                found |= self.slots.get(("element", tag[1]), EMPTY)
            elif kind == r.SOCKET:
                if tag[1] == r.AIOHTTP:
                    found.add((r.AIOHTTP_MESSAGE,))
                elif tag[1] != r.RELAY_SERVER:
                    found.add((r.RAW_MESSAGE, tag[1]))
            elif kind == r.GENERATOR:
                found |= self.slots.get(("yield", tag[1]), EMPTY)
        return frozenset(found)

    def _site(self, call: cst.Call) -> int:
        """Where a connection is made: the call's id, so two connections stay apart."""
        self.sites[id(call)] = call
        return id(call)

    def _path(self, node) -> Optional[tuple]:
        """``("path", slot of x, "a", "b")`` for ``x.a.b`` where ``x`` is a variable of this
        file; None for anything else."""
        attributes = []
        while type(node) is cst.Attribute:
            attributes.append(node.attr.value)
            node = node.value
        slot = self.slot_of(node) if type(node) is cst.Name else None
        return ("path", slot, *reversed(attributes)) if slot is not None else None

    def slot_of(self, node) -> Optional[tuple]:
        """The slot a plain name reads (or a walrus writes), so two expressions can be told to
        hold the same value."""
        if type(node) is cst.NamedExpr:
            node = node.target
        if type(node) is not cst.Name:
            return None
        scope = self.walk.name_scope.get(id(node), self.walk.module)
        owner = scope.resolve(node.value)
        return ("name", owner.key, node.value) if owner is not None else None

    def _call(self, node: cst.Call, depth: int) -> frozenset:
        callee = self.value(node.func, depth)
        found: set = set()
        if is_audio_open(node):
            # pyaudio's open(rate=..., input=True, frames_per_buffer=...), on whatever made it
            found.add((r.MICROPHONE, self._site(node)))
        if type(node.func) is cst.Attribute and node.func.attr.value in METHODS_OF_ONE_LIBRARY:
            # evidence even on an unknown receiver
            found.add((*METHODS_OF_ONE_LIBRARY[node.func.attr.value], self._site(node)))
        for tag in callee:
            kind = tag[0]
            if kind == r.FUNCTION:
                info = self.walk.functions.get(tag[1])
                if info is not None and info.is_generator:
                    found.add((r.GENERATOR, tag[1]))
                else:
                    found |= self.slots.get(("return", tag[1]), EMPTY)
            elif kind == r.CLASS:
                found.add((r.INSTANCE, tag[1]))
                library = self._socket_class(tag[1])
                if library is not None:
                    found.add((r.SOCKET, library, self._site(node)))
                version = self._sdk_class(tag[1])
                if version is not None:
                    found.add((r.SDK_CLIENT, version, self._site(node)))
                if any(self._is_message(a.value) for a in node.args if a.star == "**"):
                    found.add((r.MESSAGE, "an object built from a message"))
            elif kind == r.QUALIFIED:
                found |= self._qualified_call(tag[1], node, depth)
            elif kind == r.FACTORY:
                if tag[1] in SDK_CLIENTS:
                    found.add((r.SDK_CLIENT, SDK_CLIENTS[tag[1]], tag[2]))
                elif tag[1] in CONNECTORS:
                    found.add((r.SOCKET, CONNECTORS[tag[1]], tag[2]))
            elif kind == r.BOUND:
                found |= self._bound_call(tag[1], tag[2], node, depth)
        return frozenset(found)

    def _is_message(self, node) -> bool:
        return any(tag[0] == r.MESSAGE for tag in self.value(node))

    def _qualified_call(self, name: str, node: cst.Call, depth: int) -> frozenset:
        args = node.args
        first = self.value(args[0].value, depth) if args else EMPTY
        if name in JSON_LOADS:
            if not args:
                return EMPTY
            if any(tag[0] == r.RAW_MESSAGE and tag[1] != r.RELAY_SERVER for tag in first):
                return frozenset({(r.MESSAGE, "a frame received from the socket")})
            if first:
                return EMPTY  # something else the model knows: not a message
            if not self.anchors:
                self._anchor_wanted = True
                return EMPTY  # not known yet: the anchored solve decides
            code = cst.Module([]).code_for_node(args[0].value)
            if any(word in code for word in NOT_A_MESSAGE):
                return EMPTY
            return frozenset({(r.MESSAGE, "decoded JSON of unknown origin")})
        if name in JSON_DUMPS:
            if any(tag[0] == r.AUDIO_PAYLOAD for tag in first):
                return frozenset({(r.AUDIO_JSON,)})
            return EMPTY
        if name in BASE64_ENCODERS:
            # Whatever it encodes (often a name rebound to its own base64), it is what goes
            # into "audio_data"; the payload dict is what makes it audio for the rules.
            return frozenset({(r.BASE64_AUDIO, False)})
        if name == "builtins.str" and any(tag[0] == r.BASE64_AUDIO for tag in first):
            return frozenset({(r.BASE64_AUDIO, True)})
        if name in ("builtins.dict", "copy.copy", "copy.deepcopy") and any(tag[0] == r.MESSAGE for tag in first):
            return frozenset(tag for tag in first if tag[0] == r.MESSAGE)
        if name == "builtins.getattr" and len(args) >= 2:
            attribute = string_value(args[1].value)
            if attribute is not None:
                return self._attribute(first, attribute) | (self.value(args[2].value) if len(args) > 2 else EMPTY)
            return EMPTY
        if name in CONNECTORS:
            return frozenset({(r.SOCKET, CONNECTORS[name], self._site(node))})
        if name in SDK_CLIENTS:
            return frozenset({(r.SDK_CLIENT, SDK_CLIENTS[name], self._site(node))})
        if name == "aiohttp.ClientSession":
            return frozenset({(r.HTTP_SESSION,)})
        if name in CONTAINER_FACTORIES:
            return frozenset({(r.CONTAINER, id(node))})
        if name == "functools.partial" and args:
            bound = sum(1 for a in args[1:] if a.keyword is None and not a.star)
            found = {(r.FUNCTION, t[1], t[2] + bound) for t in first if t[0] == r.FUNCTION}
            # a partial of a connection or SDK client class makes them when called
            found |= {(r.FACTORY, t[1], self._site(node)) for t in first if t[0] == r.QUALIFIED}
            return frozenset(found)
        if name in ("os.environ.get", "os.getenv") and len(args) >= 2:
            return self.value(args[1].value, depth)
        if name == "pyaudio.PyAudio":
            return frozenset({(r.MADE_BY, "pyaudio.PyAudio")})
        if name == "flask_sock.Sock":
            return frozenset({(r.MADE_BY, "flask_sock.Sock")})
        if name in ("asyncio.wait_for", "asyncio.shield") and args:
            return first
        return EMPTY

    def _bound_call(self, receiver: tuple, method: str, node: cst.Call, depth: int) -> frozenset:
        kind = receiver[0]
        args = node.args
        if kind == r.SOCKET:
            library = receiver[1]
            tag = _RECEIVE.get(method)
            if library == r.RELAY_SERVER:
                # a browser's or a phone line's frame: known, and never a server message
                return frozenset({(r.RAW_MESSAGE, library)}) if tag is not None else EMPTY
            if tag == r.AIOHTTP_MESSAGE and library != r.AIOHTTP:
                return frozenset({(r.RAW_MESSAGE, library)})
            if tag == r.RAW_MESSAGE:
                return frozenset({(r.RAW_MESSAGE, library)})
            if tag == r.MESSAGE:
                return frozenset({(r.MESSAGE, "received as JSON")})
            if tag is not None:
                return frozenset({(tag,)})
            return EMPTY
        if kind == r.AIOHTTP_MESSAGE and method == "json":
            return frozenset({(r.MESSAGE, "a frame received from the socket")})
        if kind == r.MESSAGE:
            if method == "get" and args:
                key = string_value(args[0].value)
                found = self._key(frozenset({receiver}), key, node.func.value) if key is not None else EMPTY
                return found | (self.value(args[1].value, depth) if len(args) > 1 else EMPTY)
            if method == "copy":
                return frozenset({receiver})
            return EMPTY
        if kind == r.CONTAINER:
            if method in GET_METHODS:
                key = string_value(args[0].value) if method == "get" and args else None
                found = self._element(receiver[1], key)
                if method == "get" and len(args) > 1:
                    found |= self.value(args[1].value, depth)
                return found
            if method in ("copy", "values"):
                return frozenset({receiver})
            return EMPTY
        if kind == r.MICROPHONE and method == "read":
            return frozenset({(r.AUDIO,)})
        if kind == r.MADE_BY and receiver[1] == "pyaudio.PyAudio" and method == "open":
            return frozenset({(r.MICROPHONE, self._site(node))})
        if kind == r.BASE64_AUDIO and method == "decode":
            return frozenset({(r.BASE64_AUDIO, True)})
        if kind == r.RAW_MESSAGE and method == "decode":
            return frozenset({receiver})
        if kind == r.HTTP_SESSION and method == "ws_connect":
            return frozenset({(r.SOCKET, r.AIOHTTP, self._site(node))})
        if kind == r.INSTANCE:
            return EMPTY
        return EMPTY


def _keyword(call: cst.Call, name: str):
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == name:
            return arg
    return None


def _nothing(node) -> None:
    pass
