"""STT005: the ``while True`` audio loop stops on a ``threading.Event``.

The v2 getting-started sender loops forever, so nothing can end the session cleanly:
v3 bills until the session ends, and the guide's fix is a ``stop_event =
threading.Event()`` that the audio loop checks (``while not stop_event.is_set():``) and
that ``on_error`` and ``on_close`` set. In a class the event is an attribute created in
``__init__``. The audio thread started in ``on_open`` is kept in ``audio_thread`` (daemon,
so the process can always exit) so shutdown can wait for the last chunk before sending
``Terminate`` (STT007). ``on_close(ws)`` gains the two arguments websocket-client has
passed since 1.0, or it would raise before setting the event.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.rules.base import Rule
from migrator.syntax import call_name, dotted_name, keyword, parse_expression, parse_statement, sole_expression

_EVENT = "stop_event"
_THREAD = "audio_thread"


class StopEvent(Rule):
    code = "STT005"
    name = "stop-event"
    summary = "while True audio loop -> while not stop_event.is_set(); set in on_error/on_close"
    markers = RULE_MARKERS[code]
    example_before = """
        import threading

        import pyaudio
        import websocket

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"
        p = pyaudio.PyAudio()
        stream = p.open(format=pyaudio.paInt16, channels=1, rate=16000, input=True, frames_per_buffer=800)


        def on_open(ws):
            def send_data():
                while True:
                    ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)

            threading.Thread(target=send_data).start()


        def on_error(ws, error):
            print(error)


        def on_close(ws):
            print("closed")


        ws = websocket.WebSocketApp(URL, header=HEADERS, on_open=on_open, on_error=on_error, on_close=on_close)
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.loops: dict = {}  # id(While) -> event expression
        self.setters: dict = {}  # id(FunctionDef) -> (event expression, is on_close, is method)
        self.thread_starts: dict = {}  # id(statement) -> thread attribute expression
        self.init_methods: dict = {}  # id(__init__ FunctionDef) -> True
        self.module_level = False

    def finish_analysis(self) -> None:
        session = self.facts.session
        if not self.facts.speaks_v2 or not session.apps or not session.audio_loops:
            return
        for loop, owner in session.audio_loops.values():
            init = session.methods.get((id(owner), "__init__")) if owner is not None else None
            if init is not None:
                self.init_methods[id(init)] = True
                self.loops[id(loop)] = f"self.{_EVENT}"
            else:
                self.module_level = True
                self.loops[id(loop)] = _EVENT
        for app in session.apps:
            in_class = (
                app.owner_class is not None and session.methods.get((id(app.owner_class), "__init__")) is not None
            )
            event = f"self.{_EVENT}" if in_class and f"self.{_EVENT}" in self.loops.values() else _EVENT
            if event == _EVENT and _EVENT not in self.loops.values():
                continue
            for name in ("on_error", "on_close"):
                function = session.resolve(app, app.callbacks.get(name)) if name in app.callbacks else None
                if function is not None:
                    is_method = dotted_name(app.callbacks[name]).startswith("self.")
                    self.setters[id(function)] = (event, name == "on_close", is_method)
                elif name not in app.callbacks:
                    self.note(
                        app.call,
                        f"add an {name} callback that calls {event}.set(), or the audio loop never stops when the session ends",
                        statement=app.statement,
                    )
                else:
                    self.note(
                        app.callbacks[name],
                        f"{name} is not a def in this file, so it was not changed: make it call {event}.set(), "
                        "or the audio loop never stops when the session ends",
                        statement=app.statement,
                    )
            opener = session.resolve(app, app.callbacks.get("on_open")) if "on_open" in app.callbacks else None
            if opener is not None:
                self._find_thread_start(opener, event.replace(_EVENT, _THREAD))
        self.facts.stop_event = next(iter(self.loops.values()))
        self.facts.audio_thread = next(iter(self.thread_starts.values()), None)

    def _find_thread_start(self, function: cst.FunctionDef, thread: str) -> None:
        """``threading.Thread(target=f).start()`` directly in the on_open body."""
        for statement in function.body.body:
            call = sole_expression(statement)
            if isinstance(call, cst.Call) and isinstance(call.func, cst.Attribute) and call.func.attr.value == "start":
                creator = call.func.value
                if (
                    isinstance(creator, cst.Call)
                    and call_name(creator).endswith("Thread")
                    and keyword(creator, "target") is not None
                ):
                    self.thread_starts[id(statement)] = thread
                    return

    def nodes_to_rewrite(self):
        return {*self.loops, *self.setters, *self.thread_starts, *self.init_methods}

    # --- rewrite --------------------------------------------------------------------------
    def rewrite_While(self, original: cst.While, updated: cst.While):
        event = self.loops.get(id(original))
        if event is None:
            return updated
        self.applied()
        self.context.add_import("threading")
        return updated.with_changes(test=parse_expression(f"not {event}.is_set()"))

    def rewrite_SimpleStatementLine(self, original, updated):
        thread = self.thread_starts.get(id(original))
        if thread is None:
            return updated
        call = updated.body[0].value
        creator = call.func.value
        if keyword(creator, "daemon") is None:
            creator = creator.with_changes(
                args=[
                    *creator.args[:-1],
                    creator.args[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                    cst.Arg(
                        cst.Name("True"),
                        keyword=cst.Name("daemon"),
                        equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
                    ),
                ]
            )
        creator_code = cst.Module([]).code_for_node(creator)
        lines = [] if thread.startswith("self.") else [f"global {thread}"]
        lines += [f"{thread} = {creator_code}", f"{thread}.start()"]
        new = [parse_statement(line) for line in lines]
        new[0] = new[0].with_changes(leading_lines=updated.leading_lines)
        self.applied()
        return cst.FlattenSentinel(new)

    def rewrite_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef):
        if id(original) in self.init_methods:
            self.applied()
            self.context.add_import("threading")
            lines = [f"self.{_EVENT} = threading.Event()"]
            if f"self.{_THREAD}" in self.thread_starts.values():
                lines.append(f"self.{_THREAD} = None")
            return _insert_at_start(updated, lines, after_super=True)
        setter = self.setters.get(id(original))
        if setter is None:
            return updated
        event, is_on_close, is_method = setter
        if f"{event}.set()" in cst.Module([]).code_for_node(updated.body):
            return updated
        self.applied()
        if is_on_close:
            expected = 3 if is_method else 2  # (self,) ws, close_status_code, close_msg
            params = updated.params
            if len(params.params) == expected - 1 and params.star_arg is cst.MaybeSentinel.DEFAULT:
                extra = [cst.Param(cst.Name("close_status_code")), cst.Param(cst.Name("close_msg"))]
                last = params.params[-1].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                extra[0] = extra[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
                updated = updated.with_changes(params=params.with_changes(params=[*params.params[:-1], last, *extra]))
        return _insert_at_start(updated, [f"{event}.set()"])

    def rewrite_Module(self, original: cst.Module, updated: cst.Module):
        if not self.module_level:
            return updated
        body = list(updated.body)
        bound = {
            dotted_name(target.target)
            for statement in body
            if isinstance(statement, cst.SimpleStatementLine)
            for small in statement.body
            if isinstance(small, cst.Assign)
            for target in small.targets
        }
        lines = [f"{_EVENT} = threading.Event()"] if _EVENT not in bound else []
        if _THREAD in self.thread_starts.values() and _THREAD not in bound:
            lines.append(f"{_THREAD} = None")
        if not lines:
            return updated  # a run before this one made them
        names = {_EVENT, _THREAD}
        # Before the first def (the callbacks use them) and before any module-level code
        # that uses them (a loop of a script without functions, the shutdown block).
        at = next(
            (
                i
                for i, s in enumerate(body)
                if isinstance(s, (cst.FunctionDef, cst.ClassDef)) or _is_main_guard(s) or _uses(s, names)
            ),
            len(body),
        )
        new = [parse_statement(line) for line in lines]
        if at < len(body) and at > 0:
            new[0] = new[0].with_changes(leading_lines=[cst.EmptyLine()])
        body[at:at] = new
        return updated.with_changes(body=body)


class _NameFinder(cst.CSTVisitor):
    def __init__(self, names) -> None:
        self.names = names
        self.found = False

    def visit_Name(self, node: cst.Name) -> bool:
        if node.value in self.names:
            self.found = True
        return False

    def on_visit(self, node) -> bool:
        return not self.found and super().on_visit(node)


def _uses(statement, names) -> bool:
    """Whether a module-level statement mentions one of the names the rule defines."""
    finder = _NameFinder(names)
    statement.visit(finder)
    return finder.found


def _is_main_guard(statement) -> bool:
    return isinstance(statement, cst.If) and "__name__" in cst.Module([]).code_for_node(statement.test)


def _insert_at_start(function: cst.FunctionDef, lines: list, after_super: bool = False) -> cst.FunctionDef:
    body = list(function.body.body)
    at = 0
    if (
        body
        and isinstance(body[0], cst.SimpleStatementLine)
        and isinstance(body[0].body[0], cst.Expr)
        and isinstance(body[0].body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    ):
        at = 1
    if after_super:
        for index in range(at, len(body)):
            if "super(" in cst.Module([]).code_for_node(body[index]):
                at = index + 1
                break
    body[at:at] = [parse_statement(line) for line in lines]
    return function.with_changes(body=function.body.with_changes(body=body))
