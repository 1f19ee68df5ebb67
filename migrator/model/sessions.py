"""The shape of a websocket-client script: its ``WebSocketApp``s, their callbacks,
where ``run_forever`` runs and where the socket is closed. Collected once, in the
analysis walk, for the rules that restructure the session (STT005, STT007)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from migrator.context import MigrationContext
from migrator.model.roles import WEBSOCKET_CLIENT
from migrator.syntax import dotted_name, keyword, sole_expression, try_catching_ctrl_c

CALLBACKS = ("on_open", "on_message", "on_error", "on_close")
#: websocket-client connections that are not apps (no callbacks, no run_forever).
_NOT_APPS = frozenset({"websocket.create_connection", "websocket.WebSocket"})


@dataclass
class App:
    call: cst.Call
    #: Where the app object lives: ``ws``, ``self.ws``...
    target: Optional[str]
    callbacks: dict = field(default_factory=dict)  # "on_close" -> expression
    owner_class: Optional[cst.ClassDef] = None
    #: ``T.run_forever(...)`` statements that block the thread they run in.
    blocking_runs: list = field(default_factory=list)  # (statement, its block)
    #: id(blocking run) -> the ``try`` around it whose handler catches Ctrl-C. That handler
    #: never runs: run_forever catches KeyboardInterrupt itself, closes and returns.
    ctrl_c_tries: dict = field(default_factory=dict)
    #: Name of the thread object whose target is ``T.run_forever``.
    thread: Optional[str] = None
    #: ``T.close()`` statements: (statement, its block, the function/try around it).
    closes: list = field(default_factory=list)
    #: The statement holding the call, where notes about the app are written.
    statement: Optional[cst.CSTNode] = None


@dataclass
class Session:
    apps: list = field(default_factory=list)
    functions: dict = field(default_factory=dict)  # module-level name -> FunctionDef
    methods: dict = field(default_factory=dict)  # (id(ClassDef), name) -> FunctionDef
    #: While-True loops that read or send audio: id -> (loop, owning class or None)
    audio_loops: dict = field(default_factory=dict)
    #: ``ws.close()`` statements of websocket-client connections that are not apps
    #: (``create_connection``): (statement, its block, the function/try around it, the socket).
    connection_closes: list = field(default_factory=list)
    #: The file's value model (callbacks are resolved through it).
    model: object = None

    def app_made_by(self, calls: list) -> Optional[App]:
        """The one app among those made by ``calls`` (what the value model says an
        expression may be), else None."""
        found = [app for app in self.apps if any(app.call is call for call in calls)]
        return found[0] if len(found) == 1 else None

    def resolve(self, app: App, expression) -> Optional[cst.FunctionDef]:
        """The one ``def`` of this file a callback expression may be (a name, a bound method,
        a ``functools.partial``, a variable holding one), per the value model; else None."""
        defs = [node for node, _ in self.model.callables(expression) if type(node) is cst.FunctionDef]
        return defs[0] if len(defs) == 1 else None


class SessionCollector:
    """Fills ``context.facts.session``; runs in the analysis walk next to FactCollector."""

    code = ""

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        self.session = Session(model=context.model)
        context.facts.session = self.session
        self.loops: list = []  # open While-True loops, innermost last
        #: (action, expression holding the app, argument): applied once every app is known.
        self.pending: list = []

    def collect_FunctionDef(self, node: cst.FunctionDef) -> None:
        scopes = self.context.scope_stack[:-1]  # the function itself is already pushed
        if not scopes:
            self.session.functions[node.name.value] = node
        elif isinstance(scopes[-1], cst.ClassDef):
            self.session.methods[(id(scopes[-1]), node.name.value)] = node

    def _app_of(self, expression) -> Optional[App]:
        return self.session.app_made_by(self.context.model.connections_made_at(expression))

    def collect_Call(self, node: cst.Call) -> None:
        model = self.context.model
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else None
        if model.connection_opened_by(node) == WEBSOCKET_CLIENT and model.qualified_name(node.func) not in _NOT_APPS:
            self._app(node)
        elif method == "run_forever":
            statement = self.context.statement_stack[-1]
            if _is_call_statement(statement, node):
                where = (statement, self._block_of(statement), try_catching_ctrl_c(self.context.ancestors))
                self.pending.append((self._run, node.func.value, where))
        elif model.qualified_name(node.func) == "threading.Thread":
            target = keyword(node, "target")
            assigned = self.context.parent(1)
            if (
                target is not None
                and isinstance(target.value, cst.Attribute)
                and target.value.attr.value == "run_forever"
                and isinstance(assigned, cst.Assign)
                and len(assigned.targets) == 1
            ):
                self.pending.append((_set_thread, target.value.value, dotted_name(assigned.targets[0].target) or None))
        elif isinstance(node.func, cst.Attribute) and node.func.attr.value == "close" and not node.args:
            statement = self.context.statement_stack[-1]
            if _is_call_statement(statement, node):
                where = (statement, self._block_of(statement), self._container())
                self.pending.append((_add_close, node.func.value, where))
                if any(
                    model.qualified_name(call.func) in _NOT_APPS for call in model.connections_made_at(node.func.value)
                ):
                    self.session.connection_closes.append((*where, node.func.value))
        if self.loops and self._is_audio_call(node):
            loop = self.loops[-1]
            self.session.audio_loops[id(loop)] = (loop, self.context.current_class)

    def collect_While(self, node: cst.While) -> None:
        if isinstance(node.test, cst.Name) and node.test.value == "True":
            self.loops.append(node)
        else:
            self.loops.append(None)

    def collect_leave_While(self, node) -> None:
        self.loops.pop()

    def _is_audio_call(self, node: cst.Call) -> bool:
        if self.loops[-1] is None or not isinstance(node.func, cst.Attribute):
            return False
        method = node.func.attr.value
        if method == "read":
            return self.context.model.microphone_opened_by(node.func.value) is not None
        if method == "send_bytes":
            return True
        if method == "send" and node.args:
            model = self.context.model
            value = node.args[0].value
            if model.is_audio(value) or model.is_audio_json(value) or model.is_audio_payload(value):
                return True
            code = cst.Module([]).code_for_node(node)  # bytes the model cannot place, sent as binary
            return "OPCODE_BINARY" in code or "audio_data" in code
        return False

    def _app(self, node: cst.Call) -> None:
        assigned = self.context.parent(1)
        target = None
        if isinstance(assigned, cst.Assign) and len(assigned.targets) == 1:
            target = dotted_name(assigned.targets[0].target) or None
        callbacks = {}
        for name in CALLBACKS:
            arg = keyword(node, name)
            if arg is not None:
                callbacks[name] = arg.value
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        self.session.apps.append(App(node, target, callbacks, self.context.current_class, statement=statement))

    def collect_leave_Module(self, node: cst.Module) -> None:
        """What was done to an app (run, threaded, closed) is tied to it once every app of
        the file is known: a method may close the app before the one that creates it."""
        for action, receiver, argument in self.pending:
            app = self._app_of(receiver)
            if app is not None:
                action(app, argument)

    @staticmethod
    def _run(app: App, where) -> None:
        statement, block, ctrl_c_try = where
        app.blocking_runs.append((statement, block))
        if ctrl_c_try is not None:
            app.ctrl_c_tries[id(statement)] = ctrl_c_try

    def _container(self):
        """The function or try statement around the node being visited (or the module)."""
        for ancestor in reversed(self.context.ancestors):
            if isinstance(ancestor, (cst.FunctionDef, cst.Try, cst.Module)):
                return ancestor
        return None

    def _block_of(self, statement):
        ancestors = self.context.ancestors
        block = ancestors[ancestors.index(statement) - 1]
        return block


def _set_thread(app: App, name) -> None:
    app.thread = name


def _add_close(app: App, where) -> None:
    app.closes.append(where)


def _is_call_statement(statement, call) -> bool:
    return sole_expression(statement) is call
