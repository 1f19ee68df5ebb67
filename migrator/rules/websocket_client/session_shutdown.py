"""STT007: the session ends with ``Terminate``, waits for ``Termination``, then cleans up.

v3 is billed for as long as the socket stays open, and the last transcript of a session
only arrives after the client sends ``{"type": "Terminate"}``. v2 scripts typically block
in ``ws.run_forever()`` until Ctrl-C kills them mid-session. Where a script has no
termination of its own, the blocking ``run_forever()`` moves to a daemon thread and the
main thread waits for it, so that Ctrl-C sets the stop event, lets the audio thread
finish its chunk, sends ``Terminate`` and waits (at most 5 s) for the server's
``Termination`` and close; a ``finally`` block closes the socket and releases the pyaudio
stream. This is the guide's final v3 script, except that it waits on the session rather
than sleeping a fixed 5 s. In a class that runs ``run_forever`` in its own thread, the
``close()`` of the socket is preceded by the same Terminate-and-wait.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.model.audio import is_audio_open
from migrator.protocol import final_turn_test
from migrator.rules.base import Rule
from migrator.syntax import catches_ctrl_c, dotted_name, parse_statements

TERMINATE_TIMEOUT = 5
_WAIT = "# wait until Termination arrives and the server closes"
_READ_TO_TERMINATION = "# read until Termination: v3 sends the last turn after Terminate"
_IN_A_THREAD = "# in a thread: run_forever() would catch Ctrl-C before the handler below"


class SessionShutdown(Rule):
    code = "STT007"
    name = "session-shutdown"
    summary = "run_forever()/close() -> Ctrl-C sends Terminate, waits for Termination, cleans up in finally"
    markers = RULE_MARKERS[code]
    example_before = """
        import websocket

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"
        ws = websocket.WebSocketApp(URL, header={"Authorization": API_KEY}, on_message=on_message)
        ws.run_forever()
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.wrapped: dict = {}  # id(run_forever statement) -> app
        self.threaded: dict = {}  # id(run_forever statement in a Ctrl-C try) -> app
        self.drained: dict = {}  # id(close of a create_connection socket after Terminate) -> socket
        self.before_close: dict = {}  # id(close statement) -> (app, terminate already sent)
        self.thread_name = "ws_thread"

    def finish_analysis(self) -> None:
        if not self.facts.speaks_v2:
            return
        session = self.facts.session
        for app in session.apps:
            if app.target is None:
                if not self.facts.sends_terminate:
                    # ``WebSocketApp(...).run_forever()``: no name to send Terminate through.
                    where = app.blocking_runs[0][0] if app.blocking_runs else app.statement
                    self.note(
                        app.call,
                        "v3 bills until the session ends: keep the app in a variable, send "
                        '{"type": "Terminate"} and wait for Termination before closing',
                        statement=where,
                    )
                continue
            runs = [(statement, block) for statement, block in app.blocking_runs if app.owner_class is None]
            handler = self._ctrl_c_handler_that_closes(app, runs)
            if handler is not None:
                # The script's own Ctrl-C handler closes the app, but run_forever() catches
                # KeyboardInterrupt itself and returns: in a thread, the handler gets it.
                self.threaded[id(runs[0][0])] = app
                self._name_thread()
                self._wait_before_closes(app, [close for close in app.closes if close[2] is handler], self.thread_name)
            elif runs and not self.facts.sends_terminate and not app.closes:
                statement, _ = runs[0]
                self.wrapped[id(statement)] = app
                self._name_thread()
            elif app.thread is not None and app.closes:
                self._wait_before_closes(app, app.closes, app.thread)
            elif not self.facts.sends_terminate:
                where = app.blocking_runs[0][0] if app.blocking_runs else app.statement
                self.note(
                    app.call,
                    'v3 bills until the session ends: send {"type": "Terminate"} and wait for Termination before closing',
                    statement=where,
                )
        for statement, block, container, socket in session.connection_closes:
            if not self._terminate_precedes(statement, block):
                continue
            if _read_in_the_try_of(container, block, dotted_name(socket)):
                self.drained[id(statement)] = dotted_name(socket)
            else:
                self.note(
                    socket,
                    "v3 sends the last turn and Termination after Terminate: keep reading until "
                    "Termination (bounded) before closing",
                    statement=statement,
                )

    def _wait_before_closes(self, app, closes: list, thread: str) -> None:
        """Each of ``closes`` (of ``app``, whose session runs in ``thread``) is preceded by
        Terminate and the wait for Termination, unless the code around it already waits."""
        for statement, block, container in closes:
            if not _waits_for_termination(container, thread):
                self.before_close[id(statement)] = (app, self._terminate_precedes(statement, block))

    def _name_thread(self) -> None:
        if self.thread_name == "ws_thread":
            self.thread_name = self.context.model.unused_name("ws_thread")

    @staticmethod
    def _ctrl_c_handler_that_closes(app, runs: list):
        """The ``try`` around the app's blocking run whose Ctrl-C handler (or ``finally``)
        closes the app, if there is one."""
        handler = app.ctrl_c_tries.get(id(runs[0][0])) if runs else None
        if handler is not None and any(container is handler for _, _, container in app.closes):
            return handler
        return None

    @staticmethod
    def _terminate_precedes(statement, block) -> bool:
        body = list(getattr(block, "body", ()))
        if statement not in body:
            return False
        index = body.index(statement)
        if index == 0:
            return False
        previous = cst.Module([]).code_for_node(body[index - 1])
        return "terminate_session" in previous or '"Terminate"' in previous or "'Terminate'" in previous

    def nodes_to_rewrite(self):
        return {*self.wrapped, *self.threaded, *self.before_close, *self.drained}

    # --- rewrite --------------------------------------------------------------------------
    def rewrite_SimpleStatementLine(self, original, updated):
        app = self.wrapped.get(id(original))
        if app is not None:
            return self._wrap_run_forever(app, updated)
        app = self.threaded.get(id(original))
        if app is not None:
            return self._run_forever_in_a_thread(app, updated)
        planned = self.before_close.get(id(original))
        if planned is not None:
            return self._terminate_before_close(*planned, updated)
        socket = self.drained.get(id(original))
        if socket is not None:
            return self._read_to_termination_before(socket, updated)
        return updated

    def _read_to_termination_before(self, socket: str, statement):
        """The close of a socket the handler's own thread was reading, after Terminate: the
        last turn and Termination are read first (at most 5 s), printing the turn's end as
        the tutorials do."""
        message = self.context.model.unused_name("message")
        websocket_name, json_name = self.module_name("websocket"), self.module_name("json")
        lines = [
            f"{socket}.settimeout({TERMINATE_TIMEOUT})",
            "try:",
            "    while True:",
            f"        {message} = {json_name}.loads({socket}.recv())",
            f'        if {message}.get("type") == "Termination":',
            "            break",
            f"        if {final_turn_test(message, self.facts.format_turns)}:",
            f'            print({message}.get("transcript", ""))',
            f"except ({websocket_name}.WebSocketException, OSError, ValueError):",
            "    pass",
        ]
        block = parse_statements("\n".join(lines) + "\n")
        self.applied()
        first = _commented(block[0], statement.leading_lines, _READ_TO_TERMINATION)
        return cst.FlattenSentinel([first, *block[1:], statement.with_changes(leading_lines=())])

    def _run_forever_in_a_thread(self, app, statement):
        thread, time_name = self.thread_name, self.module_name("time")
        self.context.add_import("threading")
        lines = [
            f"{thread} = threading.Thread(target={self._run_target(app, statement)}, daemon=True)",
            f"{thread}.start()",
            f"while {thread}.is_alive():",
            f"    {time_name}.sleep(0.1)",
        ]
        block = parse_statements("\n".join(lines) + "\n")
        self.applied()
        first = _commented(block[0], statement.leading_lines, _IN_A_THREAD)
        return cst.FlattenSentinel([first, *block[1:]])

    @staticmethod
    def _run_target(app, statement) -> str:
        call = statement.body[0].value
        return f"{app.target}.run_forever" if not call.args else f"lambda: {cst.Module([]).code_for_node(call)}"

    def _wrap_run_forever(self, app, statement):
        ws = app.target
        run = self._run_target(app, statement)
        thread = self.thread_name
        stop, audio_thread = self.facts.stop_event, self.facts.audio_thread
        json_name = self.module_name("json")
        time_name = self.module_name("time")
        self.context.add_import("threading")
        # Sleep, not join(timeout): on Python < 3.12 a Ctrl-C that interrupts join() leaves
        # the thread reported as finished, and the wait for Termination would return at once.
        lines = [
            f"{thread} = threading.Thread(target={run}, daemon=True)",
            f"{thread}.start()",
            "try:",
            f"    while {thread}.is_alive():",
            f"        {time_name}.sleep(0.1)",
            "except KeyboardInterrupt:",
        ]
        stop_lines = [f"{stop}.set()"] if stop else []
        if audio_thread:
            stop_lines += [f"if {audio_thread} is not None:", f"    {audio_thread}.join(timeout=1)"]
        lines += [f"    {line}" for line in stop_lines]
        lines += [
            f"    if {ws}.sock and {ws}.sock.connected:",
            f'        {ws}.send({json_name}.dumps({{"type": "Terminate"}}))',
            f"        {_WAIT}",
            f"        {thread}.join(timeout={TERMINATE_TIMEOUT})",
            "finally:",
        ]
        lines += [f"    {line}" for line in stop_lines]
        lines.append(f"    {ws}.close()")
        lines += [f"    {line}" for line in self._audio_cleanup()]
        block = parse_statements("\n".join(lines) + "\n")
        self.applied()
        first = block[0].with_changes(leading_lines=statement.leading_lines)
        return cst.FlattenSentinel([first, *block[1:]])

    def _audio_cleanup(self) -> list:
        """Release the module's pyaudio stream, unless the script already closes it."""
        constants = self.facts.constants
        for name, value in constants.items():
            if "." in name or not is_audio_open(value):
                continue
            owner = dotted_name(value.func.value)
            if name in self.facts.closed_streams:
                return []
            lines = [f"{name}.stop_stream()", f"{name}.close()"]
            if owner in constants:
                lines.append(f"{owner}.terminate()")
            return lines
        return []

    def _terminate_before_close(self, app, terminate_sent: bool, statement):
        ws, stop, audio_thread = app.target, self.facts.stop_event, self.facts.audio_thread
        thread = app.thread or self.thread_name
        indent_lines = []
        if stop and not terminate_sent:
            indent_lines.append(f"{stop}.set()")
        if audio_thread and not terminate_sent:
            indent_lines += [f"if {audio_thread} is not None:", f"    {audio_thread}.join(timeout=1)"]
        if not terminate_sent:
            json_name = self.module_name("json")
            indent_lines += [
                f"if {ws}.sock and {ws}.sock.connected:",
                f'    {ws}.send({json_name}.dumps({{"type": "Terminate"}}))',
                f"    {_WAIT}",
                f"    {thread}.join(timeout={TERMINATE_TIMEOUT})",
            ]
        else:
            indent_lines.append(f"{thread}.join(timeout={TERMINATE_TIMEOUT})")
        block = parse_statements("\n".join(indent_lines) + "\n")
        block[0] = _commented(block[0], statement.leading_lines, _WAIT if terminate_sent else None)
        self.applied()
        return cst.FlattenSentinel([*block, statement.with_changes(leading_lines=())])


def _waits_for_termination(container, thread: str) -> bool:
    """The code around a close already sends Terminate and waits on the session thread."""
    if container is None:
        return False
    code = cst.Module([]).code_for_node(container) if not isinstance(container, cst.Module) else container.code
    return '"Terminate"' in code and f"{thread}.join(" in code


def _commented(statement, leading_lines, comment):
    """``statement`` after ``leading_lines``, and ``comment`` on a line of its own above it (a
    comment parsed before a module's first statement would go to the module, not to it)."""
    lines = list(leading_lines)
    if comment is not None:
        lines.append(cst.EmptyLine(comment=cst.Comment(comment)))
    return statement.with_changes(leading_lines=lines)


def _read_in_the_try_of(container, block, socket: str) -> bool:
    """``block`` is a Ctrl-C handler of the ``try`` ``container`` whose body reads ``socket``:
    the thread that reads it is the one handling Ctrl-C, so it may read on to Termination."""
    if not isinstance(container, cst.Try) or not catches_ctrl_c(container):
        return False
    if not any(handler.body is block for handler in container.handlers):
        return False
    return f"{socket}.recv(" in cst.Module([]).code_for_node(container.body)
