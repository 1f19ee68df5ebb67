"""The analysis that every rule relies on: imports, module constants, and whether the
file talks to AssemblyAI streaming at all (rules that rename generic keys such as
``text`` only act in such files)."""

from __future__ import annotations

import libcst as cst

from migrator.context import MigrationContext
from migrator.markers import STREAMING_V2_MARKERS
from migrator.model.endpoints import literal_value, mentions_endpoint, parse_endpoint
from migrator.protocol import MESSAGE_TYPES
from migrator.syntax import dotted_name, in_text_output, subtree_ids

_STREAMING_WORDS = ("assemblyai.com", "RealtimeTranscriber")
#: String values only v2 AssemblyAI code uses (message types, control keys).
#: v2 control keys: a string holding one (a JSON control message) is v2 code too.
_CONTROL_KEYS = ("terminate_session", "force_end_utterance", "end_utterance_silence_threshold")
_V2_STRINGS = frozenset(MESSAGE_TYPES) | frozenset(_CONTROL_KEYS)
#: Keys of v2 messages that other protocols use too: v2 only in a script known to be a client.
_SHARED_V2_KEYS = frozenset({"message_type", "audio_data"})


class FactCollector:
    """Fills :class:`~migrator.context.ScriptFacts`; runs first in the analysis walk."""

    code = ""
    #: What marks a file as v2 streaming code whichever rules are selected; rules that act
    #: only on such code (``speaks_v2``) need not repeat these in their own markers.
    markers = STREAMING_V2_MARKERS

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        self.facts = context.facts
        self.seen_urls: set = set()
        #: "message_type"/"audio_data" seen: v2 once the script is known to be a streaming client.
        self.shared_v2_keys = False

    def _endpoint(self, node) -> None:
        """What the connection URL says: sample rate, and whether format_turns will be on."""
        if id(node) in self.seen_urls or not mentions_endpoint(node, self.facts.constants):
            return
        self.seen_urls |= subtree_ids(node)
        if in_text_output(self.context.ancestors):
            return
        endpoint = parse_endpoint(node, self.facts.constants)
        if endpoint is None:
            return
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        self.facts.endpoints.append((node, endpoint, statement))
        self.facts.is_streaming_client = True
        if endpoint.version == 2:
            self.facts.speaks_v2 = True
        rate = endpoint.param("sample_rate")
        if rate is not None:
            value = literal_value(rate.value, self.facts.constants)
            if isinstance(value, int):
                self.facts.sample_rate = value
        turns = endpoint.param("format_turns")
        if turns is not None:
            on = literal_value(turns.value, self.facts.constants) in (True, "true", "True")
        else:
            # STT001 adds format_turns=True to every v2 URL it migrates.
            on = endpoint.version == 2 and "STT001" in self.context.selected
        self.facts.format_turns = on if self.facts.format_turns is None else self.facts.format_turns or on

    collect_FormattedString = _endpoint
    collect_ConcatenatedString = _endpoint

    def collect_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if type(node.operator) in (cst.Add, cst.Modulo):
            self._endpoint(node)

    def collect_Import(self, node: cst.Import) -> None:
        at_module = not self.context.scope_stack
        for alias in node.names:
            module = dotted_name(alias.name)
            local = dotted_name(alias.asname.name) if alias.asname else module.split(".")[0]
            self.facts.module_aliases[local] = module if alias.asname else module.split(".")[0]
            if at_module:
                self.facts.module_level_aliases[local] = self.facts.module_aliases[local]

    def collect_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.module is None or isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module)
        for alias in node.names:
            name = dotted_name(alias.name)
            local = dotted_name(alias.asname.name) if alias.asname else name
            self.facts.imported_names[local] = f"{module}.{name}"

    def collect_Assign(self, node: cst.Assign) -> None:
        scope = self.context.scope_stack
        at_module = not scope
        in_class_body = len(scope) == 1 and isinstance(scope[0], cst.ClassDef)
        for target in node.targets:
            name = dotted_name(target.target)
            if isinstance(target.target, cst.Name) and (at_module or in_class_body):
                self.facts.constants[("self." if in_class_body else "") + name] = node.value
            elif name.startswith("self.") and name.count(".") == 1 and self.context.current_class is not None:
                # Attributes set in methods (``self.stream = p.open(...)``) count as the instance's constants.
                self.facts.constants.setdefault(name, node.value)

    def collect_Call(self, node: cst.Call) -> None:
        if type(node.func) is cst.Attribute and node.func.attr.value == "format":
            self._endpoint(node)  # "...?sample_rate={}".format(RATE)
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("close", "stop_stream"):
            name = dotted_name(node.func.value)
            if name:
                self.facts.closed_streams.add(name)

    def collect_SimpleString(self, node: cst.SimpleString) -> None:
        self._endpoint(node)
        text = node.value
        if "terminate_session" in text or '"Terminate"' in text or text.strip("'\"") == "Terminate":
            self.facts.sends_terminate = True
        if text[1:-1] in _V2_STRINGS or "RealtimeTranscriber" in text or any(key in text for key in _CONTROL_KEYS):
            self.facts.speaks_v2 = True
        elif text[1:-1] in _SHARED_V2_KEYS:
            self.shared_v2_keys = True
        if self.facts.is_streaming_client:
            return
        if any(word in text for word in _STREAMING_WORDS) or text[1:-1] in MESSAGE_TYPES:
            self.facts.is_streaming_client = True

    def collect_Name(self, node: cst.Name) -> None:
        if node.value.startswith("Realtime") and node.value in (
            "RealtimeTranscriber",
            "RealtimeFinalTranscript",
            "RealtimePartialTranscript",
            "RealtimeTranscript",
        ):
            self.facts.speaks_v2 = True

    def collect_leave_Module(self, node: cst.Module) -> None:
        if self.shared_v2_keys and self.facts.is_streaming_client:
            self.facts.speaks_v2 = True

    def collect_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if not self.facts.is_streaming_client and "assemblyai.com" in node.value:
            self.facts.is_streaming_client = True
