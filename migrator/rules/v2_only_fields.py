"""STT008: notes where v2 behaviour has no safe v3 rewrite.

Some v2 fields and codes have no v3 counterpart that means the same thing: message-level
``confidence``, ``audio_start``/``audio_end``, ``punctuated``/``text_formatted``,
``created``, and the 4xxx close codes (v3 ends normally with 1000 and reports errors with
1008 and 3005-3009, so ``assert e.code == 4008`` fires on every normal close). Guessing
would change what the program does, so the code is left as it is with a
``# migrate-stt(STT008): ...`` note above it and an entry in the report.
"""
from __future__ import annotations

import libcst as cst

from migrator.messages import MessageScopes, key_of
from migrator.protocol import V2_CLOSE_CODES, V2_ONLY_FIELDS
from migrator.rules.base import Rule


class V2OnlyFields(Rule):
    code = "STT008"
    name = "v2-only-fields"
    summary = "notes on confidence/audio_start/audio_end/punctuated/created and 4xxx close codes"
    markers = (b"confidence", b"audio_start", b"audio_end", b"punctuated", b"text_formatted", b"40")
    example_before = '''
        import json

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        def on_message(ws, message):
            result = json.loads(message)
            if result["confidence"] > 0.8:
                print(result["text"])
    '''
    example_after = '''
        import json

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        def on_message(ws, message):
            result = json.loads(message)
            # migrate-stt(STT008): confidence: v3 has no message-level confidence (end_of_turn_confidence means something else); average words[].confidence if you need one
            if result["confidence"] > 0.8:
                print(result["text"])
    '''

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

    def collect_Integer(self, node: cst.Integer) -> None:
        try:
            value = int(node.value)
        except ValueError:
            return
        if value not in V2_CLOSE_CODES:
            return
        if not any(isinstance(a, (cst.Comparison, cst.Assert, cst.MatchCase, cst.MatchValue)) for a in self.context.ancestors[-4:-1]):
            return
        self.found.append((node, self.context.statement_stack[-1], (
            f"{value} is a v2 close code ({V2_CLOSE_CODES[value]}); v3 closes normally with 1000 and "
            "reports errors with 1008 and 3005-3009"
        )))

    def finish_analysis(self) -> None:
        if not self.facts.is_streaming_client:
            return
        for node, statement, message in self.found:
            self.note(node, message, statement=statement)
