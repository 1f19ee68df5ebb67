"""STT022: v2 callbacks become v3 handlers ``(client, event)`` that read the v3 event fields.

v3 calls every handler with two arguments, the client and the event
(``docs/protocol.md`` §7.5); v2 passed the event alone, and ``on_close`` nothing. A
callback defined in the script gets the new leading parameter: module functions, closures,
lambdas, methods passed as ``self.on_data`` (after ``self``), and ``functools.partial(f, ...)``
(before the parameter the event fills). A callback the script also calls itself, or one
defined elsewhere, is registered through an adapter ``lambda client, event: f(event)`` instead.

Inside the callbacks, and in helpers the event is handed to, the v2 fields become v3 fields:
``.text`` -> ``.transcript``, ``.session_id`` -> ``.id``, ``punctuated``/``text_formatted`` ->
``turn_is_formatted``. v3 has no final message type: ``isinstance(t, RealtimeFinalTranscript)``
becomes ``t.end_of_turn and t.turn_is_formatted``, which is true once per turn when
``format_turns`` is on (STT021 turns it on; the service may send each turn's end twice,
unformatted then formatted), and ``RealtimePartialTranscript`` becomes its negation.
``disable_partial_transcripts=True`` has no v3 switch, so the Turn handler skips partials
itself. ``confidence``, ``audio_start``, ``audio_end`` and ``created`` have no v3 counterpart:
STT008 maps them to the nearest running value; with STT008 off they get a note here.
"""

from __future__ import annotations

import builtins

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.notes import ERROR
from migrator.protocol import V2_ONLY_FIELDS
from migrator.rules.sdk.plan import SdkRule, code, loaded_names
from migrator.syntax import dotted_name, parse_expression, parse_statement, string_value

#: v2 event fields with a v3 name, per v3 event.
RENAMED_FIELDS = {
    "Turn": {"text": "transcript", "punctuated": "turn_is_formatted", "text_formatted": "turn_is_formatted"},
    "Begin": {"session_id": "id"},
}
#: v2 Turn fields with no v3 counterpart.
MISSING_FIELDS = {
    "confidence": "v3 has no turn-level confidence (end_of_turn_confidence means something else); average words[].confidence if you need one",
    "audio_start": "v3 turns have no audio_start; use words[0].start",
    "audio_end": "v3 turns have no audio_end; use words[-1].end",
    "created": "v3 events carry no timestamp; stamp them on receipt",
    "message_type": "v3 turns have no message_type: partials and finals are both Turn events, and end_of_turn marks a final",
}
_EVENT_TYPES = {"Turn": "TurnEvent (.transcript, .end_of_turn)", "Begin": "BeginEvent (.id)"}
#: ``aai.RealtimeMessageTypes`` members that name a transcript type.
_MESSAGE_TYPE_MEMBERS = {"final_transcript": "FinalTranscript", "partial_transcript": "PartialTranscript"}
_FORMAT_TURNS_NOTE = "a final is end_of_turn; if this session sets format_turns, also require turn_is_formatted or each turn arrives twice"
#: Parents in which ``a and b`` / ``not a`` must be parenthesised.
_TIGHTER = (cst.UnaryOperation, cst.Comparison, cst.BinaryOperation, cst.Attribute, cst.Subscript, cst.Await)


