"""STT023: transcriber methods become their v3 equivalents.

``stream(...)`` is unchanged. ``close()`` becomes ``disconnect(terminate=True)``: v2's
``close()`` always ended the session, while v3's ``disconnect()`` defaults to
``terminate=False``, which closes the socket without telling the server and drops the last
transcript (``docs/protocol.md`` §7.4, §7.5). ``close()`` is only rewritten on variables known
to hold a transcriber (assigned from the constructor, guarded with ``isinstance``, or annotated).
``force_end_utterance()`` becomes ``force_endpoint()``; ``configure_end_utterance_silence_threshold(ms)``
becomes ``set_params(StreamingSessionParameters(max_turn_silence=ms))``, with a note: v3 ends
turns on a model score as well as silence. The class method
``RealtimeTranscriber.create_temporary_token(expires_in=N)`` becomes v3's instance method
``create_temporary_token(expires_in_seconds=N)`` on a client made for the purpose; v3 tokens
must be redeemed within 600 s. μ-law sessions fed ``stream(bytes)`` get a note: v3 refuses
messages under 50 ms, and Twilio sends 20 ms frames.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.notes import ERROR, INFO
from migrator.rules.sdk.plan import SILENCE_THRESHOLD_NOTE, SdkRule, code, wrapped_call
from migrator.syntax import dotted_name, parse_expression

MAX_TOKEN_SECONDS = 600
SHORT_FRAMES_NOTE = (
    "v3 closes the session (3007) on audio messages under 50 ms, and Twilio media frames are 20 ms: "
    "collect about 100 ms before each stream()"
)


class SdkMethods(SdkRule):
    code = "STT023"
    name = "sdk-methods"
    summary = (
        "close()/force_end_utterance()/configure_end_utterance_silence_threshold()/create_temporary_token() -> v3 calls"
    )
    markers = RULE_MARKERS[code]
    example_before = """
        import assemblyai as aai

        transcriber = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=16_000)
        transcriber.force_end_utterance()
        transcriber.close()
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: dict = {}  # id(call) -> what it becomes

    def plan(self) -> None:
        sdk = self.sdk
        for method, _, site in sdk.method_calls:
            call = site.node
            if method == "close" and sdk.is_receiver(call.func.value):
                self.calls[id(call)] = "close"
            elif method == "force_end_utterance" and not call.args:
                self.calls[id(call)] = "force_endpoint"
            elif method == "configure_end_utterance_silence_threshold" and len(call.args) == 1:
                self.calls[id(call)] = "set_params"
                self.note(
                    call,
                    SILENCE_THRESHOLD_NOTE.replace("end_utterance_silence_threshold became", "the threshold is now"),
                    statement=site.statement,
                )
            elif method == "create_temporary_token" and sdk.v2_name(call.func.value) == "RealtimeTranscriber":
                self._plan_token(call, site)
            elif method == "stream" and any(
                "encoding" in c.kwargs and _attribute(c.kwargs["encoding"].value) == "pcm_mulaw"
                for c in sdk.migrated_clients_of(call.func.value)
            ):
                self.note(call, SHORT_FRAMES_NOTE, statement=site.statement)

    def _plan_token(self, call: cst.Call, site) -> None:
        expires = next((arg for arg in call.args if arg.keyword is None or arg.keyword.value == "expires_in"), None)
        if expires is None:
            self.note(call, "v3 tokens need expires_in_seconds (1-600)", statement=site.statement, severity=ERROR)
            return
        seconds = _integer(expires.value)
        if seconds is None:
            self.note(
                call,
                f"v3 tokens must be redeemed within {MAX_TOKEN_SECONDS} s: keep expires_in_seconds at most {MAX_TOKEN_SECONDS}",
                statement=site.statement,
            )
        elif seconds > MAX_TOKEN_SECONDS:
            self.note(
                call,
                f"v3 tokens must be redeemed within {MAX_TOKEN_SECONDS} s (was {seconds}); cap the session itself with max_session_duration_seconds",
                statement=site.statement,
                severity=INFO,
            )
        if any(arg.keyword is not None and arg.keyword.value == "timeout" for arg in call.args):
            self.note(call, "v3 create_temporary_token() takes no timeout", statement=site.statement, severity=INFO)
        self.calls[id(call)] = (
            "token",
            str(min(seconds, MAX_TOKEN_SECONDS)) if seconds is not None else code(expires.value),
        )

    def nodes_to_rewrite(self):
        return set(self.calls)

    def rewrite_Call(self, original: cst.Call, updated):
        planned = self.calls.get(id(original))
        if planned is None:
            return updated
        self.applied()
        func = updated.func
        if planned == "close":
            return updated.with_changes(
                func=func.with_changes(attr=cst.Name("disconnect")),
                args=[
                    cst.Arg(
                        cst.Name("True"),
                        keyword=cst.Name("terminate"),
                        equal=cst.AssignEqual(
                            whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace("")
                        ),
                    )
                ],
            )
        if planned == "force_endpoint":
            return updated.with_changes(func=func.with_changes(attr=cst.Name("force_endpoint")))
        if planned == "set_params":
            self.sdk.emit("StreamingSessionParameters")
            value = code(updated.args[0].value)
            return parse_expression(
                f"{code(func.value)}.set_params(StreamingSessionParameters(max_turn_silence={value}))"
            )
        _, seconds = planned
        self.sdk.emit("StreamingClient")
        client = wrapped_call("StreamingClient", "StreamingClientOptions", self.sdk.options_arguments({}), 0)
        return parse_expression(f"{client}.create_temporary_token(expires_in_seconds={seconds})")


def _attribute(node) -> str:
    return node.attr.value if isinstance(node, cst.Attribute) else dotted_name(node)


def _integer(node):
    if isinstance(node, cst.Integer):
        return int(node.value.replace("_", ""), 0)
    return None
