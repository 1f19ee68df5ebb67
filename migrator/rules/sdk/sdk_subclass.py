"""STT025: a subclass of ``aai.RealtimeTranscriber`` becomes a subclass of v3 ``StreamingClient``.

AssemblyAI's Twilio sample, cloned many times (``docs/protocol.md`` §8), subclasses
the transcriber and passes everything to ``super().__init__(on_data=..., sample_rate=8000,
encoding=aai.AudioEncoding.pcm_mulaw)``; its callers, often in another module the migration
never sees, then call ``connect()``, ``stream(bytes)`` per media frame and ``close()``. v3 splits
that constructor three ways, so the class is restructured on top of ``StreamingClient`` and
keeps offering the same three methods:

* ``__init__`` passes ``StreamingClientOptions`` up, registers the callbacks with
  ``self.on(StreamingEvents.X, ...)`` and keeps the session settings as ``StreamingParameters``;
* ``connect()`` hands those settings to v3's ``connect()``;
* ``stream(bytes)`` collects audio into messages of at least 100 ms, because v3 closes the session
  (3007) on messages under 50 ms and telephony frames are 20 ms (iterables pass straight through);
* ``close()`` sends what is left (when it is long enough) and ends the session with
  ``disconnect(terminate=True)``, as v2's ``close()`` did.

``force_endpoint()``, ``set_params()`` and ``on()`` are inherited. Subclasses of other shapes (no
single ``super().__init__(...)`` with keyword arguments, or their own ``connect``/``stream``/``close``)
get a note.
"""

from __future__ import annotations

import textwrap

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.notes import ERROR
from migrator.rules.sdk.plan import (
    CALLBACK_EVENTS,
    SdkRule,
    call_statement,
    code,
    indentation,
    wrapped_call,
)
from migrator.rules.sdk.sdk_client import REGISTRATION_ORDER
from migrator.syntax import parse_statement, parse_statements


def _methods(pcm16: bool) -> str:
    hundred_ms = "self._session_parameters.sample_rate // 5" if pcm16 else "self._session_parameters.sample_rate // 10"
    fifty_ms = "self._session_parameters.sample_rate // 10" if pcm16 else "self._session_parameters.sample_rate // 20"
    return f'''def connect(self):
    """v2 took the session settings in the constructor; v3 takes them here."""
    super().connect(self._session_parameters)

def stream(self, data):
    """Sends audio in messages of at least 100 ms (v3 ends a session on < 50 ms)."""
    if not isinstance(data, (bytes, bytearray)):
        super().stream(data)
        return
    self._audio_buffer += data
    if len(self._audio_buffer) >= {hundred_ms}:
        super().stream(bytes(self._audio_buffer))
        self._audio_buffer.clear()

def close(self):
    """Ends the session: v3's disconnect() does so only with terminate=True."""
    if len(self._audio_buffer) >= {fifty_ms}:
        super().stream(bytes(self._audio_buffer))
    self.disconnect(terminate=True)
'''


class SdkSubclass(SdkRule):
    code = "STT025"
    name = "sdk-subclass"
    summary = "class X(aai.RealtimeTranscriber) -> class X(StreamingClient) that still offers connect/stream/close"
    markers = RULE_MARKERS[code]
    example_before = """
        import assemblyai as aai


        class TwilioTranscriber(aai.RealtimeTranscriber):
            def __init__(self):
                super().__init__(on_data=on_data, on_error=on_error, sample_rate=8000, encoding=aai.AudioEncoding.pcm_mulaw)
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.classes: dict = {}  # id(ClassDef) -> Subclass
        self.inits: dict = {}  # id(super().__init__ statement) -> Subclass

    def plan(self) -> None:
        for subclass in self.sdk.subclasses:
            if subclass.problem is not None:
                self.note(
                    subclass.node,
                    f"not migrated: {subclass.problem}; rebuild it on StreamingClient (options, on(), connect(StreamingParameters))",
                    statement=subclass.node,
                    severity=ERROR,
                )
                continue
            if "sample_rate" not in subclass.kwargs:
                self.note(
                    subclass.node,
                    "not migrated: its super().__init__(...) passes no sample_rate",
                    statement=subclass.node,
                    severity=ERROR,
                )
                continue
            self.classes[id(subclass.node)] = subclass
            self.inits[id(subclass.init_call.statement)] = subclass
            for message in self.sdk.setting_notes(subclass.kwargs):
                self.note(subclass.init_call.node, message, statement=subclass.init_call.statement)

    def nodes_to_rewrite(self):
        return {*self.classes, *self.inits}

    def rewrite_SimpleStatementLine(self, original, updated):
        subclass = self.inits.get(id(original))
        if subclass is None:
            return updated
        sdk = self.sdk
        self.applied()
        call = updated.body[0].value
        kwargs = {arg.keyword.value: arg for arg in call.args if arg.keyword is not None}
        indent = indentation(self.context)
        sdk.emit("StreamingClient")
        options = sdk.options_arguments(subclass.kwargs)
        if isinstance(call.func.value, cst.Call):
            lines = [wrapped_call(code(call.func), "StreamingClientOptions", options, indent)]
        else:
            lines = [f"StreamingClient.__init__(self, StreamingClientOptions({', '.join(options)}))"]
        for keyword in REGISTRATION_ORDER:
            if keyword in kwargs:
                sdk.emit("StreamingEvents")
                lines.append(f"self.on(StreamingEvents.{CALLBACK_EVENTS[keyword]}, {code(kwargs[keyword].value)})")
        parameters = sdk.parameters_arguments(subclass.kwargs)
        lines.append(call_statement("self._session_parameters = StreamingParameters", parameters, indent))
        lines.append("self._audio_buffer = bytearray()")
        statements = parse_statements("\n".join(lines) + "\n")
        statements[0] = statements[0].with_changes(leading_lines=updated.leading_lines)
        return cst.FlattenSentinel(statements)

    def rewrite_ClassDef(self, original: cst.ClassDef, updated):
        subclass = self.classes.get(id(original))
        if subclass is None:
            return updated
        self.sdk.emit("StreamingClient")
        bases = [
            arg.with_changes(value=cst.Name("StreamingClient"))
            if arg is subclass.base or _same(arg, subclass.base)
            else arg
            for arg in updated.bases
        ]
        encoding = subclass.kwargs.get("encoding")
        pcm16 = encoding is None or not code(encoding.value).endswith("pcm_mulaw")
        dummy = parse_statement("class _:\n" + textwrap.indent(_methods(pcm16), "    "))
        methods = [method.with_changes(leading_lines=[cst.EmptyLine(indent=False)]) for method in dummy.body.body]
        body = list(updated.body.body)
        at = next(
            (
                index + 1
                for index, statement in enumerate(body)
                if isinstance(statement, cst.FunctionDef) and statement.name.value == "__init__"
            ),
            len(body),
        )
        body[at:at] = methods
        return updated.with_changes(bases=bases, body=updated.body.with_changes(body=body))


def _same(arg: cst.Arg, base: cst.Arg) -> bool:
    return code(arg.value) == code(base.value)
