"""STT008: notes where a v2 message field has no safe v3 rewrite.

Some v2 fields have no v3 counterpart that means the same thing: message-level
``confidence`` (v3's ``end_of_turn_confidence`` is the probability that the speaker is
done, not transcript confidence), ``audio_start``/``audio_end``, ``punctuated``/
``text_formatted`` and ``created``. Guessing would change what the program does, so the
code is left as it is with a ``# migrate-stt(STT008): ...`` note above it and an entry in
the report.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.messages import MessageScopes, key_of
from migrator.protocol import V2_ONLY_FIELDS
from migrator.rules.base import Rule


class V2OnlyFields(Rule):
    code = "STT008"
    name = "v2-only-fields"
    summary = "notes on message confidence/audio_start/audio_end/punctuated/created (no v3 equivalent)"
    markers = RULE_MARKERS[code]
    example_before = """
        import json

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        def on_message(ws, message):
            result = json.loads(message)
            if result["confidence"] > 0.8:
                print(result["text"])
    """
    example_after = """
        import json

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        def on_message(ws, message):
            result = json.loads(message)
            # migrate-stt(STT008): confidence: v3 has no message-level confidence (end_of_turn_confidence means something else); average words[].confidence if you need one
            if result["confidence"] > 0.8:
                print(result["text"])
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.scopes = MessageScopes()
        self.found: list = []  # (node, statement, message)

    def collect_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1:
            self.scopes.bind(self.context, node.targets[0].target, node.value, self.facts)

    def _field(self, node) -> None:
        key = key_of(node)
        if key in V2_ONLY_FIELDS and self.scopes.message_of(self.context, node, self.facts) is not None:
            self.found.append((node, self.context.statement_stack[-1], f"{key}: {V2_ONLY_FIELDS[key]}"))

    collect_Subscript = _field
    collect_Call = _field

    def finish_analysis(self) -> None:
        if not self.facts.is_streaming_client:
            return
        for node, statement, message in self.found:
            self.note(node, message, statement=statement)
