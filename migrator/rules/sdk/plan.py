"""The plan the SDK rules (STT020-STT025) share for a script built on ``aai.RealtimeTranscriber``.

The v2 SDK surface is spread over a script: a constructor call whose keyword arguments name the
callbacks and the session settings, callback functions defined elsewhere, ``connect()``/``close()``
calls on whatever holds the client, and event objects whose fields the callbacks read. Each SDK
rule rewrites one part of that, and they all need the same plan, so one :class:`SdkPlan` per file
is shared by them.

What every value *is* comes from the value model (:mod:`migrator.model`): which SDK name an
expression refers to (``v2_name``/``v3_name``), which client a receiver holds
(``migrated_clients_of``, ``is_receiver``), which function a callback is (``resolve``), which
event a name holds (``event_of``), what runs from a handler, which names are in use. The plan
itself only collects the places the SDK rules rewrite (constructor calls, ``super().__init__``
of subclasses, method calls, ``isinstance`` tests, v2 names and imports) in the engine's analysis
walk, fed by the first SDK rule selected; decides once, in :meth:`SdkPlan.finish`, what each
becomes (constructions, subclasses, callback slots and their handler plans); and writes the one
``from assemblyai.streaming.v3 import ...`` line at the end of the rewrite walk.

The v3 names emitted are the ``Streaming*`` ones: they exist from SDK 0.41 through 1.8.x, while
1.x's ``RealTime*`` names do not exist before 1.0 (``docs/protocol.md`` §7.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from migrator import walk
from migrator.context import innermost
from migrator.import_order import hoisted_above_first_use, insert_sorted
from migrator.model import module_names_read
from migrator.rules.base import Rule
from migrator.syntax import dotted_name, parse_statement

V3_MODULE = "assemblyai.streaming.v3"
API_HOST = "streaming.assemblyai.com"
#: v2 was English-only; current v3 docs give the API no default model.
SPEECH_MODEL = "universal-streaming-english"
#: Streaming* names (0.41), force_endpoint (0.43.1), and a disconnect(terminate=True) that waits
#: for the last Turn and Termination (0.64.16): ``docs/protocol.md`` §7.1.
MINIMUM_SDK = "0.64.16"
#: Why, as a dependency manifest's note says it. Every release the v2 code ran on is older than
#: 0.64.3 (which deleted RealtimeTranscriber), so an unpinned requirement gets the bound too.
MINIMUM_SDK_REASON = (
    "the migrated code uses StreamingClient (assemblyai.streaming.v3) and a disconnect(terminate=True) "
    "that waits for the last turn"
)
#: Generated calls stay on one line up to this width, and are wrapped with one nested call per
#: line up to the longer one (the width the project's own code keeps to).
LINE_LENGTH = 88
LONG_LINE = 120

#: v2 names and the v3 names that replace them.
V2_NAMES = {
    "RealtimeTranscriber": "StreamingClient",
    "RealtimeTranscript": "TurnEvent",
    "RealtimePartialTranscript": "TurnEvent",
    "RealtimeFinalTranscript": "TurnEvent",
    "RealtimeSessionOpened": "BeginEvent",
    "RealtimeSessionInformation": "TerminationEvent",
    "RealtimeError": "StreamingError",
    "RealtimeWord": "Word",
    "RealtimeErrorMapping": "StreamingErrorCodes",
    "RealtimeMessageTypes": "StreamingEvents",
    "AudioEncoding": "Encoding",
}
#: Every name the SDK rules may write; only these are ever imported from the v3 module.
V3_NAMES = frozenset(
    set(V2_NAMES.values())
    | {"StreamingClientOptions", "StreamingParameters", "StreamingSessionParameters", "StreamingEvents"}
)
#: v2 names that stop existing without a v3 name of their own (handled by their rules).
V2_EXTRAS = frozenset({"MicrophoneStream", "stream_file", "extras"})
V2_MODULES = ("assemblyai", "assemblyai.types", "assemblyai.extras")

KNOWN_ARGUMENTS = frozenset(
    {
        "sample_rate",
        "encoding",
        "word_boost",
        "end_utterance_silence_threshold",
        "disable_partial_transcripts",
        "token",
        "client",
        "on_open",
        "on_data",
        "on_close",
        "on_error",
        "on_extra_session_information",
    }
)
WORD_BOOST_NOTE = (
    "word_boost became keyterms_prompt, a different feature (at most 100 terms of up to 50 characters, "
    "billed extra): review the list"
)
SILENCE_THRESHOLD_NOTE = (
    "end_utterance_silence_threshold became max_turn_silence: v3 ends a turn after this much silence at the "
    "latest, but its model may end it sooner (end_of_turn_confidence_threshold=1 gives silence-only turns)"
)

#: Names given to the new first parameter of a handler (the v3 client).
CLIENT_PARAMETERS = ("client", "streaming_client", "_client")
#: v2 constructor callbacks -> the v3 event they are registered for.
CALLBACK_EVENTS = {
    "on_open": "Begin",
    "on_data": "Turn",
    "on_close": "Termination",
    "on_extra_session_information": "Termination",
    "on_error": "Error",
}
#: Fields of v2 event objects that the SDK rules rename or flag.
EVENT_FIELDS = frozenset(
    {
        "text",
        "session_id",
        "punctuated",
        "text_formatted",
        "confidence",
        "audio_start",
        "audio_end",
        "created",
        "message_type",
    }
)
_INTERESTING_METHODS = frozenset(
    {
        "connect",
        "close",
        "stream",
        "on",
        "force_end_utterance",
        "configure_end_utterance_silence_threshold",
        "create_temporary_token",
    }
)

#: Call names worth a second look once imports are known (constructors, helpers, partial()).
_CANDIDATE_CALLS = frozenset(
    {"RealtimeTranscriber", "StreamingClient", "RealTimeTranscriber", "MicrophoneStream", "stream_file", "partial"}
)

# --- what is recorded ---------------------------------------------------------------------


@dataclass
class Function:
    """A ``def`` or ``lambda`` the callbacks may resolve to."""

    node: object
    name: Optional[str]
    #: The class whose body holds the def directly (methods), else None.
    owner_class: Optional[cst.ClassDef]
    #: Positional parameter names, in order (``self`` included).
    positional: list
    #: Called through an instance: the first positional parameter is ``self``/``cls``.
    bound: bool
    variadic: bool
    #: Every name used or bound inside, nested scopes included (to pick fresh names).
    names: set = field(default_factory=set)
    #: Names bound inside (parameters, assignment targets): a local shadows outer bindings.
    bound_names: set = field(default_factory=set)


@dataclass
class Site:
    """Where something was found: the node, its statement, and the scopes around it."""

    node: object
    statement: object
    scopes: tuple
    #: The node holding the statement (Module or IndentedBlock) and the statement's order in the file.
    block: object = None
    order: int = 0

    @property
    def function(self):
        return innermost(self.scopes, cst.FunctionDef)

    @property
    def owner_class(self):
        return innermost(self.scopes, cst.ClassDef)


@dataclass
class Construction:
    """``X = aai.RealtimeTranscriber(...)`` (version 2) or ``X = StreamingClient(...)`` (3)."""

    site: Site
    version: int
    #: Dotted name the client is assigned to (``transcriber``, ``self.transcriber``), if any.
    target: Optional[str]
    kwargs: dict
    #: Why the construction cannot be rewritten, if it cannot.
    problem: Optional[str] = None
    #: ``make = functools.partial(RealtimeTranscriber, ...)``: ``make`` becomes a factory def.
    factory: bool = False
    #: The keywords the factory's callers pass (callbacks, ``token``): parameters of the def
    #: written for it, and those calls.
    factory_parameters: list = field(default_factory=list)
    factory_calls: list = field(default_factory=list)

    @property
    def call(self) -> cst.Call:
        return self.site.node


@dataclass
class Subclass:
    """``class X(aai.RealtimeTranscriber)`` and its ``super().__init__(...)`` call, if it has one."""

    node: cst.ClassDef
    base: cst.Arg
    init_call: Optional[Site] = None
    kwargs: dict = field(default_factory=dict)
    problem: Optional[str] = None


@dataclass
class Slot:
    """A place where a callback is handed to the SDK."""

    event: str
    #: v2 ``on_close`` callbacks took no argument at all.
    takes_event: bool
    arg: cst.Arg
    site: Site
    #: Handed over in v2 form (constructor keyword) rather than with v3 ``client.on(...)``.
    v2: bool = True


@dataclass
class HandlerPlan:
    """How one callback becomes a v3 handler ``(client, event)``."""

    slot: Slot
    function: Optional[Function] = None
    #: Index in ``function.positional`` where the new parameters go.
    insert_at: int = 0
    #: The parameter receiving the event, if the callback had one.
    event_parameter: Optional[str] = None
    #: Edit the def (True) or wrap the callback in an adapter lambda at the slot (False).
    edit: bool = False
    problem: Optional[str] = None


class SdkPlan:
    """The shared plan; see the module docstring."""

    def __init__(self, context) -> None:
        self.context = context
        self.facts = context.facts
        self.owner: Optional[Rule] = None
        #: The file imports the SDK (anywhere: a function above the import may use it).
        self.active = context.model.imports_module("assemblyai")
        self.finished = False
        self._order = 0
        self._statement_orders: dict = {}
        # collected
        self._functions: dict = {}  # id(def or lambda) -> Function
        self.attribute_references: dict = {}  # attribute name -> count
        self.candidate_calls: list = []  # Site of calls that may be SDK constructors/helpers
        self.callback_calls: dict = {}  # id(call) -> Site of other calls passing a callback keyword
        self.method_calls: list = []  # (method, receiver, Site)
        self.isinstance_calls: list = []  # Site
        self.super_inits: list = []  # Site
        self.classes: list = []  # (ClassDef, Site)
        self.field_references: list = []  # Site of Attribute nodes on a Name
        # where the renaming rules may act, so the rewrite walk can skip the rest
        self.name_ids: dict = {}  # name -> ids of the Name nodes with that value (once active)
        self.names_before_import: set = set()  # names seen before the first assemblyai import
        self.v2_attribute_ids: list = []  # ids of ``x.<v2 name>`` nodes
        self.v2_import_ids: list = []  # ids of ``from <v2 module> import ...`` nodes
        self.settings_assignments: list = []  # Site
        self.string_annotations: list = []  # SimpleString nodes inside annotations
        #: v2 names are imported under ``if TYPE_CHECKING:`` (their v3 names go there too).
        self.has_type_checking_imports = False
        self.first_import = None  # the first assemblyai import statement outside functions
        self.v2_references: list = []  # ``aai.RealtimeX`` attributes and ``RealtimeX`` names (maybe v2)
        # resolved
        self.constructions: list = []
        self.subclasses: list = []
        self.plans: dict = {}  # id(slot arg) -> HandlerPlan
        self.emitted: set = set()
        self.format_turns: Optional[bool] = None
        self.changed = False

    # --- sharing ----------------------------------------------------------------------
    @classmethod
    def attach(cls, rule: Rule) -> "SdkPlan":
        # Kept on the file's context, so it lives exactly as long as that file's migration.
        plan = rule.context.shared.get(cls)
        if plan is None:
            plan = rule.context.shared[cls] = cls(rule.context)
            plan.owner = rule
        return plan

    def selected(self, code: str) -> bool:
        return code in self.context.selected

    def emit(self, *names: str) -> None:
        """A rule wrote these v3 names into the script."""
        self.emitted.update(names)
        self.changed = True
        self.context.drop_import_if_unused("assemblyai")  # e.g. an import in a handler that only tested v2 types

    # --- the places collected in the analysis walk ------------------------------------------------------------
    def _site(self, node) -> Site:
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        block = None
        if statement is not None:
            index = len(self.context.ancestors) - 1
            while index >= 0 and self.context.ancestors[index] is not statement:
                index -= 1
            block = self.context.ancestors[index - 1] if index > 0 else None
        order = self._statement_orders.get(id(statement), self._order)
        return Site(node, statement, tuple(self.context.scope_stack), block, order)

    def _assemblyai_import(self) -> None:
        self.active = True  # ``from assemblyai import *``, which the model does not record
        if self.first_import is None and not any(isinstance(s, cst.FunctionDef) for s in self.context.scope_stack):
            self.first_import = self.context.statement_stack[-1]

    def collect_Import(self, node: cst.Import) -> None:
        if any(dotted_name(alias.name).split(".")[0] == "assemblyai" for alias in node.names):
            self._assemblyai_import()

    def collect_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted_name(node.module) if node.module is not None else ""
        if module in V2_MODULES:
            self.v2_import_ids.append(id(node))
        if module.split(".")[0] != "assemblyai":
            return
        self._assemblyai_import()
        if module in V2_MODULES and not isinstance(node.names, cst.ImportStar):
            if any(dotted_name(alias.name) in V2_NAMES for alias in node.names) and _in_type_checking(
                self.context.ancestors
            ):
                self.has_type_checking_imports = True

    def collect_SimpleStatementLine(self, node) -> None:
        self._order += 1
        self._statement_orders[id(node)] = self._order

    def collect_ClassDef(self, node: cst.ClassDef) -> None:
        if self.active:
            self.classes.append((node, self._site(node)))

    def collect_Name(self, node: cst.Name) -> None:
        value = node.value
        if not self.active:
            return
        if self.first_import is None:
            self.names_before_import.add(value)
        ids = self.name_ids.get(value)
        if ids is None:
            self.name_ids[value] = [id(node)]
        else:
            ids.append(id(node))
        parent = self.context.parent()
        parent_type = type(parent)  # exact types: this runs for every name in the file
        if parent_type is cst.Attribute and parent.attr is node:
            return
        if parent_type in _DEFINING_PARENTS or (parent_type is cst.Arg and parent.keyword is node):
            return
        if parent_type is cst.AssignTarget or (
            (parent_type is cst.AnnAssign or parent_type is cst.AugAssign) and parent.target is node
        ):
            return
        imported = self.facts.imported_names.get(value)
        if imported is not None and imported.rpartition(".")[0] in V2_MODULES:
            self.v2_references.append(self._site(node))

    def collect_Attribute(self, node: cst.Attribute) -> None:
        attr = node.attr.value
        if attr in V2_NAMES:
            self.v2_attribute_ids.append(id(node))
        if not self.active:
            return
        self.attribute_references[attr] = self.attribute_references.get(attr, 0) + 1
        if attr in EVENT_FIELDS and isinstance(node.value, cst.Name):
            self.field_references.append(self._site(node))
        elif attr in V2_NAMES:
            self.v2_references.append(self._site(node))

    def collect_Assign(self, node: cst.Assign) -> None:
        if not self.active:
            return
        for target in node.targets:
            target = target.target
            if (
                isinstance(target, cst.Attribute)
                and target.attr.value == "api_key"
                and self.context.model.qualified_name(target.value) == "assemblyai.settings"
            ):
                self.settings_assignments.append(self._site(node))

    def collect_SimpleString(self, node: cst.SimpleString) -> None:
        if self.active and ("Realtime" in node.value or "AudioEncoding" in node.value):
            if any(isinstance(ancestor, cst.Annotation) for ancestor in self.context.ancestors):
                self.string_annotations.append(node)

    def collect_Call(self, node: cst.Call) -> None:
        if not self.active:
            return
        func = node.func
        if isinstance(func, cst.Attribute):
            method = func.attr.value
            if method in _INTERESTING_METHODS:
                self.method_calls.append((method, dotted_name(func.value), self._site(node)))
            if method == "__init__" and (
                (isinstance(func.value, cst.Call) and dotted_name(func.value.func) == "super")
                or self.v2_name(func.value) == "RealtimeTranscriber"
            ):
                self.super_inits.append(self._site(node))
            name = method
        elif isinstance(func, cst.Name):
            name = func.value
            if name == "isinstance" and len(node.args) == 2:
                self.isinstance_calls.append(self._site(node))
        else:
            return
        if name in _CANDIDATE_CALLS or (isinstance(func, cst.Name) and name in self.facts.imported_names):
            self.candidate_calls.append(self._site(node))
        elif any(arg.keyword is not None and arg.keyword.value in CALLBACK_EVENTS for arg in node.args):
            self.callback_calls[id(node)] = self._site(node)  # maybe a factory's call

    # --- name resolution --------------------------------------------------------------
    def v2_name(self, node) -> Optional[str]:
        """The v2 SDK name an expression refers to (``aai.X``, ``aai.types.X``, ``X`` imported
        under any name), per the value model."""
        module, _, name = (self.context.model.qualified_name(node) or "").rpartition(".")
        return name if module in V2_MODULES else None

    def v3_name(self, node) -> Optional[str]:
        """The v3 SDK name (from ``assemblyai.streaming.v3``) an expression refers to."""
        module, _, name = (self.context.model.qualified_name(node) or "").rpartition(".")
        return name if module == V3_MODULE else None

    def module_alias(self) -> Optional[str]:
        for local, module in self.facts.module_aliases.items():
            if module == "assemblyai" and "." not in local:
                return local
        return None

    def settings_expression(self) -> str:
        """Code reading the API key the v2 SDK used implicitly (it also reads ASSEMBLYAI_API_KEY)."""
        alias = self.module_alias()
        if alias is not None:
            return f"{alias}.settings.api_key"
        for local, imported in self.facts.imported_names.items():
            if imported == "assemblyai.settings":
                return f"{local}.api_key"
        self.context.add_import("assemblyai")
        return "assemblyai.settings.api_key"

    # --- what v2 constructor arguments become -----------------------------------------
    def options_arguments(self, kwargs: dict) -> list:
        """``StreamingClientOptions(...)`` arguments: the credentials (v3 does not read
        ``aai.settings``) and the host the client combines into ``wss://{host}/v3/ws``. A token
        that may be None falls back to the API key, as it did in v2."""
        self.emit("StreamingClientOptions")
        token = kwargs.get("token")
        if token is None:
            credentials = [f"api_key={self.settings_expression()}"]
        elif isinstance(token.value, (cst.SimpleString, cst.ConcatenatedString, cst.FormattedString)):
            credentials = [f"token={code(token.value)}"]
        else:
            credentials = [f"api_key={self.settings_expression()}", f"token={code(token.value)}"]
        return [*credentials, f'api_host="{API_HOST}"']

    def parameters_arguments(self, kwargs: dict) -> list:
        """``StreamingParameters(...)`` arguments for a v2 constructor's session settings."""
        self.emit("StreamingParameters")
        arguments = []
        rate = kwargs.get("sample_rate")
        if rate is not None:
            arguments.append(f"sample_rate={code(rate.value)}")
        encoding = kwargs.get("encoding")
        if encoding is not None:
            arguments.append(f"encoding={self.encoding_code(encoding.value)}")
        arguments += ["format_turns=True", f'speech_model="{SPEECH_MODEL}"']
        boost = kwargs.get("word_boost")
        if boost is not None:
            arguments.append(f"keyterms_prompt={code(boost.value)}")
        threshold = kwargs.get("end_utterance_silence_threshold")
        if threshold is not None:
            arguments.append(f"max_turn_silence={code(threshold.value)}")
        return arguments

    @staticmethod
    def setting_notes(kwargs: dict) -> list:
        """What the user must review about a v2 constructor's settings."""
        notes = []
        if "sample_rate" not in kwargs:
            notes.append("v3 needs sample_rate in StreamingParameters (v2 required it too)")
        if "word_boost" in kwargs:
            notes.append(WORD_BOOST_NOTE)
        if "end_utterance_silence_threshold" in kwargs:
            notes.append(SILENCE_THRESHOLD_NOTE)
        if "disable_partial_transcripts" in kwargs:
            notes.append(
                "disable_partial_transcripts is gone: v3 always sends partial turns, so the Turn handler skips them itself"
            )
        if "client" in kwargs:
            notes.append("v3 has no shared aai.Client: the API key now goes in StreamingClientOptions")
        if "on_close" in kwargs:
            notes.append(
                "on_close now runs on Termination; v2 also called it after an error, v3 then sends no Termination"
            )
        unknown = sorted(set(kwargs) - KNOWN_ARGUMENTS)
        if unknown:
            notes.append(f"RealtimeTranscriber never took {', '.join(unknown)}; dropped")
        return notes

    @staticmethod
    def parameter_names(kwargs: dict) -> set:
        """Names the moved session settings read (they must still mean the same at connect())."""
        found = set()
        for keyword in ("sample_rate", "encoding", "word_boost", "end_utterance_silence_threshold"):
            if keyword in kwargs:
                found |= loaded_names(kwargs[keyword].value)
        return found

    def encoding_code(self, value) -> str:
        if isinstance(value, cst.Attribute) and self.v2_name(value.value) == "AudioEncoding":
            self.emit("Encoding")
            return f"Encoding.{value.attr.value}"
        return code(value)

    def function(self, node) -> Optional[Function]:
        """A ``def`` or lambda of the file as the SDK rules see it (from the value model)."""
        if node is None:
            return None
        found = self._functions.get(id(node))
        if found is None:
            info = self.context.model.function_info(node)
            if info is None:
                return None
            positional = [param[0] for param in info.params if len(param) == 3]
            found = self._functions[id(node)] = Function(
                node,
                node.name.value if isinstance(node, cst.FunctionDef) else None,
                info.owner.node if info.owner is not None else None,
                positional,
                bound=info.kind in ("method", "class") and bool(positional),
                variadic=info.vararg is not None,
                names=set(self.context.model.names_in(node)),
                bound_names=set(info.scope.names),
            )
        return found

    def resolve(self, value):
        """The Function a callback expression may be, however it got there, with what a
        ``functools.partial`` around it binds: (function or None, positional arguments bound,
        keyword names bound)."""
        model = self.context.model
        keywords = set()
        if isinstance(value, cst.Call) and model.qualified_name(value.func) == "functools.partial":
            if not value.args or value.args[0].keyword is not None or any(arg.star for arg in value.args):
                return None, 0, set()
            keywords = {arg.keyword.value for arg in value.args[1:] if arg.keyword is not None}
        targets = {id(node): (node, bound) for node, bound in model.callables(value)}
        if len(targets) > 1:
            # ``self.on_data`` where a subclass overrides it: the base method (its overrides
            # change shape with it)
            overriding = {
                id(statement)
                for node, _ in targets.values()
                if isinstance(node, cst.FunctionDef) and self.function(node).owner_class is not None
                for subclass in model.subclasses_of(self.function(node).owner_class)
                for statement in subclass.body.body
                if isinstance(statement, cst.FunctionDef) and statement.name.value == node.name.value
            }
            targets = {key: target for key, target in targets.items() if key not in overriding}
        if len(targets) != 1:
            return None, 0, set()
        node, bound = next(iter(targets.values()))
        function = self.function(node)
        if function is None:
            return None, 0, set()
        return function, bound - (1 if function.bound and bound else 0), keywords

    # --- resolution, once the walk is over ----------------------------------------------
    def finish(self) -> None:
        if self.finished:
            return
        self.finished = True
        if not self.active:
            return
        self._find_constructions()
        self._find_subclasses()
        self._find_format_turns()
        self._plan_handlers()

    def unmigrated(self) -> set:
        """ids of ``RealtimeTranscriber`` references the rules leave as they are (with a note): a
        constructor or subclass of a shape they cannot rewrite stays visibly v2."""
        found = {id(c.call.func) for c in self.constructions if c.version == 2 and c.problem is not None}
        if not self.selected("STT021"):
            found |= {id(c.call.func) for c in self.constructions if c.version == 2}
        for subclass in self.subclasses:
            if subclass.problem is not None or subclass.init_call is None or not self.selected("STT025"):
                found.add(id(subclass.base.value))
        return found

    def v2_names_to_rename(self) -> list:
        """References to v2 names (``aai.RealtimeX``, imported ``RealtimeX``) that become v3 names."""
        kept = self.unmigrated()
        return [
            site for site in self.v2_references if self.v2_name(site.node) in V2_NAMES and id(site.node) not in kept
        ]

    def _find_constructions(self) -> None:
        for site in self.candidate_calls:
            call = site.node
            version = (
                2
                if self.v2_name(call.func) == "RealtimeTranscriber"
                else (3 if self.v3_name(call.func) in ("StreamingClient", "RealTimeTranscriber") else 0)
            )
            partial = not version and _partial_of_transcriber(self, call)
            if partial:
                version = 2
            if not version:
                continue
            target = None
            statement = site.statement
            if isinstance(statement, cst.SimpleStatementLine) and len(statement.body) == 1:
                small = statement.body[0]
                if isinstance(small, cst.Assign) and small.value is call and len(small.targets) == 1:
                    target = dotted_name(small.targets[0].target) or None
                elif isinstance(small, cst.AnnAssign) and small.value is call:
                    target = dotted_name(small.target) or None
                elif isinstance(small, cst.Return) and small.value is call and site.function is not None:
                    # a factory: the client gets a local name, is set up, and is returned
                    target = self.fresh_name(self.function(site.function), "client", "transcriber")
            kwargs = {arg.keyword.value: arg for arg in call.args if arg.keyword is not None}
            construction = Construction(site, version, target, kwargs, factory=bool(partial))
            arguments = call.args[1:] if partial else call.args
            if partial and target is not None and "." in target:
                construction.problem = "a functools.partial of RealtimeTranscriber kept on an attribute"
            elif version == 2:
                if any(arg.star for arg in arguments):
                    construction.problem = "the settings are passed with ** and cannot be read"
                elif any(arg.keyword is None for arg in arguments):
                    construction.problem = "RealtimeTranscriber takes keyword arguments only"
                elif target is None:
                    construction.problem = "the client is not assigned to a name"
            if partial and construction.problem is None:
                self._read_factory_calls(construction)
            self.constructions.append(construction)

    def _read_factory_calls(self, construction: Construction) -> None:
        """What the calls of a ``functools.partial`` of ``RealtimeTranscriber`` add: a token,
        and callbacks every call passes, become parameters of the factory written for it;
        settings cannot move there (v3 takes them at ``connect()``)."""
        calls = self.context.model.calls_of(construction.call)
        passed = set()
        for call in calls:
            if any(arg.star or arg.keyword is None for arg in call.args):
                construction.problem = (
                    "the functools.partial of RealtimeTranscriber is called with positional arguments"
                )
                return
            passed |= {arg.keyword.value for arg in call.args}
        sometimes = {
            keyword
            for keyword in passed & set(CALLBACK_EVENTS)
            if keyword in construction.kwargs
            or not all(any(arg.keyword.value == keyword for arg in call.args) for call in calls)
        }
        moved = sorted((passed - {"token"} - set(CALLBACK_EVENTS)) | sometimes)
        if moved:
            construction.problem = (
                f"the functools.partial of RealtimeTranscriber is called with {', '.join(moved)}: move "
                "them into the partial (v3 registers callbacks with client.on() and takes the settings at connect())"
            )
        construction.factory_parameters = sorted(passed, key=lambda keyword: (keyword == "token", keyword))
        construction.factory_calls = calls

    def _find_subclasses(self) -> None:
        for node, _site in self.classes:
            base = next((arg for arg in node.bases if self.v2_name(arg.value) == "RealtimeTranscriber"), None)
            if base is None:
                continue
            subclass = Subclass(node, base)
            inits = [
                s
                for s in self.super_inits
                if any(scope is node for scope in s.scopes)
                and isinstance(s.function, cst.FunctionDef)
                and s.function.name.value == "__init__"
                and self.function(s.function).owner_class is node
            ]
            methods = {statement.name.value for statement in node.body.body if isinstance(statement, cst.FunctionDef)}
            if len(inits) != 1:
                subclass.problem = "it has no single super().__init__(...) call in __init__"
            elif methods & {"connect", "close", "stream"}:
                subclass.problem = "it defines its own " + ", ".join(sorted(methods & {"connect", "close", "stream"}))
            else:
                call = inits[0].node
                args = call.args[1:] if not isinstance(call.func.value, cst.Call) else call.args
                if any(arg.star or arg.keyword is None for arg in args):
                    subclass.problem = "its super().__init__(...) does not pass keyword arguments only"
                elif not (
                    isinstance(inits[0].statement, cst.SimpleStatementLine)
                    and len(inits[0].statement.body) == 1
                    and isinstance(inits[0].statement.body[0], cst.Expr)
                ):
                    subclass.problem = "its super().__init__(...) is not a statement of its own"
                else:
                    subclass.init_call = inits[0]
                    subclass.kwargs = {arg.keyword.value: arg for arg in args}
            self.subclasses.append(subclass)

    def migrated_clients_of(self, receiver) -> list:
        """The v2 constructions the rules migrate whose client ``receiver`` may hold, however
        it got there (a variable, an attribute, a factory's result, an argument)."""
        calls = self.context.model.sdk_clients_made_at(receiver)
        return [
            c
            for c in self.constructions
            if c.version == 2 and c.problem is None and any(c.call is call for call in calls)
        ]

    def is_receiver(self, receiver) -> bool:
        """Whether ``receiver`` holds a streaming client that is (or becomes) a v3 one: every
        client it may be is made by a constructor the rules migrate or a v3 one, or is named
        only by an annotation or an ``isinstance`` test."""
        clients = self.context.model.sdk_clients(receiver)
        known = {id(c.call) for c in self.constructions if c.problem is None}
        return bool(clients) and all(call is None or id(call) in known for _, call in clients)

    def _find_format_turns(self) -> None:
        """Whether the migrated session asks for formatted turns (then a final is the formatted one)."""
        if any(c.version == 2 and c.problem is None for c in self.constructions) and self.selected("STT021"):
            self.format_turns = True
            return
        if any(s.problem is None for s in self.subclasses) and self.selected("STT025"):
            self.format_turns = True
            return
        for site in self.candidate_calls + [s for _, _, s in self.method_calls]:
            for arg in site.node.args:
                value = arg.value
                if isinstance(value, cst.Call) and self.v3_name(value.func) in (
                    "StreamingParameters",
                    "RealTimeParameters",
                ):
                    setting = next(
                        (a for a in value.args if a.keyword is not None and a.keyword.value == "format_turns"), None
                    )
                    self.format_turns = (
                        setting is not None and isinstance(setting.value, cst.Name) and setting.value.value == "True"
                    )
                    return

    def slots(self) -> list:
        found = []
        for construction in self.constructions:
            if construction.version == 2 and construction.problem is None:
                found += self._v2_slots(construction.kwargs, construction.site)
                for call in construction.factory_calls:
                    site = self.callback_calls.get(id(call))
                    if site is not None:
                        found += self._v2_slots({arg.keyword.value: arg for arg in call.args}, site)
        for subclass in self.subclasses:
            if subclass.init_call is not None:
                found += self._v2_slots(subclass.kwargs, subclass.init_call)
        for method, _, site in self.method_calls:
            if method != "on" or len(site.node.args) != 2:
                continue
            event_arg, handler = site.node.args
            event = event_arg.value
            if (
                isinstance(event, cst.Attribute)
                and self.v3_name(event.value) in ("StreamingEvents", "RealTimeEvents")
                and event.attr.value in ("Begin", "Turn", "Termination", "Error")
            ):
                found.append(Slot(event.attr.value, True, handler, site, v2=False))
        return found

    @staticmethod
    def _v2_slots(kwargs: dict, site: Site) -> list:
        return [
            Slot(CALLBACK_EVENTS[keyword], keyword != "on_close", arg, site)
            for keyword, arg in kwargs.items()
            if keyword in CALLBACK_EVENTS
        ]

    def _plan_handlers(self) -> None:
        uses: dict = {}  # id(function node) -> the plans naming it
        for slot in self.slots():
            function, positional, keywords = self.resolve(slot.arg.value)
            plan = HandlerPlan(slot, function)
            if function is None:
                if slot.v2:
                    self.plans[id(slot.arg)] = plan
                continue
            base = (1 if function.bound else 0) + positional
            free = [name for name in function.positional[base:] if name not in keywords]
            if not slot.v2:
                # Registered with client.on(): only a callback still shaped for v2 needs work.
                if function.variadic or len(free) >= 2:
                    continue
                slot.takes_event = len(free) == 1
            elif free and free[0] in CLIENT_PARAMETERS and len(free) >= 2:
                continue  # adapted already (the constructor itself is left to STT021)
            self.plans[id(slot.arg)] = plan
            uses.setdefault(id(function.node), []).append(plan)
            plan.insert_at = base
            if function.variadic:
                plan.problem = f"{function.name or 'the callback'} takes *args; v3 calls it with (client, event)"
            elif slot.takes_event:
                if not free or function.positional.index(free[0]) != base:
                    plan.problem = "cannot tell which parameter receives the event"
                else:
                    plan.event_parameter = free[0]
        for plans in uses.values():
            function = plans[0].function
            if isinstance(function.node, cst.Lambda):
                editable = len(plans) == 1
            elif function.bound:
                by_attribute = sum(
                    1 for plan in plans if isinstance(_callback_target(plan.slot.arg.value), cst.Attribute)
                )
                editable = self.attribute_references.get(function.name, 0) <= by_attribute
            else:
                editable = self.context.model.references(function.node.name) <= len(plans)
            shapes = {(plan.slot.event, plan.insert_at, plan.event_parameter, plan.slot.takes_event) for plan in plans}
            for plan in plans:
                plan.edit = editable and len(shapes) == 1 and plan.problem is None

    def overrides(self, function: Function) -> list:
        """Methods of subclasses (in this file) that override ``function``: the SDK calls
        them in its place, so they change shape with it."""
        if function.owner_class is None or not function.bound or not function.name:
            return []
        found = []
        for subclass in self.context.model.subclasses_of(function.owner_class):
            for statement in subclass.body.body:
                if isinstance(statement, cst.FunctionDef) and statement.name.value == function.name:
                    override = self.function(statement)
                    if override is not None and len(override.positional) == len(function.positional):
                        found.append(override)
        return found

    def event_of(self, node) -> Optional[str]:
        """The v3 event an expression holds (a callback's event, wherever it was handed on)."""
        return self.context.model.sdk_event(node)

    def reachable_from_turns(self) -> set:
        """ids of the functions that run (directly or through calls) inside a Turn handler."""
        handlers = [
            plan.function.node
            for plan in self.plans.values()
            if plan.function is not None and plan.slot.event == "Turn"
        ]
        return self.context.model.run_from(handlers)

    def fresh_name(self, function: Optional[Function], *candidates: str) -> str:
        used = function.names | function.bound_names if function is not None else set()
        for candidate in candidates:
            if candidate not in used:
                return candidate
        index = 2
        while f"{candidates[0]}{index}" in used:
            index += 1
        return f"{candidates[0]}{index}"

    # --- the import fix-up, once per file at the end of the rewrite walk ----------------
    def fix_imports(self, module: cst.Module) -> cst.Module:
        """Import the v3 names the script now uses, once, where its v2 imports were; drop the v2
        names (and an ``aai`` alias) it no longer uses.

        Which names are left is read off the migrated module with one read-only walk, only for
        files an SDK rule changed: rules replace whole subtrees (a constructor statement, an
        ``isinstance`` test) that may hold other rules' renames, so counting as they go would
        need every rule to know about every other one."""
        if not self.changed:
            return module
        scan = _FinalNames(module)
        emitted = self.emitted & V3_NAMES
        needed = {name for name in emitted if name in scan.used}
        annotation_only = {name for name in emitted if name in scan.in_strings and name not in scan.used}
        if not self.has_type_checking_imports:
            needed |= annotation_only
            annotation_only = set()
        inserting = bool(needed) and not any(
            _imports_from(statement, V3_MODULE, exact=True) for statement in module.body
        )
        result, anchor, carried = [], None, []
        for statement in module.body:
            if isinstance(statement, cst.If) and dotted_name(statement.test).endswith("TYPE_CHECKING"):
                kept = self._clean_type_checking(statement, scan, annotation_only)
            else:
                kept = self._clean_imports(statement, scan)
                if anchor is None and _imports_from(statement, "assemblyai"):
                    anchor = len(result) + (0 if kept is None else 1)
                    if kept is None and inserting:
                        # The v3 import takes the place (and the comments) of the v2 one.
                        carried, anchor = [], (anchor, statement.leading_lines)
                        continue
            if kept is None:
                carried += statement.leading_lines  # blank lines and notes stay where they were
                continue
            if carried:
                kept = kept.with_changes(leading_lines=[*carried, *kept.leading_lines])
                carried = []
            result.append(kept)
        if not inserting:
            for index, statement in enumerate(result):
                if _imports_from(statement, V3_MODULE, exact=True):
                    present = {dotted_name(alias.name) for alias in statement.body[0].names}
                    if not needed <= present:
                        result[index] = _import_statement(sorted(present | needed), statement.leading_lines)
                        result = hoisted_above_first_use(result, index)
                    break
        elif isinstance(anchor, tuple):
            at, leading = anchor  # in place of the v2 import it replaces
            result.insert(at, _import_statement(sorted(needed), leading))
            result = hoisted_above_first_use(result, at)
        else:
            result = insert_sorted(result, _import_statement(sorted(needed), ()))
        return module.with_changes(body=result)

    def _clean_imports(self, statement, scan: "_FinalNames"):
        """The statement without the v2 streaming names the script no longer uses (None: nothing left)."""
        if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
            return statement
        small = statement.body[0]
        if isinstance(small, cst.ImportFrom) and small.module is not None and dotted_name(small.module) in V2_MODULES:
            if isinstance(small.names, cst.ImportStar):
                return statement
            kept = [
                alias
                for alias in small.names
                if not (
                    dotted_name(alias.name) in (set(V2_NAMES) | V2_EXTRAS)
                    and (dotted_name(alias.asname.name) if alias.asname else dotted_name(alias.name)) not in scan.used
                )
            ]
            if len(kept) == len(small.names):
                return statement
            if not kept:
                return None
            kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return statement.with_changes(body=[small.with_changes(names=kept)])
        if isinstance(small, cst.Import) and len(small.names) == 1:
            alias = small.names[0]
            local = dotted_name(alias.asname.name) if alias.asname else dotted_name(alias.name).split(".")[0]
            if dotted_name(alias.name) == "assemblyai" and local not in scan.used:
                return None
        return statement

    def _clean_type_checking(self, statement: cst.If, scan: "_FinalNames", names: set):
        """``if TYPE_CHECKING:`` imports: v2 names out, the v3 names only string annotations use in."""
        block = statement.body
        if not isinstance(block, cst.IndentedBlock):
            return statement
        body, carried = [], []
        for inner in block.body:
            kept = self._clean_imports(inner, scan)
            if kept is None:
                carried += inner.leading_lines
                continue
            body.append(kept.with_changes(leading_lines=[*carried, *kept.leading_lines]) if carried else kept)
            carried = []
        if names or carried or not body:
            last = _import_statement(sorted(names), ()) if names else cst.SimpleStatementLine([cst.Pass()])
            body.append(last.with_changes(leading_lines=carried))
        if body == list(block.body):
            return statement
        return statement.with_changes(body=block.with_changes(body=body))


