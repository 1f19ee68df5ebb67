"""The analysis that every rule relies on: imports, module constants, and whether the
file talks to AssemblyAI streaming at all (rules that rename generic keys such as
``text`` only act in such files)."""
from __future__ import annotations

import libcst as cst

from migrator.context import MigrationContext
from migrator.protocol import MESSAGE_TYPES
from migrator.syntax import dotted_name

_STREAMING_WORDS = ("assemblyai.com", "RealtimeTranscriber")


class FactCollector:
    """Fills :class:`~migrator.context.ScriptFacts`; runs first in the analysis walk."""

    code = ""

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        self.facts = context.facts

    def collect_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = dotted_name(alias.name)
            local = dotted_name(alias.asname.name) if alias.asname else module.split(".")[0]
            self.facts.module_aliases[local] = module if alias.asname else module.split(".")[0]

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
        if isinstance(node.func, cst.Attribute) and node.func.attr.value in ("close", "stop_stream"):
            name = dotted_name(node.func.value)
            if name:
                self.facts.closed_streams.add(name)

    def collect_SimpleString(self, node: cst.SimpleString) -> None:
        text = node.value
        if "terminate_session" in text or '"Terminate"' in text or text.strip("'\"") == "Terminate":
            self.facts.sends_terminate = True
        if self.facts.is_streaming_client:
            return
        if any(word in text for word in _STREAMING_WORDS) or text[1:-1] in MESSAGE_TYPES:
            self.facts.is_streaming_client = True

    def collect_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if not self.facts.is_streaming_client and "assemblyai.com" in node.value:
            self.facts.is_streaming_client = True
