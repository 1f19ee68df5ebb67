"""STT004: base64 JSON audio becomes binary frames of 50 ms.

v3 takes audio only as binary WebSocket frames; a v2 ``{"audio_data": <base64>}`` text
message closes the session with 3006. The read -> ``base64.b64encode(...).decode()`` ->
``json.dumps({"audio_data": ...})`` -> ``send`` chain collapses into one binary send of the
raw bytes (``ws.send(data, websocket.ABNF.OPCODE_BINARY)`` for websocket-client, plain
``send(bytes)`` for websockets, ``send_bytes`` for aiohttp), and ``base64`` is dropped
when nothing else uses it. Base64 text that arrives from elsewhere (a browser) is decoded
before sending. v3 also wants 50-1000 ms of audio per message and recommends 50 ms, so a
literal pyaudio chunk size becomes 50 ms at the known sample rate (800 frames at 16 kHz),
as the migration guide does; a computed one outside 50-1000 ms gets a note. Reads from
the microphone get ``exception_on_overflow=False`` so a slow consumer drops audio instead
of killing the sender thread.
"""

from __future__ import annotations

import re

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.model import roles
from migrator.model.audio import chunk_ms_range, evaluate, is_audio_open, local_assignments
from migrator.model.libraries import BASE64_ENCODERS, JSON_DUMPS
from migrator.notes import ERROR
from migrator.protocol import CHUNK_MS, MAX_CHUNK_MS, MIN_CHUNK_MS
from migrator.rules.base import Rule
from migrator.syntax import call_name, dotted_name, keyword, parse_expression, string_value, with_arguments

_SEND_METHODS = ("send", "send_str", "send_text", "send_json")
_WEBSOCKETS_FAMILY = frozenset({roles.WEBSOCKETS, roles.WEBSOCKETS_LEGACY, roles.WEBSOCKETS_SYNC})