class _FinalNames:
    """Names the migrated script reads from its module level (outside imports), and identifiers
    in its string annotations."""

    def __init__(self, module: cst.Module) -> None:
        self.used: set = module_names_read(module)
        self.in_strings: set = set()
        self._annotation = 0
        walk.visit(module, self._enter, self._leave)

    def _enter(self, node) -> bool:
        node_type = type(node)  # exact types: isinstance on libcst nodes goes through ABCMeta
        if node_type is cst.Import or node_type is cst.ImportFrom:
            return False
        elif node_type is cst.Annotation:
            self._annotation += 1
        elif node_type is cst.SimpleString and self._annotation:
            self.in_strings.update(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", node.value))
        return True

    def _leave(self, node) -> None:
        if type(node) is cst.Annotation:
            self._annotation -= 1


# --- small helpers ----------------------------------------------------------------------


def loaded_names(node) -> set:
    found, stack = set(), [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Name):
            found.add(current.value)
        elif isinstance(current, cst.Attribute):
            stack.append(current.value)
        else:
            stack.extend(current.children)
    return found


def _partial_of_transcriber(plan, call: cst.Call) -> bool:
    """``functools.partial(aai.RealtimeTranscriber, ...)``."""
    return (
        plan.context.model.qualified_name(call.func) == "functools.partial"
        and bool(call.args)
        and call.args[0].keyword is None
        and plan.v2_name(call.args[0].value) == "RealtimeTranscriber"
    )


def _callback_target(value):
    """The function a callback expression names, looking through ``partial(...)``."""
    if isinstance(value, cst.Call) and value.args:
        return value.args[0].value
    return value


def _in_type_checking(ancestors: list) -> bool:
    """Inside an ``if TYPE_CHECKING:`` at the top of the module: the blocks the finishing
    step edits (one nested in a ``try`` or a function is left as it is, and the v3 names
    string annotations use are then imported with the others)."""
    block = ancestors[1] if len(ancestors) > 1 else None
    return isinstance(block, cst.If) and dotted_name(block.test).endswith("TYPE_CHECKING")


def _imports_from(statement, module: str, exact: bool = False) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine):
        return False
    for small in statement.body:
        if isinstance(small, cst.ImportFrom) and small.module is not None:
            name = dotted_name(small.module)
            if name == module or (not exact and name.startswith(module + ".")):
                return True
        if isinstance(small, cst.Import) and not exact:
            if any(dotted_name(alias.name).split(".")[0] == module for alias in small.names):
                return True
    return False


