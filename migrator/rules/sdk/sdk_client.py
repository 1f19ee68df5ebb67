"""STT021: ``aai.RealtimeTranscriber(...)`` becomes a v3 ``StreamingClient``; ``connect()`` gets the settings.

v2 took everything in one keyword-only constructor. v3 splits it three ways
(``docs/protocol.md`` §7.4): credentials and host go to ``StreamingClientOptions``, each
callback is registered with ``client.on(StreamingEvents.X, handler)``, and the session
settings go to ``client.connect(StreamingParameters(...))`` where v2 called ``connect()``.
Keyword order does not matter. Every migrated session asks for ``format_turns=True`` (v2
finals were punctuated and cased) and ``speech_model="universal-streaming-english"`` (v2 was
English-only, and the v3 API has no default model).

The v3 client never reads ``aai.settings.api_key``, so it is passed explicitly. A key set
after the constructor call, before ``connect()``, in the same block, is honoured by creating
the client where ``connect()`` is; anywhere else it gets a note. ``encoding=aai.AudioEncoding.X``
becomes ``Encoding.X``. What v3 cannot express the same way gets a ``# migrate-stt(STT021)``
note: ``word_boost`` (now ``keyterms_prompt``), ``end_utterance_silence_threshold`` (now
``max_turn_silence``), ``disable_partial_transcripts``, ``on_close`` (no close event in v3;
it runs on Termination), and a new session started for every turn.
"""

from __future__ import annotations

import re

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.notes import ERROR
from migrator.rules.sdk.plan import (
    CALLBACK_EVENTS,
    SdkRule,
    call_statement,
    code,
    indentation,
    wrapped_call,
)
from migrator.syntax import parse_expression, parse_statements, with_arguments, with_names_replaced

#: The order ``client.on(...)`` registrations are written in: the order the events arrive.
REGISTRATION_ORDER = ("on_open", "on_data", "on_close", "on_extra_session_information", "on_error")
TURN_RESTART_NOTE = (
    "this starts a new session for every turn: each v3 session is billed while open, and disconnect() "
    "called from a handler cannot wait for the last turn; keep one StreamingClient open and act on end_of_turn"
)