class _Unwinding:
    """Follows a JSON audio message back to the raw bytes it was built from: through
    ``json.dumps``, the ``{"audio_data": ...}`` dict, ``str()``/``.decode()``, the base64
    encoding, the assignments of the same block that held each step (removed when nothing
    else reads them) and a helper function that returns the message (its call replaced by
    the argument that carried the bytes, the helper removed when nothing else calls it)."""

    def __init__(self, rule, parameters=()) -> None:
        self.rule = rule
        #: Inside a helper: its parameters, where the chain continues at the caller.
        self.parameters = tuple(parameters)
        self.model = rule.context.model
        self.removed: set = set()
        self.consumed: set = set()
        #: (helper def, its call, the JSON calls inside it) for each helper the chain went through.
        self.helpers: list = []
        self.encoded = False
        self.decoded = False
        #: id(Return) -> the raw bytes a helper returns instead of its JSON message.
        self.returns: dict = {}

    def raw_bytes(self, node, block, inline: bool, depth: int = 0):
        if depth > 12:
            return None
        node = _unwrap_str(node)
        if type(node) is cst.Call:
            name = self.model.qualified_name(node.func)
            if name in JSON_DUMPS and node.args:
                self.consumed.add(id(node))
                return self.raw_bytes(node.args[0].value, block, inline, depth + 1)
            if name in BASE64_ENCODERS and node.args:
                self.encoded = True
                return node.args[0].value
            if type(node.func) is cst.Attribute and node.func.attr.value == "decode":
                if self.model.is_base64_audio(node.func.value):
                    return self.raw_bytes(node.func.value, block, inline, depth + 1)
            return self._through_helper(node, block, inline, depth)
        if type(node) is cst.Dict:
            value = _audio_value(node)
            if value is None:
                return None
            raw = self.raw_bytes(value, block, inline, depth + 1)
            if isinstance(raw, _Parameter):
                return raw
            if raw is None and inline:
                # Base64 text from elsewhere (a browser, a queue): decode it back to bytes.
                self.decoded = True
                return cst.Call(parse_expression("base64.b64decode"), [cst.Arg(_unwrap_str(value))])
            return raw
        if type(node) is cst.Name and block is not None:
            raw = self._through_assignment(node, block, depth)
            if raw is None and node.value in self.parameters and not _assigned_in(block[0], node.value):
                return _Parameter(node.value)
            return raw
        return None

    def _through_assignment(self, name: cst.Name, block, depth: int):
        """The value of the assignment to ``name`` that reaches the use at ``block``."""
        body, index = block
        for position in range(index - 1, -1, -1):
            statement = body[position]
            if not _assigns(statement, name.value):
                continue
            later_uses = sum(_mentions(other, name.value) for other in body[position + 1 : index])
            after = sum(_mentions(other, name.value) for other in body[index + 1 :])
            if later_uses or after:
                return None
            value = statement.body[0].value
            if not (
                self.model.is_audio_json(value)
                or self.model.is_audio_payload(value)
                or self.model.is_base64_audio(value)
            ):
                return None
            raw = self.raw_bytes(value, (body, position), inline=True, depth=depth + 1)
            if raw is not None:
                self.removed.add(id(statement))
            return raw
        return None

    def _through_helper(self, call: cst.Call, block, inline: bool, depth: int):
        functions = self.model.functions_called(call)
        if len(functions) != 1 or type(functions[0]) is not cst.FunctionDef:
            return None
        helper = functions[0]
        body = list(helper.body.body) if type(helper.body) is cst.IndentedBlock else []
        returns = [
            (i, s) for i, s in enumerate(body) if type(s) is cst.SimpleStatementLine and type(s.body[0]) is cst.Return
        ]
        if len(returns) != 1 or returns[0][1].body[0].value is None:
            return None
        position, statement = returns[0]
        parameters = [param.name.value for param in helper.params.params]
        inner = _Unwinding(self.rule, parameters)
        raw = inner.raw_bytes(statement.body[0].value, (body, position), inline=False, depth=depth + 1)
        if isinstance(raw, _Parameter):
            name, carries_bytes = raw.name, False  # the caller passes the base64 text or the payload
        elif type(raw) is cst.Name and raw.value in parameters:
            name, carries_bytes = raw.value, True  # the caller passes the raw bytes
        else:
            return self._helper_returns_bytes(call, helper, statement, depth)
        argument = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == name), None)
        if argument is None:
            positional = [a.value for a in call.args if a.keyword is None and not a.star]
            index = parameters.index(name)
            if index >= len(positional):
                return None
            argument = positional[index]
        if not carries_bytes:
            argument = self.raw_bytes(argument, block, inline, depth + 1)
            if argument is None:
                return None
        # The helper itself is left as it is here: it goes once every call of it is a send
        # that no longer needs it (BinaryAudio.finish_analysis), never only in part.
        # (Its JSON is the send's no more once the helper goes; else it is noted as any other.)
        self.helpers.append((helper, call, inner.consumed))
        self.helpers += inner.helpers
        self.encoded |= inner.encoded
        return argument

    def _helper_returns_bytes(self, call: cst.Call, helper: cst.FunctionDef, statement, depth: int):
        """A helper building the message from something else (base64 text a browser sent):
        when only this send calls it, it returns the decoded bytes instead."""
        if self.model.references(helper.name) != 1:
            return None
        body = list(helper.body.body)
        inner = _Unwinding(self.rule)
        raw = inner.raw_bytes(statement.body[0].value, (body, body.index(statement)), inline=True, depth=depth + 1)
        if raw is None or isinstance(raw, _Parameter):
            return None
        self.returns[id(statement.body[0])] = raw
        self.encoded |= inner.encoded
        self.decoded |= inner.decoded
        self.consumed |= inner.consumed
        self.removed |= inner.removed
        return call


