"""STT020: v2 SDK names become the v3 ``Streaming*`` names, imported from ``assemblyai.streaming.v3``.

``aai.RealtimeTranscriber`` is ``StreamingClient`` in v3, the event types are ``BeginEvent``,
``TurnEvent`` (partial and final alike), ``TerminationEvent`` and ``StreamingError``, and
``aai.AudioEncoding`` is ``Encoding`` (``docs/protocol.md`` §7.4). The names are rewritten
wherever the script writes them: ``aai.X`` and ``aai.types.X``, names imported with ``from
assemblyai import ...`` or ``from assemblyai.types import ...`` (also under another name, inside
functions, or under ``if TYPE_CHECKING:``), string annotations, and ``isinstance`` guards.

The ``Streaming*`` names are emitted, never 1.x's ``RealTime*`` ones: they exist from SDK 0.41
through 1.8 (the v2 ``RealtimeTranscriber`` itself was deleted in 0.64.3, so a name-alike
rewrite would be wrong). All v3 names go into one ``from assemblyai.streaming.v3 import ...``
where the v2 imports were; names only string annotations use stay under ``TYPE_CHECKING``.
A note above the imports states the SDK version the migrated script needs.
"""

from __future__ import annotations

import re

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.notes import INFO
from migrator.rules.sdk.plan import MINIMUM_SDK, V2_MODULES, V2_NAMES, SdkRule
from migrator.syntax import dotted_name

_NOTES = {
    "RealtimeErrorMapping": "v3 close codes differ from v2's 4xxx (1008, 3005-3009); StreamingErrorCodes lists the v3 ones",
    "RealtimeMessageTypes": "v3 events are StreamingEvents.Begin/Turn/Termination/Error; partials and finals are both Turn",
}
VERSION_NOTE = (
    f"the migrated code needs assemblyai>={MINIMUM_SDK} (StreamingClient, force_endpoint, "
    "and a disconnect(terminate=True) that waits for the last turn)"
)


class SdkNames(SdkRule):
    code = "STT020"
    name = "sdk-names"
    summary = "aai.Realtime*/AudioEncoding -> StreamingClient/TurnEvent/BeginEvent/... from assemblyai.streaming.v3"
    markers = RULE_MARKERS[code]
    example_before = """
        import assemblyai as aai


        def on_data(transcript: aai.RealtimeTranscript):
            print(transcript)


        def stop(transcriber):
            if isinstance(transcriber, aai.RealtimeTranscriber):
                print("stopping")
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.imported: dict = {}
        self.annotations: set = set()
        self.kept: set = set()  # v2 constructors and base classes left for the user, with a note

    def plan(self) -> None:
        facts = self.facts
        #: Local names bound to v2 names by ``from assemblyai[.types] import ...``.
        self.imported = {}
        for local, imported in facts.imported_names.items():
            module, _, name = imported.rpartition(".")
            if module in V2_MODULES and name in V2_NAMES:
                self.imported[local] = name
        self.annotations = {
            id(node)
            for node in self.sdk.string_annotations
            if self._renamed_annotation(node.value, emit=False) != node.value
        }
        self.kept = self.sdk.unmigrated()
        renamed = self.sdk.v2_names_to_rename()
        if renamed or self.annotations:
            statement = self.sdk.first_import or (renamed[0].statement if renamed else None)
            if statement is not None:
                self.note(statement, VERSION_NOTE, statement=statement, severity=INFO)

    def nodes_to_rewrite(self):
        sdk = self.sdk
        if not sdk.names_before_import.isdisjoint(self.imported):
            return None  # a v2 name used above its import: only a full walk finds every use
        names = (node for local in self.imported for node in sdk.name_ids.get(local, ()))
        return {*self.annotations, *sdk.v2_attribute_ids, *sdk.v2_import_ids, *names}

    # --- rewrite --------------------------------------------------------------------------
    def _renamed(self, name: str, original) -> cst.Name:
        new = V2_NAMES[name]
        self.sdk.emit(new)
        self.applied()
        if name in _NOTES:
            self.note(original, _NOTES[name])
        return cst.Name(new)

    def rewrite_Attribute(self, original: cst.Attribute, updated):
        name = original.attr.value
        if (
            name not in V2_NAMES
            or not self.sdk.active
            or self.sdk.v2_name(original) != name
            or id(original) in self.kept
        ):
            return updated
        return self._renamed(name, original).with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def rewrite_Name(self, original: cst.Name, updated):
        if updated.value not in self.imported or id(original) in self.kept:
            return updated
        if self.sdk.v2_name(original) != self.imported[updated.value]:
            return updated  # a local of the same name, or one that may also be something else
        parent = self.context.ancestors[-2]
        if (
            (isinstance(parent, cst.Attribute) and parent.attr is original)
            or isinstance(parent, (cst.ImportAlias, cst.AsName, cst.Param, cst.FunctionDef, cst.ClassDef))
            or (isinstance(parent, cst.Arg) and parent.keyword is original)
        ):
            return updated
        return self._renamed(self.imported[updated.value], original).with_changes(lpar=updated.lpar, rpar=updated.rpar)

    def _renamed_annotation(self, text: str, emit: bool) -> str:
        """A string annotation with its v2 names (``RealtimeX`` imported, or ``aai.RealtimeX``) renamed."""
        alias = self.sdk.module_alias()
        prefix = rf"\b{re.escape(alias)}\.(?:types\.)?" if alias else "(?!)"
        names = "|".join(sorted(set(V2_NAMES) | set(self.imported), key=len, reverse=True))

        def replace(match: "re.Match") -> str:
            name = match.group("name")
            if not match.group("prefix") and name not in self.imported:
                return match.group(0)
            new = V2_NAMES[self.imported.get(name, name)]
            if emit:
                self.sdk.emit(new)
            return new

        return re.sub(rf"(?P<prefix>{prefix})?\b(?P<name>{names})\b", replace, text)

    def rewrite_SimpleString(self, original: cst.SimpleString, updated):
        if id(original) not in self.annotations:
            return updated
        value = self._renamed_annotation(updated.value, emit=True)
        if value == updated.value:
            return updated
        self.applied()
        return updated.with_changes(value=value)

    def rewrite_ImportFrom(self, original: cst.ImportFrom, updated):
        """v2 names imported inside functions go; their v3 names are imported at the top."""
        if (
            original.module is None
            or dotted_name(original.module) not in V2_MODULES
            or isinstance(updated.names, cst.ImportStar)
        ):
            return updated
        if not any(isinstance(scope, cst.FunctionDef) for scope in self.context.scope_stack):
            return updated  # module-level imports are tidied once the whole script is known
        kept = [alias for alias in updated.names if dotted_name(alias.name) not in V2_NAMES]
        if len(kept) == len(updated.names):
            return updated
        self.applied()
        self.sdk.changed = True
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)