class SdkClient(SdkRule):
    code = "STT021"
    name = "sdk-client"
    summary = "aai.RealtimeTranscriber(...) -> StreamingClient(StreamingClientOptions(...)) + client.on(...); connect(StreamingParameters(...))"
    markers = RULE_MARKERS[code]
    example_before = """
        import assemblyai as aai

        transcriber = aai.RealtimeTranscriber(on_data=on_data, on_error=on_error, sample_rate=16_000)
        transcriber.connect()
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.constructions: dict = {}  # id(statement) -> Construction
        self.connects: dict = {}  # id(connect call) -> (Construction, name of stashed parameters or None)
        self.stashed: dict = {}  # id(Construction) -> name its parameters are kept under
        self.moves: dict = {}  # id(connect statement) -> Construction created there instead
        self.moved: set = set()  # id(Construction) created at its connect() instead
        self.generated: dict = {}  # id(Construction) -> statements waiting for their connect()
        self.blank_lines_to: dict = {}  # id(statement after a moved construction) -> id(Construction)
        self.leading: dict = {}  # id(Construction) -> the lines above it, left where it was
        #: (Arg holding ``client.connect``, the call it is passed to, the class around it)
        self.handed_connects: list = []
        self.handed: dict = {}  # id(that call) -> (Construction, passed as a thread target)

    def collect_Arg(self, node: cst.Arg) -> None:
        """``pool.submit(t.connect)``, ``Thread(target=t.connect)``, ``run_in_executor(None,
        t.connect)``: connect() runs later, and must get the session settings too."""
        value = node.value
        if isinstance(value, cst.Attribute) and value.attr.value == "connect" and node.star == "":
            call = self.context.parent()
            if isinstance(call, cst.Call):
                self.handed_connects.append((node, call, self.context.current_class))

    def _plan_handed_connects(self) -> set:
        """ids of the constructions whose connect() is handed over (and so is planned)."""
        connected = set()
        for arg, call, owner_class in self.handed_connects:
            candidates = self.sdk.migrated_clients_of(arg.value.value)
            if len(candidates) != 1:
                continue
            construction = candidates[0]
            keyword = arg.keyword.value if arg.keyword is not None else None
            if keyword not in (None, "target") or (keyword == "target" and _keyword_of(call, "args") is not None):
                self.note(
                    arg, "connect() now takes StreamingParameters(...): pass them where it is called", severity=ERROR
                )
                continue
            settings = self._settings_at(construction, call, owner_class)
            if settings is None:
                continue  # the construction's note says what to pass
            self.handed[id(call)] = (construction, keyword == "target", settings)
            connected.add(id(construction))
        return connected

    def plan(self) -> None:
        sdk = self.sdk
        for construction in sdk.constructions:
            if construction.version != 2:
                continue
            if construction.problem is not None:
                self.note(
                    construction.call,
                    f"not migrated: {construction.problem}",
                    statement=construction.site.statement,
                    severity=ERROR,
                )
                continue
            self.constructions[id(construction.site.statement)] = construction
        connected = set()
        for method, _, site in sdk.method_calls:
            if method != "connect":
                continue
            candidates = sdk.migrated_clients_of(site.node.func.value)
            if not candidates:
                continue
            construction = self._construction_for(candidates, site)
            if construction is None:
                self.note(
                    site.node,
                    "cannot tell which transcriber this connects: pass StreamingParameters(...) to connect()",
                    severity=ERROR,
                )
                continue
            stash = None
            settings = self._settings_at(construction, site.node, site.owner_class)
            if settings is None and "." in construction.target:
                stash = self.stashed.setdefault(id(construction), f"{construction.target}_parameters")
            elif settings is None:
                # A local variable of the function that creates the client: the connect()
                # elsewhere could not read it. The construction's note says what to pass.
                continue
            connected.add(id(construction))
            if site.node.args:
                self.note(
                    site.node,
                    "v3 connect() takes the session settings; its handshake timeout is StreamingClientOptions(connect_timeout=...)",
                    statement=site.statement,
                )
            self.connects[id(site.node)] = (construction, stash, settings)
        connected |= self._plan_handed_connects()
        reachable = sdk.reachable_from_turns()
        for construction in self.constructions.values():
            statement = construction.site.statement
            if id(construction) not in connected and self._returned(construction):
                arguments = ", ".join(sdk.parameters_arguments(construction.kwargs))
                self.note(
                    construction.call,
                    f"the caller must pass StreamingParameters({arguments}) to connect(): v3 takes the session settings there",
                    statement=statement,
                    severity=ERROR,
                )
            elif id(construction) not in connected:
                self.stashed[id(construction)] = f"{construction.target}_parameters"
                self.note(
                    construction.call,
                    f"pass {construction.target}_parameters to {construction.target}.connect(): v3 takes the session settings there",
                    statement=statement,
                    severity=ERROR,
                )
            move = self._move_for(construction)
            if move is not None:
                self.moves[id(move.statement)] = construction
                self.moved.add(id(construction))
                body = list(construction.site.block.body)
                following = body[body.index(construction.site.statement) + 1]
                self.blank_lines_to[id(following)] = id(construction)
                statement = move.statement
            elif self._key_set_later(construction):
                self.note(
                    construction.call,
                    "the v3 client takes the API key when it is created: set aai.settings.api_key before this",
                    statement=statement,
                )
            for message in sdk.setting_notes(construction.kwargs):
                self.note(construction.call, message, statement=statement)
            if construction.site.function is not None and id(construction.site.function) in reachable:
                self.note(construction.call, TURN_RESTART_NOTE, statement=statement)

    def _settings_at(self, construction, place: cst.Call, owner_class=None):
        """The constructor's keyword arguments as code that reads the same where ``place``
        (a ``connect()`` call, or the call it is handed to) is, else None.

        As written when they read nothing local to the function that makes the client (or
        only ``self`` of a method of the class ``place`` is in). For a client a factory
        returns, the factory's parameters are replaced by what its one call passes (a
        default where it passes nothing), through factories that return another's result,
        until the call is in ``place``'s function; each argument must still mean the same
        there. A ``functools.partial`` of the constructor counts as made where its one call is,
        when that call is in the partial's own function."""
        sdk, model = self.sdk, self.context.model
        kwargs = construction.kwargs
        function = construction.site.function
        target = model.solver.scope_of(place).enclosing_function()
        returned = self._returned(construction)
        if construction.factory and len(construction.factory_calls) == 1:
            # the client comes from the partial's one call: as if made there
            call = construction.factory_calls[0]
            maker = model.solver.scope_of(call).enclosing_function()
            returned = maker is not None and maker.node is function and model.is_returned(call)
        for level in range(_FACTORY_DEPTH):
            if function is None or (target is not None and function is target.node):
                return kwargs
            local = set(model.function_info(function).scope.names)
            if (
                level == 0
                and construction.site.owner_class is not None
                and construction.site.owner_class is owner_class
            ):
                local -= {"self", "cls"}  # the same instance in both methods
            read = sdk.parameter_names(kwargs) & local
            if not read:
                return kwargs
            calls = model.calls_of(function) if returned else []
            bound = model.arguments_bound(calls[0], function) if len(calls) == 1 else None
            if bound is None or not read <= set(bound):
                return None
            values = {name: bound[name] for name in read}
            kwargs = {
                keyword: arg.with_changes(value=with_names_replaced(arg.value, values))
                for keyword, arg in kwargs.items()
            }
            caller = model.solver.scope_of(calls[0]).enclosing_function()
            if caller is target:
                return kwargs if all(model.means_the_same_at(value, place) for value in values.values()) else None
            if caller is None or not model.is_returned(calls[0]):
                return None
            function, returned = caller.node, True
        return None

    def _returned(self, construction) -> bool:
        """The function making the client returns it (``return RealtimeTranscriber(...)``, or
        a variable holding it): a factory, whose caller connects the client."""
        function = construction.site.function
        return function is not None and self.context.model.returns_sdk_client_made_at(function, construction.call)

    @staticmethod
    def _construction_for(candidates: list, site):
        same = [c for c in candidates if c.site.function is site.function and c.site.order < site.order]
        if same:
            return same[-1]
        return candidates[0] if len(candidates) == 1 else None

    def _key_set_later(self, construction) -> bool:
        settings = self.sdk.settings_assignments
        return bool(settings) and all(s.order > construction.site.order for s in settings)

    def _move_for(self, construction):
        """The connect() the client is created at, when the API key is set between the two."""
        block = construction.site.block
        if not self._key_set_later(construction) or not isinstance(block, (cst.Module, cst.IndentedBlock)):
            return None
        later_keys = [s.order for s in self.sdk.settings_assignments if s.block is block]
        for call, (owner, _, _) in self.connects.items():
            if owner is not construction:
                continue
            site = next(s for m, _, s in self.sdk.method_calls if id(s.node) == call)
            if site.block is not block or not any(construction.site.order < key < site.order for key in later_keys):
                continue
            statement = site.statement
            if not (
                len(statement.body) == 1
                and isinstance(statement.body[0], cst.Expr)
                and statement.body[0].value is site.node
            ):
                continue
            body = list(block.body)
            start, end = body.index(construction.site.statement), body.index(statement)
            pattern = re.compile(rf"(?<![\w.]){re.escape(construction.target)}\b")
            between = [
                s for s in body[start + 1 : end] if not any(s is k.statement for k in self.sdk.settings_assignments)
            ]
            if any(pattern.search(code(s)) for s in between):
                continue
            return site
        return None

    def nodes_to_rewrite(self):
        return {*self.connects, *self.constructions, *self.moves, *self.blank_lines_to, *self.handed}

    # --- rewrite --------------------------------------------------------------------------
    def rewrite_Call(self, original: cst.Call, updated):
        handed = self.handed.get(id(original))
        if handed is not None:
            return self._pass_parameters(handed, updated)
        planned = self.connects.get(id(original))
        if planned is None:
            return updated
        construction, stash, settings = planned
        self.applied()
        receiver = code(updated.func.value)
        if stash is not None:
            return parse_expression(f"{receiver}.connect({stash})")
        arguments = self.sdk.parameters_arguments(settings)
        return parse_expression(
            wrapped_call(f"{receiver}.connect", "StreamingParameters", arguments, indentation(self.context))
        )

    def _pass_parameters(self, handed, updated: cst.Call) -> cst.Call:
        """The settings go with the connect() that runs later: one more argument for the
        executor, or ``args=(...)`` for a thread."""
        construction, thread_target, settings = handed
        self.applied()
        parameters = parse_expression(f"StreamingParameters({', '.join(self.sdk.parameters_arguments(settings))})")
        if thread_target:
            value = cst.Tuple([cst.Element(parameters, comma=cst.Comma())])
            extra = cst.Arg(value, keyword=cst.Name("args"), equal=_EQUAL)
        else:
            extra = cst.Arg(parameters)
        return with_arguments(updated, extra)

    def rewrite_SimpleStatementLine(self, original, updated):
        construction = self.constructions.get(id(original))
        if construction is not None:
            self.applied()
            statements = self._client_statements(construction, updated)
            if id(construction) in self.moved:
                self.generated[id(construction)] = statements
                self.leading[id(construction)] = updated.leading_lines
                return cst.RemoveFromParent()
            first = statements[0].with_changes(leading_lines=updated.leading_lines)
            return cst.FlattenSentinel([first, *statements[1:]])
        moved_from = self.blank_lines_to.get(id(original))
        if moved_from is not None and moved_from in self.leading:
            updated = updated.with_changes(leading_lines=[*self.leading.pop(moved_from), *updated.leading_lines])
        construction = self.moves.get(id(original))
        if construction is not None and id(construction) in self.generated:
            statements = self.generated.pop(id(construction))
            first = statements[0].with_changes(leading_lines=updated.leading_lines)
            return cst.FlattenSentinel([first, *statements[1:], updated.with_changes(leading_lines=())])
        return updated

    def _client_statements(self, construction, updated) -> list:
        sdk = self.sdk
        small = updated.body[0]
        call = small.value
        kwargs = {arg.keyword.value: arg for arg in call.args if arg.keyword is not None}
        if isinstance(small, cst.AnnAssign):
            target = code(small.target)
            prefix = f"{target}: {code(small.annotation.annotation)} = StreamingClient"
        elif isinstance(small, cst.Return):
            target = construction.target
            prefix = f"{target} = StreamingClient"
        elif construction.factory:
            # ``make = functools.partial(RealtimeTranscriber, ...)`` becomes ``def make():``
            target = self.context.model.unused_name("client")
            prefix = f"{target} = StreamingClient"
        else:
            target = code(small.targets[0].target)
            prefix = f"{target} = StreamingClient"
        indent = indentation(self.context)
        sdk.emit("StreamingClient")
        credentials = dict(construction.kwargs)
        signature = []
        for name in construction.factory_parameters:  # callbacks every caller passes, and ``token``
            if name in CALLBACK_EVENTS:
                signature.append(name)
                continue
            given = construction.kwargs.get(name)
            signature.append(f"{name}={code(given.value) if given is not None else 'None'}")
            credentials[name] = cst.Arg(cst.Name(name), keyword=cst.Name(name))
        lines = [wrapped_call(prefix, "StreamingClientOptions", sdk.options_arguments(credentials), indent)]
        for keyword in REGISTRATION_ORDER:
            if keyword in kwargs:
                sdk.emit("StreamingEvents")
                lines.append(f"{target}.on(StreamingEvents.{CALLBACK_EVENTS[keyword]}, {code(kwargs[keyword].value)})")
            elif keyword in construction.factory_parameters:
                sdk.emit("StreamingEvents")
                lines.append(f"{target}.on(StreamingEvents.{CALLBACK_EVENTS[keyword]}, {keyword})")
        stash = self.stashed.get(id(construction))
        if stash is not None:
            lines.append(
                call_statement(f"{stash} = StreamingParameters", sdk.parameters_arguments(construction.kwargs), indent)
            )
        if isinstance(small, cst.Return) or construction.factory:
            lines.append(f"return {target}")
        if construction.factory:
            self.context.drop_import_if_unused("functools")
            body = "\n".join("    " + line if line else line for line in "\n".join(lines).split("\n"))
            return parse_statements(f"def {construction.target}({', '.join(signature)}):\n{body}\n")
        return parse_statements("\n".join(lines) + "\n")


#: How many factories deep (a factory returning another's result) settings are followed.
_FACTORY_DEPTH = 4
_EQUAL = cst.AssignEqual(cst.SimpleWhitespace(""), cst.SimpleWhitespace(""))


def _keyword_of(call: cst.Call, name: str):
    return next((arg for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)
