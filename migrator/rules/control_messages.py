"""STT006: v2 control messages become v3 ``type`` messages.

``{"terminate_session": True}`` -> ``{"type": "Terminate"}`` (v3 then sends a final
``Termination`` and closes with 1000), ``{"force_end_utterance": True}`` ->
``{"type": "ForceEndpoint"}``, and ``{"end_utterance_silence_threshold": N}`` ->
``{"type": "UpdateConfiguration", "max_turn_silence": N}`` with a note, since v3 ends
turns on a model score as well as silence. Any other text frame is refused by v3 with
close code 3006, so these are rewritten wherever they are written: a dict literal sent
with ``json.dumps`` or ``send_json``, a class constant, a queue sentinel, or a JSON string.
"""

from __future__ import annotations

import json

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.rules.base import Rule
from migrator.syntax import string_literal, string_quote, string_value

_FIXED = {
    "terminate_session": {"type": "Terminate"},
    "force_end_utterance": {"type": "ForceEndpoint"},
}
_THRESHOLD = "end_utterance_silence_threshold"
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
    example_after = """
        ws.send(json.dumps({"type": "Terminate"}))
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.candidates: set = set()  # ids of dicts and strings that hold a v2 control message

    def collect_Dict(self, node: cst.Dict) -> None:
        if _control_key(node) is not None:
            self.candidates.add(id(node))

    def collect_SimpleString(self, node: cst.SimpleString) -> None:
        if _json_control(node) is not None:
            self.candidates.add(id(node))

    def nodes_to_rewrite(self):
        return self.candidates

    def rewrite_Dict(self, original: cst.Dict, updated: cst.Dict):
        if len(updated.elements) != 1 or not isinstance(updated.elements[0], cst.DictElement):
            return updated
        element = updated.elements[0]
        key = string_value(element.key)
        quote = string_quote(element.key)
        if key in _FIXED:
            self.applied()
            ((field, value),) = _FIXED[key].items()
            return updated.with_changes(
                elements=[element.with_changes(key=string_literal(field, quote), value=string_literal(value, quote))]
            )
        if key == _THRESHOLD:
            self.applied()
            self.note(original, _THRESHOLD_NOTE)
            return updated.with_changes(
                elements=[
                    cst.DictElement(string_literal("type", quote), string_literal("UpdateConfiguration", quote)),
                    element.with_changes(key=string_literal("max_turn_silence", quote)),
                ]
            )
        return updated

    def rewrite_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString):
        message = _json_control(original)
        if message is None:
            return updated
        ((key, value),) = message.items()
        if key in _FIXED:
            new = _FIXED[key]
        else:
            new = {"type": "UpdateConfiguration", "max_turn_silence": value}
            self.note(original, _THRESHOLD_NOTE)
        self.applied()
        return string_literal(json.dumps(new), string_quote(original))


def _control_key(node: cst.Dict):
    """The v2 control key of a one-entry dict literal, else None."""
    if len(node.elements) != 1 or not isinstance(node.elements[0], cst.DictElement):
        return None
    key = string_value(node.elements[0].key)
    return key if key in _FIXED or key == _THRESHOLD else None


def _json_control(node: cst.SimpleString):
    """The dict a string literal holds when it is a v2 control message in JSON."""
    value = string_value(node)
    if not value or not value.lstrip().startswith("{") or len(value) > 200:
        return None
    try:
        message = json.loads(value)
    except ValueError:
        return None
    if isinstance(message, dict) and len(message) == 1:
        key = next(iter(message))
        if key in _FIXED or key == _THRESHOLD:
            return message
    return None