class SdkHandlers(SdkRule):
    code = "STT022"
    name = "sdk-handlers"
    summary = (
        "callbacks take (client, event); .text/.session_id -> .transcript/.id; RealtimeFinalTranscript -> end_of_turn"
    )
    markers = RULE_MARKERS[code]
    example_before = """
        import assemblyai as aai


        def on_open(session_opened):
            print("Session ID:", session_opened.session_id)


        def on_data(transcript):
            print(transcript.text)


        transcriber = aai.RealtimeTranscriber(on_open=on_open, on_data=on_data, on_error=lambda error: print(error), sample_rate=16_000)
    """

    def _mapped_by_stt008(self, field: str) -> bool:
        """STT008 maps the v2-only fields to running v3 values (with its own note)."""
        return field in V2_ONLY_FIELDS and "STT008" in self.context.selected

    def __init__(self, context) -> None:
        super().__init__(context)
        self.parameters: dict = {}  # id(def or lambda) -> (index, new parameter names)
        self.guards: dict = {}  # id(def) -> event parameter whose partial turns are skipped
        self.adapters: dict = {}  # id(callback Arg) -> (HandlerPlan, skip partials)
        self.renames: dict = {}  # id(Attribute) -> new field name
        self.finals: dict = {}  # id(isinstance call) -> (subject, is the final test)
        self.class_patterns: list = []  # MatchClass nodes seen (``case RealtimeFinalTranscript():``)
        self.final_patterns: dict = {}  # id(MatchClass) -> is the final pattern
        #: (comparison, its ``x.message_type``, is the final test, statement) seen
        self.type_tests: list = []
        self.type_comparisons: dict = {}  # id(Comparison) -> (subject, is the final test)

    def collect_MatchClass(self, node) -> None:
        self.class_patterns.append(node)

    def collect_Comparison(self, node: cst.Comparison) -> None:
        """``transcript.message_type == "FinalTranscript"`` (or ``RealtimeMessageTypes.X``)."""
        if len(node.comparisons) != 1 or not isinstance(node.comparisons[0].operator, (cst.Equal, cst.NotEqual)):
            return
        left, right = node.left, node.comparisons[0].comparator
        field, value = (left, right) if isinstance(left, cst.Attribute) else (right, left)
        if not isinstance(field, cst.Attribute) or field.attr.value != "message_type":
            return
        kind = string_value(value)
        if kind is None and isinstance(value, cst.Attribute):
            kind = _MESSAGE_TYPE_MEMBERS.get(value.attr.value)
            if kind is not None and self.sdk.v2_name(value.value) != "RealtimeMessageTypes":
                kind = None
        if kind in ("FinalTranscript", "PartialTranscript"):
            final = (kind == "FinalTranscript") != isinstance(node.comparisons[0].operator, cst.NotEqual)
            self.type_tests.append((node, field, final, self.context.statement_stack[-1]))

    def plan(self) -> None:
        sdk = self.sdk
        for pattern in self.class_patterns:
            kind = sdk.v2_name(pattern.cls)
            if kind in ("RealtimeFinalTranscript", "RealtimePartialTranscript", "RealtimeTranscript"):
                self.final_patterns[id(pattern)] = {
                    "RealtimeFinalTranscript": True,
                    "RealtimePartialTranscript": False,
                }.get(kind)
        for plan in sdk.plans.values():
            slot = plan.slot
            skip_partials = slot.event == "Turn" and _disables_partials(slot.site.node)
            if plan.problem is not None:
                self.note(slot.arg, f"{plan.problem}; adapt it by hand", statement=slot.site.statement, severity=ERROR)
                continue
            function = plan.function
            if function is None or not plan.edit:
                self.adapters[id(slot.arg)] = (plan, skip_partials)
                if function is None and slot.event in _EVENT_TYPES and not _is_builtin(slot.arg.value):
                    self.note(
                        slot.arg,
                        f"{code(slot.arg.value)} cannot be followed to a function here: it now receives a v3 {_EVENT_TYPES[slot.event]}",
                        statement=slot.site.statement,
                    )
                continue
            for target in (function, *sdk.overrides(function)):
                if id(target.node) not in self.parameters:
                    names = [sdk.fresh_name(target, "client", "streaming_client")]
                    if not slot.takes_event:
                        names.append(sdk.fresh_name(target, "event", "termination"))
                    self.parameters[id(target.node)] = (plan.insert_at, names)
            if skip_partials and plan.event_parameter:
                self.guards[id(function.node)] = plan.event_parameter
        tested = set()
        for comparison, field, final, statement in self.type_tests:
            if sdk.event_of(field.value) != "Turn" or not dotted_name(field.value):
                continue
            tested.add(id(field))
            if sdk.format_turns is None:
                self.note(comparison, _FORMAT_TURNS_NOTE, statement=statement)
            self.type_comparisons[id(comparison)] = (dotted_name(field.value), final)
        for site in sdk.field_references:
            attribute = site.node
            if id(attribute) in tested:
                continue
            event = sdk.event_of(attribute.value)
            field = attribute.attr.value
            if event is None:
                continue
            renamed = RENAMED_FIELDS.get(event, {}).get(field)
            if renamed is not None:
                self.renames[id(attribute)] = renamed
            elif event == "Turn" and field in MISSING_FIELDS and not self._mapped_by_stt008(field):
                self.note(attribute, f"{field}: {MISSING_FIELDS[field]}", statement=site.statement, severity=ERROR)
        for site in sdk.isinstance_calls:
            subject, cls = site.node.args[0].value, site.node.args[1].value
            kind = sdk.v2_name(cls)
            if kind not in ("RealtimeFinalTranscript", "RealtimePartialTranscript"):
                continue
            if not dotted_name(subject):
                self.note(
                    site.node,
                    "v3 has no final transcript type: test end_of_turn (and turn_is_formatted with format_turns)",
                    statement=site.statement,
                    severity=ERROR,
                )
                continue
            if sdk.format_turns is None:
                self.note(site.node, _FORMAT_TURNS_NOTE, statement=site.statement)
            self.finals[id(site.node)] = (dotted_name(subject), kind == "RealtimeFinalTranscript")

    def _final_test(self, subject: str) -> str:
        if self.sdk.format_turns:
            return f"{subject}.end_of_turn and {subject}.turn_is_formatted"
        return f"{subject}.end_of_turn"

    def _partial_test(self, subject: str) -> str:
        if self.sdk.format_turns:
            return f"not ({self._final_test(subject)})"
        return f"not {subject}.end_of_turn"

    def nodes_to_rewrite(self):
        return {
            *self.renames,
            *self.finals,
            *self.parameters,
            *self.guards,
            *self.adapters,
            *self.final_patterns,
            *self.type_comparisons,
        }

    # --- rewrite --------------------------------------------------------------------------
    def rewrite_Attribute(self, original: cst.Attribute, updated):
        renamed = self.renames.get(id(original))
        if renamed is None:
            return updated
        self.applied()
        return updated.with_changes(attr=cst.Name(renamed))

    def rewrite_Comparison(self, original: cst.Comparison, updated):
        """``t.message_type == "FinalTranscript"`` -> the final test (a partial: its negation)."""
        planned = self.type_comparisons.get(id(original))
        return updated if planned is None else self._type_test(original, updated, *planned)

    def rewrite_Call(self, original: cst.Call, updated):
        planned = self.finals.get(id(original))
        if planned is None:
            return updated
        return self._type_test(original, updated, *planned)

    def _type_test(self, original, updated, subject: str, final: bool):
        self.applied()
        test = self._final_test(subject) if final else self._partial_test(subject)
        parent = self.context.ancestors[-2]
        tighter = isinstance(parent, _TIGHTER) or (isinstance(parent, cst.Call) and parent.func is original)
        if (tighter and (" and " in test or test.startswith("not "))) or updated.lpar:
            test = f"({test})"
        return parse_expression(test)

    def rewrite_MatchClass(self, original, updated):
        """``case RealtimeFinalTranscript():`` -> ``case TurnEvent(end_of_turn=True,
        turn_is_formatted=True):``; a partial is ``TurnEvent(end_of_turn=False)``."""
        if id(original) not in self.final_patterns:
            return updated
        final = self.final_patterns[id(original)]  # None: any transcript
        self.applied()
        fields = [] if final is None else [("end_of_turn", final)]
        if final and self.sdk.format_turns:
            fields.append(("turn_is_formatted", True))
        renamed = RENAMED_FIELDS["Turn"]
        updated = updated.with_changes(
            kwds=[
                keyword.with_changes(key=cst.Name(renamed[keyword.key.value]))
                if keyword.key.value in renamed
                else keyword
                for keyword in updated.kwds
            ]
        )
        existing = {keyword.key.value for keyword in updated.kwds}
        added = [
            cst.MatchKeywordElement(
                key=cst.Name(name),
                pattern=cst.MatchSingleton(cst.Name(str(value))),
                whitespace_before_equal=cst.SimpleWhitespace(""),
                whitespace_after_equal=cst.SimpleWhitespace(""),
            )
            for name, value in fields
            if name not in existing
        ]
        kwds = [*updated.kwds, *added]
        positional = list(updated.patterns)
        if positional or kwds:
            separator = cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))
            items = positional + kwds
            items = [item.with_changes(comma=separator) for item in items[:-1]] + [
                items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            ]
            positional, kwds = items[: len(positional)], items[len(positional) :]
        return updated.with_changes(patterns=positional, kwds=kwds)

    def _parameters(self, original, updated):
        planned = self.parameters.get(id(original))
        if planned is None:
            return updated
        self.applied()
        index, names = planned
        return updated.with_changes(params=_with_parameters(updated.params, index, names))

    def rewrite_Lambda(self, original: cst.Lambda, updated):
        updated = self._parameters(original, updated)
        event = self.guards.get(id(original))
        if event is None:
            return updated
        body = code(updated.body)
        if isinstance(updated.body, (cst.Lambda, cst.IfExp)):
            body = f"({body})"
        return updated.with_changes(body=parse_expression(f"{body} if {self._final_test(event)} else None"))

    def rewrite_FunctionDef(self, original: cst.FunctionDef, updated):
        updated = self._parameters(original, updated)
        event = self.guards.get(id(original))
        if event is None or not isinstance(updated.body, cst.IndentedBlock):
            return updated
        self.applied()
        guard = parse_statement(
            f"if {self._partial_test(event)}:\n    return  # v3 has no disable_partial_transcripts\n"
        )
        body = list(updated.body.body)
        at = 1 if body and _is_docstring(body[0]) else 0
        body.insert(at, guard)
        return updated.with_changes(body=updated.body.with_changes(body=body))

    def rewrite_Arg(self, original: cst.Arg, updated):
        planned = self.adapters.get(id(original))
        if planned is None:
            return updated
        plan, skip_partials = planned
        self.applied()
        used = loaded_names(updated.value)
        client = next(name for name in ("client", "_client", "streaming_client") if name not in used)
        event = next(name for name in ("event", "_event", "streaming_event") if name not in used)
        callback = code(updated.value)
        if isinstance(updated.value, (cst.Lambda, cst.IfExp, cst.BooleanOperation, cst.BinaryOperation)):
            callback = f"({callback})"
        call = f"{callback}({event})" if plan.slot.takes_event else f"{callback}()"
        if skip_partials:
            call = f"{call} if {self._final_test(event)} else None"
        return updated.with_changes(value=parse_expression(f"lambda {client}, {event}: {call}"))


def _with_parameters(params: cst.Parameters, index: int, names: list) -> cst.Parameters:
    new = [cst.Param(cst.Name(name)) for name in names]
    posonly, regular = list(params.posonly_params), list(params.params)
    if index < len(posonly):
        posonly[index:index] = new
    else:
        regular[index - len(posonly) : index - len(posonly)] = new
    return params.with_changes(posonly_params=posonly, params=regular)


def _is_builtin(value) -> bool:
    return isinstance(value, cst.Name) and value.value in vars(builtins)


def _disables_partials(call) -> bool:
    for arg in getattr(call, "args", ()):
        if arg.keyword is not None and arg.keyword.value == "disable_partial_transcripts":
            return not (isinstance(arg.value, cst.Name) and arg.value.value in ("False", "None"))
    return False


def _is_docstring(statement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )
