"""STT006: v2 control messages become v3 ``type`` messages.

``{"terminate_session": True}`` -> ``{"type": "Terminate"}`` (v3 then sends a final
``Termination`` and closes with 1000), ``{"force_end_utterance": True}`` ->
``{"type": "ForceEndpoint"}``, and ``{"end_utterance_silence_threshold": N}`` ->
``{"type": "UpdateConfiguration", "max_turn_silence": N}`` with a note, since v3 ends
turns on a model score as well as silence. Any other text frame is refused by v3 with
close code 3006, so these are rewritten wherever they are written: a dict literal (or a
``dict(...)`` call) sent with ``json.dumps`` or ``send_json``, a class constant, a queue
sentinel, or a JSON string (text or bytes). Other keys next to the v2 one are kept, with a
note (v3's control messages take no other fields); a dict holding two of them is noted only.
"""

from __future__ import annotations

import json

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.notes import ERROR
from migrator.rules.base import Rule
from migrator.syntax import string_literal, string_quote, string_value

_FIXED = {
    "terminate_session": {"type": "Terminate"},
    "force_end_utterance": {"type": "ForceEndpoint"},
}
_THRESHOLD = "end_utterance_silence_threshold"
_CONTROL_KEYS = frozenset({*_FIXED, _THRESHOLD})
_THRESHOLD_NOTE = (
    "v3 has no single silence threshold: max_turn_silence ends a turn after this much silence, "
    "but the model may end it sooner (set end_of_turn_confidence_threshold to 1 for silence-only turns)"
)


class ControlMessages(Rule):
    code = "STT006"
    name = "control-messages"
    summary = "terminate_session / force_end_utterance / end_utterance_silence_threshold -> Terminate / ForceEndpoint / UpdateConfiguration"
    markers = RULE_MARKERS[code]
    example_before = """
        ws.send(json.dumps({"terminate_session": True}))
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.candidates: set = set()  # ids of dicts, dict() calls and strings holding a v2 control message

    def collect_Dict(self, node: cst.Dict) -> None:
        self._collect(node, _dict_keys(node))

    def collect_Call(self, node: cst.Call) -> None:
        keys = _call_keys(node)
        if keys is not None and _control_keys(keys) and self.context.model.qualified_name(node.func) == "builtins.dict":
            self._collect(node, keys)

    def collect_SimpleString(self, node: cst.SimpleString) -> None:
        message = _json_message(node)
        if message is not None:
            self._collect(node, list(message))

    def _collect(self, node, keys) -> None:
        controls = _control_keys(keys)
        if len(controls) == 1:
            self.candidates.add(id(node))
        elif len(controls) > 1:
            self.note(
                node,
                f"v2 control keys {', '.join(controls)} in one message: v3 takes each as its own message",
                severity=ERROR,
            )

    def nodes_to_rewrite(self):
        return self.candidates

    def rewrite_Dict(self, original: cst.Dict, updated: cst.Dict):
        if id(original) not in self.candidates:
            return updated
        return self._rewrite_dict(original, updated)

    def rewrite_Call(self, original: cst.Call, updated: cst.Call):
        if id(original) not in self.candidates:
            return updated
        elements = [
            cst.DictElement(string_literal(arg.keyword.value), arg.value, comma=_comma(arg.comma))
            for arg in updated.args
        ]
        return self._rewrite_dict(original, cst.Dict(elements, lpar=updated.lpar, rpar=updated.rpar))

    def _rewrite_dict(self, original, updated: cst.Dict):
        elements = list(updated.elements)
        index = next(
            i
            for i, element in enumerate(elements)
            if isinstance(element, cst.DictElement) and string_value(element.key) in _CONTROL_KEYS
        )
        element = elements[index]
        key = string_value(element.key)
        quote = string_quote(element.key)
        if key in _FIXED:
            ((field, value),) = _FIXED[key].items()
            new = [element.with_changes(key=string_literal(field, quote), value=string_literal(value, quote))]
        else:
            self.note(original, _THRESHOLD_NOTE)
            new = [
                cst.DictElement(string_literal("type", quote), string_literal("UpdateConfiguration", quote)),
                element.with_changes(key=string_literal("max_turn_silence", quote)),
            ]
        if len(elements) > 1:
            self.note(original, _other_keys_note(key))
        elements[index : index + 1] = new
        self.applied()
        return updated.with_changes(elements=elements)

    def rewrite_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString):
        if id(original) not in self.candidates:
            return updated
        message = _json_message(original)
        new = {}
        for key, value in message.items():
            if key in _FIXED:
                new.update(_FIXED[key])
            elif key == _THRESHOLD:
                new.update({"type": "UpdateConfiguration", "max_turn_silence": value})
                self.note(original, _THRESHOLD_NOTE)
            else:
                new[key] = value
        if len(message) > 1:
            self.note(original, _other_keys_note(next(key for key in message if key in _CONTROL_KEYS)))
        self.applied()
        literal = string_literal(json.dumps(new), string_quote(original))
        if "b" in original.prefix.lower():
            literal = literal.with_changes(value="b" + literal.value)
        return literal


def _other_keys_note(key: str) -> str:
    return f"the v2 {key} message had other keys, kept here: v3's control messages take none, check they are not needed"


def _comma(comma):
    return comma if isinstance(comma, cst.Comma) else cst.MaybeSentinel.DEFAULT


def _control_keys(keys) -> list:
    return [key for key in keys if key in _CONTROL_KEYS]


def _dict_keys(node: cst.Dict) -> list:
    """The keys of a dict literal (None for one that is not a plain string, or ``**``)."""
    return [string_value(element.key) if isinstance(element, cst.DictElement) else None for element in node.elements]


def _call_keys(node: cst.Call):
    """The keywords of a call made of keyword arguments only, else None."""
    if not node.args or any(arg.keyword is None or arg.star for arg in node.args):
        return None
    return [arg.keyword.value for arg in node.args]


def _json_message(node: cst.SimpleString):
    """The dict a string literal (text or bytes) holds when it is a v2 control message in JSON."""
    if "b" in node.prefix.lower():
        try:
            value = node.evaluated_value.decode("utf-8")
        except (UnicodeDecodeError, ValueError, SyntaxError):
            return None
    else:
        value = string_value(node)
    if not value or not value.lstrip().startswith("{") or len(value) > 200:
        return None
    try:
        message = json.loads(value)
    except ValueError:
        return None
    if isinstance(message, dict) and _control_keys(message):
        return message
    return None