def _import_statement(names: list, leading_lines) -> cst.SimpleStatementLine:
    line = f"from {V3_MODULE} import {', '.join(names)}"
    if len(line) > LONG_LINE:
        line = f"from {V3_MODULE} import (\n" + "".join(f"    {name},\n" for name in names) + ")"
    return parse_statement(line + "\n").with_changes(leading_lines=leading_lines)


def code(node) -> str:
    return cst.Module([]).code_for_node(node)


def indentation(context) -> int:
    """Columns of indentation at the statement being rewritten (4 per block, as scripts write)."""
    return 4 * sum(1 for node in context.ancestors if isinstance(node, cst.IndentedBlock))


def call_statement(prefix: str, arguments: list, indent: int) -> str:
    """``prefix(arguments)``: on one line when it fits, else the arguments on one indented line,
    else one per line."""
    inner = ", ".join(arguments)
    if indent + len(prefix) + len(inner) + 2 <= LINE_LENGTH:
        return f"{prefix}({inner})"
    if indent + 4 + len(inner) <= LONG_LINE:
        return f"{prefix}(\n    {inner}\n)"
    return f"{prefix}(\n" + "".join(f"    {argument},\n" for argument in arguments) + ")"


def wrapped_call(prefix: str, inner: str, arguments: list, indent: int) -> str:
    """``prefix(inner(arguments))`` on one line when it fits, else wrapped as black would."""
    flat = f"{inner}({', '.join(arguments)})"
    if indent + len(prefix) + len(flat) + 2 <= LINE_LENGTH:
        return f"{prefix}({flat})"
    if indent + 4 + len(flat) <= LONG_LINE:
        return f"{prefix}(\n    {flat}\n)"
    exploded = "".join(f"        {argument},\n" for argument in arguments)
    return f"{prefix}(\n    {inner}(\n{exploded}    )\n)"


