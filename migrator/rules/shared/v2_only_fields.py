"""STT008: v2-only transcript fields become the v3 value that keeps the script running.

v3 Turn messages have no message-level ``confidence``, ``audio_start``/``audio_end``,
``punctuated``/``text_formatted`` or ``created``, so a migrated script that still reads them
would die of KeyError (websocket JSON) or AttributeError (SDK events) on its first turn. Each
read becomes the nearest running v3 value, with a ``# migrate-stt(STT008): ...`` note above it
and an entry in the report:

* ``confidence`` -> ``end_of_turn_confidence``: the model's confidence that the speaker has
  finished the turn, not transcript confidence (per-word confidences stay in ``words``);
* ``audio_start``/``audio_end`` -> the start of the first word / end of the last one (0 when
  the turn has no words yet);
* ``punctuated``/``text_formatted`` -> ``turn_is_formatted`` (true only with ``format_turns``);
* ``created`` -> None: v3 has no timestamp, stamp messages on receipt if you need one.

Websocket messages: ``msg["confidence"]`` -> ``msg.get("end_of_turn_confidence", 0.0)``,
``msg["audio_start"]`` -> ``(msg.get("words") or [{}])[0].get("start", 0)``,
``msg["punctuated"]`` -> ``msg.get("turn_is_formatted", False)``, ``msg["created"]`` ->
``msg.get("created")``; ``msg.get("confidence", d)`` keeps its default (``.get("created")``
is already safe and only gets the note). Only variables bound to ``json.loads(...)`` in files
that are AssemblyAI streaming clients are touched; a field assigned or deleted keeps its v2
form with a note.

SDK events, in scripts that import ``assemblyai`` (the transcript parameter of an ``on_data``
callback, of a ``RealtimeTranscript`` annotation or ``isinstance`` test, and of helpers the event
is handed to, as the analysis STT020-STT025 share finds them): ``t.confidence`` ->
``t.end_of_turn_confidence``, ``t.audio_start`` -> ``(t.words[0].start if t.words else 0)``,
``t.audio_end`` -> ``(t.words[-1].end if t.words else 0)``, ``t.punctuated`` ->
``t.turn_is_formatted``, ``t.created`` -> ``None``.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.protocol import V2_ONLY_FIELDS
from migrator.rules.base import Rule
from migrator.syntax import container_of, key_of, parse_expression, string_quote

_CONFIDENCE = "v3's confidence that the speaker has finished the turn, not transcript confidence"
_FORMATTED = "true only when the session sets format_turns"

#: The note left where a websocket message field is rewritten.
MESSAGE_NOTES = {
    "confidence": f"confidence is now end_of_turn_confidence: {_CONFIDENCE}; per-word confidence is in words[]['confidence']",
    "audio_start": "audio_start is now the first word's start (words[0]['start'], ms; 0 before any word): v3 Turns have no audio_start",
    "audio_end": "audio_end is now the last word's end (words[-1]['end'], ms; 0 before any word): v3 Turns have no audio_end",
    "punctuated": f"punctuated is now turn_is_formatted, {_FORMATTED}",
    "text_formatted": f"text_formatted is now turn_is_formatted, {_FORMATTED}",
    "created": "created: v3 messages carry no timestamp, so this reads None; stamp messages on receipt if you need one",
}
#: The note left where an SDK transcript event's field is rewritten.
EVENT_NOTES = {
    "confidence": f"confidence is now end_of_turn_confidence: {_CONFIDENCE}; per-word confidence is in words[i].confidence",
    "audio_start": "audio_start is now the first word's start (words[0].start, ms; 0 before any word): v3 turns have no audio_start",
    "audio_end": "audio_end is now the last word's end (words[-1].end, ms; 0 before any word): v3 turns have no audio_end",
    "punctuated": f"punctuated is now turn_is_formatted, {_FORMATTED}",
    "text_formatted": f"text_formatted is now turn_is_formatted, {_FORMATTED}",
    "created": "created: v3 events carry no timestamp, so this is None; stamp events on receipt if you need one",
}
#: The v3 key that replaces a v2 key read with ``.get``/``[...]``, and the ``[...]`` default.
_RENAMED_KEYS = {
    "confidence": ("end_of_turn_confidence", "0.0"),
    "punctuated": ("turn_is_formatted", "False"),
    "text_formatted": ("turn_is_formatted", "False"),
    "created": ("created", None),
}
#: The word a v2 time field is derived from: (index in ``words``, word field).
_WORD_TIMES = {"audio_start": ("0", "start"), "audio_end": ("-1", "end")}


class V2OnlyFields(Rule):
    code = "STT008"
    name = "v2-only-fields"
    summary = (
        "message/event confidence, audio_start/audio_end, punctuated/text_formatted, created -> "
        "end_of_turn_confidence, first/last word times, turn_is_formatted, None (noted)"
    )
    markers = RULE_MARKERS[code]
    example_before = """
        import json

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        def on_message(ws, message):
            result = json.loads(message)
            if result["confidence"] > 0.8:
                print(result["audio_start"], result["text"])
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.found: list = []  # (node, statement, field, stored)
        self.replacements: dict = {}  # id(message Subscript/Call) -> v2 field
        self.event_fields: dict = {}  # id(event Attribute) -> v2 field
        self.event_reads: list = []  # (``x.field`` Attribute, its statement)

    # --- analysis -------------------------------------------------------------------------
    def collect_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value in EVENT_NOTES and type(node.value) is cst.Name:
            self.event_reads.append((node, self.context.statement_stack[-1]))

    def _field(self, node) -> None:
        key = key_of(node)
        if key in V2_ONLY_FIELDS and self.context.model.message_read(node) is not None:
            parent = self.context.parent()
            stored = isinstance(parent, (cst.AssignTarget, cst.Del)) or (
                isinstance(parent, (cst.AugAssign, cst.AnnAssign)) and parent.target is node
            )
            self.found.append((node, self.context.statement_stack[-1], key, stored))

    def collect_Subscript(self, node: cst.Subscript) -> None:
        self._field(node)

    def collect_Call(self, node: cst.Call) -> None:
        self._field(node)

    def finish_analysis(self) -> None:
        if self.facts.is_streaming_client:
            for node, statement, key, stored in self.found:
                if stored or (key == "created" and type(node) is cst.Call):
                    message = f"{key}: {V2_ONLY_FIELDS[key]}" if stored else MESSAGE_NOTES[key]
                    self.note(node, message, statement=statement)
                    continue
                self.replacements[id(node)] = key
                self.note(node, MESSAGE_NOTES[key], statement=statement)
        self._event_fields()

    def _event_fields(self) -> None:
        """``t.confidence`` where ``t`` holds a Turn the SDK handed a callback."""
        for attribute, statement in self.event_reads:
            field = attribute.attr.value
            if self.context.model.sdk_event(attribute.value) != "Turn":
                continue
            if _stores(statement, attribute):
                self.note(attribute, f"{field}: {V2_ONLY_FIELDS[field]}", statement=statement)
                continue
            self.event_fields[id(attribute)] = field
            self.note(attribute, EVENT_NOTES[field], statement=statement)

    def nodes_to_rewrite(self):
        return {*self.replacements, *self.event_fields}

    # --- rewrite --------------------------------------------------------------------------
    def _rewrite_message(self, original, updated):
        key = self.replacements.get(id(original))
        if key is None:
            return updated
        self.applied()
        message = cst.Module([]).code_for_node(container_of(updated))
        if type(updated) is cst.Subscript:
            quote, default = string_quote(updated.slice[0].slice.value), None
        else:
            quote = string_quote(updated.args[0].value)
            default = cst.Module([]).code_for_node(updated.args[1].value) if len(updated.args) > 1 else None
        q = quote
        if key in _WORD_TIMES:
            index, word_field = _WORD_TIMES[key]
            # 0 unless the script chose a default: v2 sent the times with every transcript.
            replacement = f"({message}.get({q}words{q}) or [{{}}])[{index}].get({q}{word_field}{q}, {default or '0'})"
        else:
            new_key, subscript_default = _RENAMED_KEYS[key]
            if type(updated) is cst.Subscript:
                default = subscript_default
            tail = f", {default}" if default is not None else ""
            replacement = f"{message}.get({q}{new_key}{q}{tail})"
        new = parse_expression(replacement)
        if updated.lpar:
            new = new.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return new

    rewrite_Subscript = _rewrite_message
    rewrite_Call = _rewrite_message

    def rewrite_Attribute(self, original: cst.Attribute, updated):
        field = self.event_fields.get(id(original))
        if field is None:
            return updated
        self.applied()
        event = cst.Module([]).code_for_node(updated.value)
        if field == "confidence":
            return updated.with_changes(attr=cst.Name("end_of_turn_confidence"))
        if field in ("punctuated", "text_formatted"):
            return updated.with_changes(attr=cst.Name("turn_is_formatted"))
        if field == "created":
            new = cst.Name("None")
        else:
            index, word_field = _WORD_TIMES[field]
            new = parse_expression(f"({event}.words[{index}].{word_field} if {event}.words else 0)")
        if updated.lpar:
            new = new.with_changes(lpar=updated.lpar, rpar=updated.rpar)
        return new


def _stores(statement, node) -> bool:
    """Whether ``node`` is assigned or deleted (not read) by ``statement``."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.Assign):
            targets = [target.target for target in small.targets]
        elif isinstance(small, (cst.AugAssign, cst.AnnAssign)):
            targets = [small.target]
        elif isinstance(small, cst.Del):
            targets = [small.target]
        else:
            continue
        while targets:
            target = targets.pop()
            if target is node:
                return True
            if isinstance(target, (cst.Tuple, cst.List)):
                targets.extend(element.value for element in target.elements)
    return False