class _Parameter:
    """Unwinding inside a helper reached one of its parameters: the caller's argument
    carries the rest of the chain."""

    def __init__(self, name: str) -> None:
        self.name = name


def _audio_value(node):
    """``V`` of a ``{"audio_data": V}`` dict, else None."""
    if isinstance(node, cst.Dict) and len(node.elements) == 1:
        element = node.elements[0]
        if isinstance(element, cst.DictElement) and string_value(element.key) == "audio_data":
            return element.value
    return None


def _unwrap_str(node):
    if isinstance(node, cst.Call) and call_name(node) == "str" and len(node.args) == 1:
        return node.args[0].value
    return node


def _mentions(statement, name: str) -> int:
    return len(re.findall(rf"(?<![\w.]){re.escape(name)}\b", cst.Module([]).code_for_node(statement)))


class BinaryAudio(Rule):
    code = "STT004"
    name = "binary-audio"
    summary = "base64 JSON audio_data -> binary frames; chunk size -> 50 ms"
    markers = RULE_MARKERS[code]
    example_before = """
        import base64
        import json

        import websocket

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        def send_audio(ws, stream):
            data = stream.read(3200)
            data = base64.b64encode(data).decode("utf-8")
            json_data = json.dumps({"audio_data": str(data)})
            ws.send(json_data)
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.removed: set = set()  # ids of statements to delete
        self.sends: dict = {}  # id(send call) -> (raw audio expression, library of the connection)
        self.chunks: list = []  # (open call, its statement, the function it is in)
        self.reads: set = set()  # ids of stream.read calls to make overflow-tolerant
        self.chunk_literals: dict = {}  # id(Integer) -> sample rate
        self.literal_reads: list = []  # (Integer frames argument of stream.read, its open() call)
        #: json.dumps of an audio payload, and the ids of those a planned binary send replaces.
        self.payloads: list = []
        self.consumed: set = set()
        self.returns: dict = {}  # id(Return of a payload helper) -> the raw bytes it returns instead
        #: id(payload helper) -> (the helper, ids of the calls of it that planned sends no longer
        #: make, ids of the JSON calls inside it)
        self.helper_calls: dict = {}

    # --- analysis -------------------------------------------------------------------------
    def collect_Call(self, node: cst.Call) -> None:
        if is_audio_open(node):
            self.chunks.append((node, self.context.statement_stack[-1], self.context.current_function))
            return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "read" and node.args:
            opener = self.context.model.microphone_opened_by(node.func.value)
            if opener is not None:
                if keyword(node, "exception_on_overflow") is None:
                    self.reads.add(id(node))
                if isinstance(node.args[0].value, cst.Integer):
                    self.literal_reads.append((node.args[0].value, opener))
            return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in _SEND_METHODS and node.args:
            self._plan_send(node)
        elif self.context.model.is_audio_json(node) and self.context.model.qualified_name(node.func) in JSON_DUMPS:
            self.payloads.append((node, self.context.statement_stack[-1] if self.context.statement_stack else None))

    def _plan_send(self, send: cst.Call) -> None:
        """A send of a JSON audio message becomes a binary send of the raw bytes behind it,
        however the message was built (inline, through variables, in a helper)."""
        model = self.context.model
        argument = send.args[0].value
        wanted = model.is_audio_payload if send.func.attr.value == "send_json" else model.is_audio_json
        if not wanted(argument):
            return
        statement = self.context.statement_stack[-1]
        plan = _Unwinding(self)
        raw = plan.raw_bytes(argument, self._block_context(), inline=True)
        library = self._library(send, statement)
        if library is None:
            self.consumed |= plan.consumed  # noted at the send
            return
        if raw is None:
            return  # the json.dumps that built it gets the note (finish_analysis)
        self.removed |= plan.removed
        self.consumed |= plan.consumed
        for helper, call, consumed in plan.helpers:
            entry = self.helper_calls.setdefault(id(helper), (helper, set(), set()))
            entry[1].add(id(call))
            entry[2].update(consumed)
        self.returns.update(plan.returns)
        if plan.encoded:
            self.context.drop_import_if_unused("base64")
        self.context.drop_import_if_unused("json")  # the JSON audio message it encoded is gone
        if plan.decoded:
            self.context.add_import("base64")
        self.sends[id(send)] = (raw, library)
        self._note_relayed(send, raw, statement)

    def _library(self, send: cst.Call, statement=None):
        """The library of the connection a send goes through, which decides the form of a
        binary send; None (with a note) when the model cannot tell or it is not AssemblyAI's."""
        libraries = self.context.model.socket_libraries(send.func.value) or self.context.model.imported_libraries()
        families = {roles.WEBSOCKETS if library in _WEBSOCKETS_FAMILY else library for library in libraries}
        if families == {roles.RELAY_SERVER}:
            return None  # a relay's reply to its browser: not the service's protocol
        families.discard(roles.RELAY_SERVER)
        if len(families) == 1:
            return families.pop()
        self.note(
            send,
            "v3 takes audio only as binary frames: send the raw bytes here (the connection's library "
            "could not be told, so the form of a binary send was not chosen)",
            statement=statement,
            severity=ERROR,
        )
        return None

    def _note_relayed(self, send, raw, statement=None) -> None:
        """Audio relayed from a browser or Twilio arrives in frames of 20-40 ms, and v3
        closes the session (3007) on messages under 50 ms: that buffering cannot be inferred."""
        code = cst.Module([]).code_for_node(raw)
        if any(word in code for word in ("receive", "bytes_data", "payload", "b64decode", "media")):
            self.note(
                send,
                "v3 closes the session (3007) unless each audio message holds 50-1000 ms: "
                "buffer relayed frames (browsers and Twilio send 20-40 ms) before sending",
                statement=statement,
            )

    def _block_context(self):
        statement = self.context.statement_stack[-1]
        block = self.context.ancestors[self.context.ancestors.index(statement) - 1]
        body = getattr(block, "body", None)
        if not isinstance(body, (list, tuple)) or statement not in body:
            return None
        return list(body), list(body).index(statement)

    def _rate(self, opener: cst.Call):
        """The sample rate an audio ``open(...)`` captures at (its ``rate=``, else the session's)."""
        rate_arg = keyword(opener, "rate")
        rate = evaluate(rate_arg.value, self.facts.constants) if rate_arg is not None else None
        return rate or self.facts.sample_rate

    def nodes_to_rewrite(self):
        return {*self.removed, *self.sends, *self.reads, *self.chunk_literals, *self.returns}

    # --- rewrite --------------------------------------------------------------------------
    def rewrite_SimpleStatementLine(self, original, updated):
        if id(original) in self.removed:
            self.applied()
            return cst.RemoveFromParent()
        return updated

    rewrite_FunctionDef = rewrite_SimpleStatementLine  # a payload helper nothing else calls

    def rewrite_Return(self, original, updated):
        raw = self.returns.get(id(original))
        if raw is None:
            return updated
        self.applied()
        return updated.with_changes(value=self.context.with_rewrites(raw))

    def rewrite_Call(self, original, updated):
        if id(original) in self.reads:
            self.applied()
            overflow = cst.Arg(
                cst.Name("False"),
                keyword=cst.Name("exception_on_overflow"),
                equal=cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace("")),
            )
            return with_arguments(updated, overflow)
        planned = self.sends.get(id(original))
        if planned is None:
            return updated
        raw, library = planned
        raw = self.context.with_rewrites(raw)
        self.applied()
        method = updated.func.attr.value
        if library == roles.AIOHTTP or method in ("send_str", "send_json"):
            return updated.with_changes(
                func=updated.func.with_changes(attr=cst.Name("send_bytes")), args=[cst.Arg(raw)]
            )
        if library == roles.WEBSOCKET_CLIENT:
            opcode = f"{self.module_name('websocket')}.ABNF.OPCODE_BINARY"
            return updated.with_changes(args=[cst.Arg(raw), cst.Arg(parse_expression(opcode))])
        return updated.with_changes(args=[cst.Arg(raw)])

    def rewrite_Integer(self, original, updated):
        rate = self.chunk_literals.get(id(original))
        if rate is None:
            return updated
        frames = rate * CHUNK_MS // 1000
        if int(original.value) == frames:
            return updated
        self.applied()
        return updated.with_changes(value=str(frames))

    def finish_analysis(self) -> None:
        """Decide which payload helpers go and chunk sizes, once the whole file (and the
        sample rate) is known."""
        for helper, calls, consumed in self.helper_calls.values():
            if len(calls) == self.context.model.references(helper.name):
                self.removed.add(id(helper))
                self.consumed |= consumed
        for payload, statement in self.payloads:
            if id(payload) not in self.consumed:
                self.note(
                    payload,
                    "v3 takes audio only as binary frames: send the raw bytes instead of this JSON message",
                    statement=statement,
                    severity=ERROR,
                )
        if not self.facts.speaks_v2:
            # Chunks that v3 accepts in a v3 script are the author's choice.
            self.reads.clear()
            return
        constants = self.facts.constants
        for literal, opener in self.literal_reads:
            rate = self._rate(opener)
            if isinstance(rate, int):
                self.chunk_literals[id(literal)] = rate
        for call, statement, function in self.chunks:
            frames_arg = keyword(call, "frames_per_buffer")
            if frames_arg is None:
                continue
            rate = self._rate(call)
            frames_node = frames_arg.value
            literal = constants.get(dotted_name(frames_node)) if dotted_name(frames_node) else frames_node
            if isinstance(literal, cst.Integer) and isinstance(rate, int):
                self.chunk_literals[id(literal)] = rate
                continue
            frames = evaluate(frames_node, constants)
            if rate is None or frames is None:
                # A chunk computed from the capture's own rate (``sample_rate // 20``, as
                # STT024's microphone helper writes it) has a known duration at any rate.
                rate_arg = keyword(call, "rate")
                span = chunk_ms_range(
                    frames_node, rate_arg.value if rate_arg else None, constants, local_assignments(function)
                )
                if span is None:
                    self.note(
                        frames_arg,
                        statement=statement,
                        message=f"v3 takes {MIN_CHUNK_MS}-{MAX_CHUNK_MS} ms of audio per message: make this chunk {CHUNK_MS} ms (sample rate / 20 frames)",
                    )
                elif not (MIN_CHUNK_MS <= span[0] and span[1] <= MAX_CHUNK_MS):
                    self.note(
                        frames_arg,
                        statement=statement,
                        message=f"this chunk is {_span_text(span)} ms of audio; v3 closes the session (3007) unless each message holds {MIN_CHUNK_MS}-{MAX_CHUNK_MS} ms",
                    )
                continue
            duration = frames * 1000 / rate
            if not MIN_CHUNK_MS <= duration <= MAX_CHUNK_MS:
                self.note(
                    frames_arg,
                    statement=statement,
                    message=f"this chunk is {duration:g} ms of audio; v3 closes the session (3007) unless each message holds {MIN_CHUNK_MS}-{MAX_CHUNK_MS} ms",
                    severity=ERROR,
                )


def _span_text(span) -> str:
    shortest, longest = (round(value, 1) for value in span)
    return f"{shortest:g}" if shortest == longest else f"{shortest:g}-{longest:g}"


def _assigned_in(body, name: str) -> bool:
    return any(_assigns(statement, name) for statement in body)


def _assigns(statement, name: str) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Assign)
        and len(statement.body[0].targets) == 1
        and dotted_name(statement.body[0].targets[0].target) == name
    )