#: Parents under which a Name is being defined, not used.
_DEFINING_PARENTS = frozenset({cst.FunctionDef, cst.ClassDef, cst.Param, cst.ImportAlias, cst.AsName})


#: ``assemblyai`` other than in a host name: an import of the SDK needs one.
_SDK_MENTION = re.compile(rb"assemblyai(?!\.com)")


class SdkRule(Rule):
    """Base of the SDK rules: they share one :class:`SdkPlan`, fed by the first of them."""

    #: Whether this rule's rewrites are v3 SDK code, which needs ``assemblyai>=MINIMUM_SDK``.
    writes_v3_sdk_code = True

    def applied(self) -> None:
        super().applied()
        if self.writes_v3_sdk_code:
            self.context.require("assemblyai", f">={MINIMUM_SDK}", MINIMUM_SDK_REASON, pin_unpinned=True)

    @classmethod
    def applies_to(cls, source: bytes) -> bool:
        # The plan is active only in a file that imports assemblyai.
        return _SDK_MENTION.search(source) is not None

    def __init__(self, context) -> None:
        super().__init__(context)
        self.sdk = SdkPlan.attach(self)
        # The owner feeds the shared plan straight from the walk; the others not at all.
        for name in _FED_HOOKS:
            setattr(self, name, getattr(self.sdk, name) if self.sdk.owner is self else None)

    def _feed(name):
        def hook(self, node):
            if self.sdk.owner is self:
                getattr(self.sdk, name)(node)

        hook.__name__ = name
        hook.feeds_analysis = True
        return hook

    collect_Import = _feed("collect_Import")
    collect_ImportFrom = _feed("collect_ImportFrom")
    collect_SimpleStatementLine = _feed("collect_SimpleStatementLine")
    collect_ClassDef = _feed("collect_ClassDef")
    collect_Name = _feed("collect_Name")
    collect_Attribute = _feed("collect_Attribute")
    collect_Assign = _feed("collect_Assign")
    collect_SimpleString = _feed("collect_SimpleString")
    collect_Call = _feed("collect_Call")
    del _feed

    def finish_analysis(self) -> None:
        self.sdk.finish()
        if self.sdk.active:
            self.plan()

    def plan(self) -> None:
        """Decide, from the shared plan, what this rule rewrites."""

    def rewrite_Module(self, original, updated):
        if self.sdk.owner is self:
            updated = self.sdk.fix_imports(updated)
        return self.finish_module(updated)

    def finish_module(self, module: cst.Module) -> cst.Module:
        return module


#: The hooks through which the owner feeds the shared plan (off for the other SDK rules).
_FED_HOOKS = tuple(name for name, value in vars(SdkRule).items() if getattr(value, "feeds_analysis", False))
