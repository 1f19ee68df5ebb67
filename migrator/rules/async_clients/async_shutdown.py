"""STT011: asyncio sessions end with ``Terminate`` and read the last turn before closing.

The asyncio tutorial runs ``await asyncio.gather(send(), receive())`` inside ``async with
websockets.connect(...)`` until Ctrl-C cancels it, and the socket closes mid-session: v3
keeps billing until the session is terminated, and the last turn is only sent after
``Terminate``. The ``gather`` is wrapped in ``try``/``finally``: when it ends for any
reason (Ctrl-C, task cancellation, a Streamlit ``run`` flag going false, a file source
running out) the script sends ``{"type": "Terminate"}`` and keeps reading, at most 5 s
per message, until ``Termination`` and the server's close; the tutorial's own
``receive()`` does the reading when it loops until the socket closes, so the last turn is
printed like the others; when it stops on a flag instead (Streamlit), a loop reads until
``Termination`` and prints the last final turn. ``asyncio.run(...)`` is wrapped so that Ctrl-C ends the program
quietly after that, instead of with a traceback (and ends a ``while True`` reconnect loop).
``loop.run_until_complete(main())`` on a module-level loop used for nothing else (its
``loop.close()`` aside) becomes ``asyncio.run(main())``: on Ctrl-C ``run_until_complete``
leaves the session task unfinished, so its ``finally`` never sends ``Terminate``, while
``asyncio.run`` cancels the task and lets it finish. A loop used otherwise gets a note.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.model import roles
from migrator.protocol import final_turn_test
from migrator.rules.base import Rule
from migrator.syntax import (
    call_name,
    dotted_name,
    parse_expression,
    parse_statement,
    sole_expression,
    sole_value,
    try_catching_ctrl_c,
)

TERMINATE_TIMEOUT = 5
#: Calls that make the event loop a script then drives with run_until_complete.
_LOOP_FACTORIES = frozenset({"asyncio.get_event_loop", "asyncio.new_event_loop"})


def _awaited_gather(statement, model):
    """The ``asyncio.gather(...)`` call a statement awaits (``await gather`` or ``x = await gather``)."""
    value = sole_value(statement)
    if (
        isinstance(value, cst.Await)
        and isinstance(value.expression, cst.Call)
        and model.qualified_name(value.expression.func) == "asyncio.gather"
    ):
        return value.expression
    return None


def _statements_just_before(block, statement, ids: set) -> bool:
    """Whether the statements right above ``statement`` in ``block`` are those of ``ids``
    (the loop's set-up), so its blank lines and comments can move down to ``statement``."""
    body = list(getattr(block, "body", ()))
    index = next((i for i, other in enumerate(body) if other is statement), 0)
    above = [id(other) for other in body[:index]]
    count = sum(1 for key in ids if key in above)
    return bool(count) and set(above[index - count : index]) <= ids


class AsyncShutdown(Rule):
    code = "STT011"
    name = "async-shutdown"
    summary = "asyncio gather/asyncio.run -> Terminate, read until Termination, quiet Ctrl-C"
    markers = RULE_MARKERS[code]
    example_before = """
        import asyncio
        import json

        import websockets

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        async def main(key):
            async with websockets.connect(URL, additional_headers={"Authorization": key}) as ws:
                async def receive():
                    while True:
                        print(await ws.recv())

                await asyncio.gather(send(ws), receive())


        asyncio.run(main(KEY))
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.socket_libraries: dict = {}  # name bound by ``async with`` -> its connection's library
        self.sockets: list = []  # names bound by ``async with <connect>(...) as name`` around the walk
        self.coroutines: dict = {}  # (id(enclosing scope), name) -> FunctionDef
        self.gathers: dict = {}  # id(statement) -> (socket, awaited calls, scope id, class id, the With, a lone await?)
        self.sessions: dict = {}  # id(async With on a v2 connection) -> (With, statement it opens)
        self.handled: set = set()  # ids of the Withs whose session gets a Terminate
        self.loop_runs: list = []  # (call, statement, inside a loop, its block): loop.run_until_complete(...)
        self.event_loops: dict = {}  # name -> module-level ``name = asyncio.get_event_loop()`` statement
        self.loop_closes: dict = {}  # name -> module-level ``name.close()`` statements
        self.module = None
        self.loop_conversions: dict = {}  # id(run_until_complete statement) -> its loop's name
        self.dropped: set = set()  # ids of the loop's own statements that go with it
        self.carried: dict = {}  # id(converted statement) -> blank lines of the assignment just above it
        self.runs: dict = {}  # id(statement) -> "pass" | "break"
        self.early_closes: list = []  # (await close(), statement) right after a Terminate send

    # --- analysis -------------------------------------------------------------------------
    def collect_With(self, node: cst.With) -> None:
        name = None
        if node.asynchronous is not None:
            for item in node.items:
                if isinstance(item.item, cst.Call) and self._is_connect(item.item) and item.asname is not None:
                    name = dotted_name(item.asname.name) or None
                    self.socket_libraries[name] = self.context.model.connection_opened_by(item.item)
        if name is not None:
            self.sessions[id(node)] = (node, self.context.statement_stack[-1])
        self.sockets.append(name)

    def collect_leave_With(self, node: cst.With) -> None:
        self.sockets.pop()

    def collect_For(self, node: cst.For) -> None:
        """``async for message in ws:`` read by the coroutine that opened the session: when it
        ends (the server closed, or Ctrl-C cancelled the coroutine), Terminate goes out and the
        reading goes on to Termination, as after a gather of the script's tasks."""
        socket = next((name for name in reversed(self.sockets) if name), None)
        if socket is None or node.asynchronous is None or dotted_name(node.iter) != socket:
            return
        ancestors = self.context.ancestors
        session = next((a for a in reversed(ancestors) if id(a) in self.sessions), None)
        if session is None or any(isinstance(a, cst.FunctionDef) for a in ancestors[ancestors.index(session) :]):
            return  # a reader coroutine of its own: the session's gather, if any, is where it ends
        self._end_session_after(node, socket, [], session, single=False)

    def _end_session_after(self, statement, socket: str, calls: list, session, single: bool) -> None:
        """Plan Terminate and the read to Termination once ``statement`` ends (``calls``:
        the awaited calls in it, to find the script's reader among)."""
        function, owner = self.context.current_function, self.context.current_class
        self.gathers[id(statement)] = (
            socket,
            calls,
            id(function) if function is not None else 0,
            id(owner) if owner is not None else None,
            session,
            single,
        )

    def _is_connect(self, call: cst.Call) -> bool:
        """An asyncio connection to the service (websockets or aiohttp), per the value model."""
        return self.context.model.connection_opened_by(call) in roles.ASYNCIO_LIBRARIES

    def collect_FunctionDef(self, node: cst.FunctionDef) -> None:
        scopes = self.context.scope_stack[:-1]
        parent = id(scopes[-1]) if scopes else 0
        self.coroutines[(parent, node.name.value)] = node

    def collect_SimpleStatementLine(self, node: cst.SimpleStatementLine) -> None:
        self._close_right_after_terminate(node)
        socket = next((name for name in reversed(self.sockets) if name), None)
        if socket is not None:  # only inside a session is there anything to wait for
            session = next((a for a in reversed(self.context.ancestors) if id(a) in self.sessions), None)
            gather = _awaited_gather(node, self.context.model)
            awaited = self._last_awaited_call(node, session)
            if gather is not None or awaited is not None:
                calls = [arg.value for arg in gather.args] if gather is not None else [awaited]
                self._end_session_after(node, socket, calls, session, single=gather is None)
                return
        value = sole_expression(node)
        function = self.context.current_function
        if isinstance(value, cst.Call) and (function is None or function.asynchronous is None):
            # the entry point: at module level, or in a plain ``def main()`` the script calls
            name = self.context.model.qualified_name(value.func) or ""
            method = value.func.attr.value if isinstance(value.func, cst.Attribute) else ""
            if (name == "asyncio.run" or (method == "run_until_complete" and function is None)) and try_catching_ctrl_c(
                self.context.ancestors
            ) is None:
                inside_loop = any(isinstance(a, (cst.While, cst.For)) for a in self.context.ancestors[:-1])
                if method == "run_until_complete":
                    self.loop_runs.append((value, node, inside_loop, self.context.parent()))
                else:
                    self.runs[id(node)] = "break" if inside_loop else "pass"
        if self.context.scope_stack:
            return
        if type(value) is cst.Call and call_name(value).endswith(".close") and not value.args:
            self.loop_closes.setdefault(dotted_name(value.func.value), []).append(node)
        elif (
            type(value) is cst.Call
            and len(value.args) == 1
            and self.context.model.qualified_name(value.func) == "asyncio.set_event_loop"
        ):
            # ``asyncio.set_event_loop(loop)``: part of setting the loop up, gone with it
            self.loop_closes.setdefault(dotted_name(value.args[0].value), []).append(node)
        small = node.body[0] if len(node.body) == 1 else None
        if type(small) is cst.Assign and len(small.targets) == 1 and type(small.targets[0].target) is cst.Name:
            if (
                type(small.value) is cst.Call
                and not small.value.args
                and self.context.model.qualified_name(small.value.func) in _LOOP_FACTORIES
            ):
                self.event_loops[small.targets[0].target.value] = node

    def collect_Module(self, node: cst.Module) -> None:
        self.module = node

    @staticmethod
    def _last_awaited_call(node, session):
        """``await work(ws)`` as the last statement of the ``async with`` session block."""
        value = sole_value(node)
        if session is None or not (isinstance(value, cst.Await) and isinstance(value.expression, cst.Call)):
            return None
        body = session.body.body if isinstance(session.body, cst.IndentedBlock) else ()
        return value.expression if body and body[-1] is node else None

    def _close_right_after_terminate(self, node: cst.SimpleStatementLine) -> None:
        """``await ws.send(terminate); await ws.close()`` loses the last turn in v3."""
        value = sole_expression(node)
        if not (
            isinstance(value, cst.Await)
            and isinstance(value.expression, cst.Call)
            and call_name(value.expression).endswith(".close")
        ):
            return
        block = self.context.ancestors[-2] if len(self.context.ancestors) > 1 else None
        body = list(getattr(block, "body", ()))
        if node not in body or body.index(node) == 0:
            return
        previous = cst.Module([]).code_for_node(body[body.index(node) - 1])
        if "terminate_session" in previous or '"Terminate"' in previous:
            self.early_closes.append((value, node))

    def finish_analysis(self) -> None:
        if not self.facts.speaks_v2:
            self.gathers.clear()
            self.runs.clear()
            return
        for value, statement in self.early_closes:
            self.note(
                value,
                "v3 sends the last turn and Termination after Terminate: keep reading until "
                "Termination (e.g. await the reader task, bounded) before closing",
                statement=statement,
            )
        if self.facts.sends_terminate:
            self.gathers.clear()
            self.runs.clear()
            return
        for key, (_socket, calls, scope, owner, session, single) in list(self.gathers.items()):
            if single and self._reader(calls, scope, owner) is None:
                del self.gathers[key]  # a lone await that is not the reader: draining beside it would race
            elif session is not None:
                self.handled.add(id(session))
        for key, (session, statement) in self.sessions.items():
            if key not in self.handled:
                self.note(
                    session,
                    'v3 bills until the session ends: send {"type": "Terminate"} and read until '
                    "Termination before this connection closes",
                    statement=statement,
                )
        if not self.gathers:
            self.runs.clear()
        for call, statement, inside_loop, block in self.loop_runs:
            if not self.gathers:
                continue
            loop = dotted_name(call.func.value) if type(call.func) is cst.Attribute else ""
            closes = self.loop_closes.get(loop, [])
            # Its assignment, this call and its close()s: a loop used for nothing else.
            if (
                loop in self.event_loops
                and len(call.args) == 1
                and self.context.model.references(self.event_loops[loop].body[0].targets[0].target) == 1 + len(closes)
                and not any(line.comment for line in self.event_loops[loop].leading_lines)
            ):
                self.loop_conversions[id(statement)] = loop
                setup = {id(self.event_loops[loop]), *(id(close) for close in closes)}
                if _statements_just_before(block, statement, setup):
                    self.carried[id(statement)] = self.event_loops[loop].leading_lines
                self.dropped |= setup
                self.runs[id(statement)] = "break" if inside_loop else "pass"
                continue
            self.note(
                call,
                "on Ctrl-C run_until_complete leaves the session task unfinished, so its finally "
                "(Terminate) never runs: asyncio.run(...) cancels it and lets it finish",
                statement=statement,
            )

    def nodes_to_rewrite(self):
        return {*self.gathers, *self.runs, *self.dropped}

    # --- rewrite --------------------------------------------------------------------------
    def rewrite_SimpleStatementLine(self, original, updated):
        if id(original) in self.gathers:
            return self._terminate_after(original, updated)
        if id(original) in self.dropped:
            self.applied()
            return cst.RemoveFromParent()
        if id(original) in self.loop_conversions:
            call = updated.body[0].value
            asyncio_name = self.module_name("asyncio")
            updated = updated.with_changes(
                body=[
                    updated.body[0].with_changes(value=call.with_changes(func=parse_expression(f"{asyncio_name}.run")))
                ],
                leading_lines=[*self.carried.get(id(original), ()), *updated.leading_lines],
            )
        exit_statement = self.runs.get(id(original))
        if exit_statement is not None:
            self.applied()
            wrapper = cst.ensure_type(
                parse_statement(f"try:\n    pass\nexcept KeyboardInterrupt:\n    {exit_statement}\n"), cst.Try
            )
            return wrapper.with_changes(
                body=wrapper.body.with_changes(body=[updated.with_changes(leading_lines=())]),
                leading_lines=updated.leading_lines,
            )
        return updated

    def rewrite_For(self, original, updated):
        if id(original) in self.gathers:
            return self._terminate_after(original, updated)
        return updated

    def _terminate_after(self, original, updated):
        socket, calls, scope, owner, _, _ = self.gathers[id(original)]
        json_name = self.module_name("json")
        asyncio_name = self.module_name("asyncio")
        websockets_name = self.facts.alias_of("websockets")
        errors = (
            f"({websockets_name}.exceptions.ConnectionClosed, {asyncio_name}.TimeoutError)"
            if websockets_name
            else "Exception"
        )
        aiohttp = self.socket_libraries.get(socket) == roles.AIOHTTP
        if aiohttp:
            next_message = f"await {asyncio_name}.wait_for({socket}.receive_json(), timeout={TERMINATE_TIMEOUT})"
        else:
            next_message = (
                f"{json_name}.loads(await {asyncio_name}.wait_for({socket}.recv(), timeout={TERMINATE_TIMEOUT}))"
            )
        reader = self._reader(calls, scope, owner)
        lines = [
            "try:",
            "    pass",
            "finally:",
            "    # end the session (v3 bills until it ends), then read to Termination",
            "    try:",
            f'        await {socket}.{"send_str" if aiohttp else "send"}({json_name}.dumps({{"type": "Terminate"}}))',
        ]
        if reader is not None:
            lines.append(f"        await {asyncio_name}.wait_for({reader}, timeout={TERMINATE_TIMEOUT})")
        else:
            # No reader to reuse (it stops on a flag): print the last turn the way the tutorials do.
            # A name the file does not use: the function's nested coroutines may read a
            # ``message`` of their own from elsewhere, which a new local here would capture.
            message = self.context.model.unused_name("message")
            lines += [
                "        while True:",
                f"            {message} = {next_message}",
                f'            if {message}.get("type") == "Termination":',
                "                break",
                f"            if {final_turn_test(message, self.facts.format_turns)}:",
                f'                print({message}.get("transcript", ""))',
            ]
        lines += [f"    except {errors}:", "        pass"]
        wrapper = cst.ensure_type(parse_statement("\n".join(lines) + "\n"), cst.Try)
        self.applied()
        return wrapper.with_changes(
            body=wrapper.body.with_changes(body=[updated.with_changes(leading_lines=())]),
            leading_lines=updated.leading_lines,
        )

    def _reader(self, calls: list, scope: int, owner):
        """The awaited coroutine call that reads the socket until it closes, if any: a
        coroutine defined in the same function or the module, or a method of the same class."""
        for call in calls:
            if not isinstance(call, cst.Call):
                continue
            name = dotted_name(call.func)
            if name.startswith("self.") and owner is not None:
                function = self.coroutines.get((owner, name[5:]))
            else:
                function = self.coroutines.get((scope, name)) or self.coroutines.get((0, name))
            if function is None:
                continue
            code = cst.Module([]).code_for_node(function)
            if (".recv(" in code or ".receive(" in code) and "while True" in code:
                return cst.Module([]).code_for_node(call)
        return None
