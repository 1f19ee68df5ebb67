"""STT003: v2 message types and fields become their v3 names, finals fire once per turn.

v3 renames the envelope (``message_type`` -> ``type``, ``SessionBegins`` -> ``Begin``,
``SessionTerminated`` -> ``Termination``, ``session_id`` -> ``id``, ``text`` ->
``transcript``) and has no final/partial message types: both are ``Turn`` messages, and a
turn is final when ``end_of_turn`` is true. With ``format_turns`` on (STT001 turns it on),
the service may send the end of a turn twice, unformatted then formatted, so a final is
``end_of_turn and turn_is_formatted``: it fires once per turn in both documented modes.
Reading ``text`` from every message becomes ``.get("transcript", "")`` so that ``Begin``
and ``Termination`` (which carry no transcript) no longer raise KeyError. A dispatch on the
message type gains a ``Termination`` branch that prints the session statistics, and the
``json.loads`` of the message is guarded against malformed JSON, as the migration guide
does. Only variables bound to ``json.loads(...)`` in files that talk to AssemblyAI are
touched.
"""

from __future__ import annotations

from typing import Optional

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.notes import ERROR
from migrator.protocol import MESSAGE_FIELDS, MESSAGE_TYPES
from migrator.rules.base import Rule
from migrator.syntax import (
    container_of,
    innermost_exit,
    key_of,
    parse_expression,
    parse_statement,
    sole_expression,
    string_literal,
    string_quote,
    string_value,
)

_TRANSCRIPT_TYPES = ("PartialTranscript", "FinalTranscript")
TYPE_TEXT_NOTE = (
    "this tests the text of a v2 message type: v3 sends Begin, Turn and Termination (partials and finals are "
    "both Turn, told apart by end_of_turn): compare the type with those names"
)
#: String methods that test or take apart a type's text.
_STR_METHODS = frozenset(
    {
        "startswith",
        "endswith",
        "find",
        "rfind",
        "index",
        "rindex",
        "count",
        "split",
        "partition",
        "replace",
        "lower",
        "upper",
        "casefold",
    }
)
BUILT_NAME_NOTE = (
    "the message type builds a name here: v3 sends Begin, Turn and Termination (partials and finals are both "
    "Turn, told apart by end_of_turn), so rename what it selects (SessionBegins, PartialTranscript, "
    "FinalTranscript, SessionTerminated) by hand"
)


class MessageFields(Rule):
    code = "STT003"
    name = "message-fields"
    summary = "message_type/SessionBegins/PartialTranscript/FinalTranscript/text -> type/Begin/Turn/transcript"
    markers = RULE_MARKERS[code]
    example_before = """
        import json

        URL = "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000&format_turns=true"


        def on_message(ws, message):
            transcript = json.loads(message)
            if transcript["message_type"] == "FinalTranscript":
                print(transcript["text"])
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        #: id(statement) -> (node, statement, note) where the type's text is built on or tested
        self.type_text_uses: dict = {}
        self.reads_v2_type = False  # ``["message_type"]`` read from a server message
        self.replacements: dict = {}  # id(original) -> new node
        self.dispatch_heads: dict = {}  # id(head If) -> (type expression, message expression)
        #: (scope key, message name) -> the ``if`` chains of that scope dispatching on that message
        self.chains_by_message: dict = {}
        self.touched_scopes: set = set()
        self.loads_statements: dict = {}  # id(statement) -> (scope id, "return"/"continue")
        self.consumers: dict = {}  # id(statement) -> message expression it reads text from
        self.pending_notes: list = []
        self.tables: dict = {}  # id(Dict keyed by v2 types) -> (Dict, [])
        self.table_lookups: list = []  # (table Dict, key expression, message name or None, scope key)
        self.match_cases: dict = {}  # id(MatchCase) -> (new pattern from old, guard code or None)
        self.match_terminations: dict = {}  # id(Match) -> (pattern code, message name)
        self.matches: list = []  # (Match, scope key) to plan once the analysis is done

    # --- what the model says ---------------------------------------------------------------
    @property
    def model(self):
        return self.context.model

    def _message_behind_type(self, node):
        """For an expression holding a message's type, an expression holding the message."""
        if key_of(node) == "message_type":
            message = self.model.message_read(node)
            if isinstance(message, cst.NamedExpr):
                return message.target  # ``(m := json.loads(r))["message_type"]``: read m, never decode again
            return message
        if self.model.is_message_type(node):
            return self.model.message_holding_type(node)
        return None

    def _scope_key(self) -> int:
        function = self.context.current_function
        return id(function) if function is not None else 0

    # --- analysis -------------------------------------------------------------------------
    def collect_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            if self.model.decodes_message(node.value):
                self._remember_loads(node)

    def collect_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and self.model.decodes_message(node.value):
            self._remember_loads(node)

    def _remember_loads(self, node: cst.Assign) -> None:
        for ancestor in reversed(self.context.ancestors[:-1]):
            if isinstance(ancestor, cst.Try):
                return  # the user already handles errors around it
            if isinstance(ancestor, (cst.For, cst.While, cst.FunctionDef)):
                break
        exit_statement = {"loop": "continue", "function": "return"}.get(innermost_exit(self.context.ancestors))
        if exit_statement is None:
            return
        statement = self.context.statement_stack[-1]
        self.loads_statements[id(statement)] = (self._scope_key(), exit_statement)

    def collect_Subscript(self, node: cst.Subscript) -> None:
        self._table_lookup(node)
        key = key_of(node)
        if key is None or self.model.message_read(node) is None:
            return
        parent = self.context.parent()
        if isinstance(parent, (cst.AssignTarget, cst.Del)) or (
            isinstance(parent, cst.AugAssign) and parent.target is node
        ):
            return
        if key == "message_type":
            self.reads_v2_type = True
            self._replace(node, node.with_changes(slice=[_index_with(node.slice[0], "type")]))
        elif key == "session_id":
            self._replace(node, node.with_changes(slice=[_index_with(node.slice[0], "id")]))
        elif key == "text":
            quote = _quote_of_key(node)
            self._replace(
                node,
                cst.Call(
                    cst.Attribute(node.value, cst.Name("get")),
                    args=[cst.Arg(string_literal("transcript", quote)), cst.Arg(string_literal("", quote))],
                ),
            )
            self._guard_consumer(node.value)

    def collect_Call(self, node: cst.Call) -> None:
        self._table_lookup(node)
        self._type_text_test(node)
        key = key_of(node)
        if key not in ("message_type", "session_id", "text") or self.model.message_read(node) is None:
            return
        new_key = {"message_type": "type", "session_id": "id", "text": "transcript"}[key]
        self.reads_v2_type |= key == "message_type"
        if key == "text":
            self._guard_consumer(container_of(node))
        first = node.args[0]
        quote = string_quote(first.value)
        self._replace(
            node, node.with_changes(args=[first.with_changes(value=string_literal(new_key, quote)), *node.args[1:]])
        )

    # --- the type's text built on or tested --------------------------------------------------
    def collect_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, (cst.Add, cst.Modulo)) and (
            self.model.is_message_type(node.left) or self.model.is_message_type(node.right)
        ):
            self._note_type_text(node, BUILT_NAME_NOTE)

    def collect_FormattedStringExpression(self, node: cst.FormattedStringExpression) -> None:
        if self.model.is_message_type(node.expression):
            self._note_type_text(node, BUILT_NAME_NOTE)

    def _note_type_text(self, node, note: str) -> None:
        """A name built from the type (``getattr(self, "on_" + data["message_type"])``) or a
        test of its text: v2's type names live on in what it selects or matches, which no rule
        can rename safely. Noted once the walk has shown the file reads v2's ``message_type``."""
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        if statement is not None and id(statement) not in self.type_text_uses:
            self.type_text_uses[id(statement)] = (node, statement, note)

    def _type_text_test(self, node: cst.Call) -> None:
        """``data["message_type"].endswith("Transcript")``: a test of the type's text, which
        v3's names (Begin, Turn, Termination) answer differently."""
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in _STR_METHODS
            and self.model.is_message_type(func.value)
        ):
            self._note_type_text(node, TYPE_TEXT_NOTE)

    # --- dispatch tables keyed by message type ----------------------------------------------
    def collect_Dict(self, node: cst.Dict) -> None:
        keys = [string_value(e.key) for e in node.elements if isinstance(e, cst.DictElement)]
        if any(key in MESSAGE_TYPES for key in keys):
            self.tables.setdefault(id(node), (node, []))

    def _table_lookup(self, node) -> None:
        """``T[k]``/``T.get(k, ...)`` where ``T`` is a table keyed by v2 types and ``k`` a
        message's type: the lookup is planned once the walk has seen every table."""
        if isinstance(node, cst.Subscript) and len(node.slice) == 1 and isinstance(node.slice[0].slice, cst.Index):
            table, key = node.value, node.slice[0].slice.value
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value == "get"
            and node.args
            and node.args[0].keyword is None
        ):
            table, key = node.func.value, node.args[0].value
        else:
            return
        if string_value(key) is not None or not self.model.is_message_type(key):
            return
        for literal in self.model.dict_literals(table):
            self.table_lookups.append((literal, key, self._message_behind_type(key), self._scope_key()))

    def _plan_tables(self) -> None:
        """A table keyed by v2 types gets v3 keys, and each lookup a key v3 messages map to:
        ``Begin``/``Termination`` as they are, a turn's end ``Turn`` (once: its formatted copy
        when format_turns is on), a partial turn ``PartialTurn``."""
        lookups: dict = {}
        for literal, key, message, scope in self.table_lookups:
            lookups.setdefault(id(literal), []).append((key, message, scope))
        for table_id, (literal, _) in self.tables.items():
            found = lookups.get(table_id)
            if not found or any(message is None or not isinstance(message, cst.Name) for _, message, _ in found):
                self.pending_notes.append(
                    (
                        literal,
                        "keyed by v2 message types: v3 sends Begin, Turn (end_of_turn marks a final) and Termination",
                    )
                )
                continue
            self.replacements[id(literal)] = _v3_table(literal)
            for key, message, scope in found:
                # the key is a call argument or a subscript index: no brackets needed
                self.replacements[id(key)] = parse_expression(self._table_key(message.value, key))
                self.touched_scopes.add(scope)

    def _table_key(self, name: str, key) -> str:
        """The table key for message ``name``; ``key`` is the lookup's own key, reused when it
        is a variable holding the type (so that variable stays in use)."""
        kind = key.value if isinstance(key, cst.Name) else f'{name}["type"]'
        turn = '"Turn"' if not self.facts.format_turns else f'"Turn" if {name}.get("turn_is_formatted") else None'
        return f'{kind} if {kind} != "Turn" else "PartialTurn" if not {name}.get("end_of_turn") else {turn}'

    def finish_analysis(self) -> None:
        for node, scope in self.matches:
            self._plan_match(node, scope)
        self._one_termination_branch_per_message()
        if self.tables:
            self._plan_tables()
        if self.reads_v2_type:
            for node, statement, note in self.type_text_uses.values():
                self.note(node, note, statement=statement, severity=ERROR)

    def collect_Comparison(self, node: cst.Comparison) -> None:
        if len(node.comparisons) != 1:
            return
        target = node.comparisons[0]
        left, right, operator = node.left, target.comparator, target.operator
        if isinstance(operator, (cst.In, cst.NotIn)):
            if self.model.is_message_type(right) and string_value(left) is not None:
                self._note_type_text(node, TYPE_TEXT_NOTE)  # ``"Transcript" in data["message_type"]``
                return
            self._membership(node, left, right)
            return
        if not isinstance(operator, (cst.Equal, cst.NotEqual)):
            return
        literal, other, literal_first = (
            (left, right, True) if string_value(left) in MESSAGE_TYPES else (right, left, False)
        )
        v2_type = string_value(literal)
        if v2_type not in MESSAGE_TYPES:
            return
        message = self._message_behind_type(other)
        if message is None:
            self.pending_notes.append(
                (
                    literal,
                    f"'{v2_type}' is a v2 message type: v3 sends {MESSAGE_TYPES[v2_type]}"
                    + (" with end_of_turn" if v2_type in _TRANSCRIPT_TYPES else ""),
                )
            )
            return
        quote = string_quote(literal)
        self._note_head(other, message)
        final = v2_type == "FinalTranscript"
        parent = self.context.parent()
        is_test = (isinstance(parent, (cst.If, cst.While)) and parent.test is node) or (
            isinstance(parent, cst.BooleanOperation) and isinstance(parent.operator, cst.And)
        )

        def plan(updated: cst.Comparison):
            target = updated.comparisons[0]
            new_literal = string_literal(MESSAGE_TYPES[v2_type], quote)
            renamed = updated.with_changes(
                left=new_literal if literal_first else updated.left,
                comparisons=[target.with_changes(comparator=target.comparator if literal_first else new_literal)],
            )
            if v2_type not in _TRANSCRIPT_TYPES:
                return renamed
            if isinstance(operator, cst.NotEqual):
                # ``x != "Turn" and ...`` would be wrong: negate the whole test instead.
                renamed = renamed.with_changes(comparisons=[renamed.comparisons[0].with_changes(operator=cst.Equal())])
            combined = _and([renamed, *self._turn_conditions(message, final, quote)])
            if isinstance(operator, cst.NotEqual):
                return cst.UnaryOperation(cst.Not(), _parenthesized(combined))
            return combined if is_test else _parenthesized(combined)

        self._replace(node, plan)

    def _turn_conditions(self, message, final: bool, quote: str, statement=None) -> list:
        def read(field: str) -> cst.Call:
            return cst.Call(cst.Attribute(message, cst.Name("get")), args=[cst.Arg(string_literal(field, quote))])

        if not final:
            return [cst.UnaryOperation(cst.Not(), read("end_of_turn"))]
        if self.facts.format_turns is None:
            self.note(
                message,
                "a final is end_of_turn; if this connection sets format_turns, also require turn_is_formatted or each turn arrives twice",
                statement=statement,
            )
        if self.facts.format_turns:
            return [read("end_of_turn"), read("turn_is_formatted")]
        return [read("end_of_turn")]

    def _membership(self, node: cst.Comparison, left, right) -> None:
        if string_value(left) == "message_type" and self.model.is_message(right):
            self._replace(node, node.with_changes(left=string_literal("type", string_quote(left))))
            return
        if string_value(left) == "text" and isinstance(right, cst.Name) and self.model.is_message(right):
            # v2 messages had "text" exactly when they were transcripts.
            quote = string_quote(left)
            self._replace(
                node, lambda updated: _parenthesized(parse_expression(self._update_condition(right.value, quote)))
            )
            return
        if not isinstance(right, (cst.Tuple, cst.List, cst.Set)):
            return
        names = [string_value(element.value) for element in right.elements]
        if not any(name in MESSAGE_TYPES for name in names):
            return
        if self._message_behind_type(left) is None or (
            any(name in _TRANSCRIPT_TYPES for name in names) and not all(name in names for name in _TRANSCRIPT_TYPES)
        ):
            self.pending_notes.append(
                (node, "v2 message types: v3 sends Begin, Turn (end_of_turn marks a final) and Termination")
            )
            return
        message = self._message_behind_type(left)
        if (
            set(names) == set(_TRANSCRIPT_TYPES)
            and isinstance(message, cst.Name)
            and isinstance(node.comparisons[0].operator, cst.In)
        ):
            # "any transcript": every partial and each turn's end once, as v2 sent them.
            self._note_head(left, message)
            read = self.model.message_read(left) if key_of(left) == "message_type" else None
            walrus = cst.Module([]).code_for_node(read) if isinstance(read, cst.NamedExpr) else None
            condition = parse_expression(
                self._update_condition(message.value, string_quote(right.elements[0].value), first=walrus)
            )
            parent = self.context.parent()
            if not (isinstance(parent, (cst.If, cst.While)) and parent.test is node):
                condition = _parenthesized(condition)
            self._replace(node, lambda updated: condition)
            return

        def plan(updated: cst.Comparison):
            comparator = updated.comparisons[0].comparator
            seen, elements = set(), []
            for element, name in zip(comparator.elements, names):
                new_name = MESSAGE_TYPES.get(name, name)
                if new_name in seen:
                    continue
                seen.add(new_name)
                value = (
                    string_literal(new_name, string_quote(element.value)) if name in MESSAGE_TYPES else element.value
                )
                elements.append(element.with_changes(value=value))
            if isinstance(comparator, cst.Tuple) and len(elements) == 1:
                elements = [elements[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace("")))]
            else:
                elements[-1] = elements[-1].with_changes(comma=comparator.elements[-1].comma)
            return updated.with_changes(
                comparisons=[updated.comparisons[0].with_changes(comparator=comparator.with_changes(elements=elements))]
            )

        self._replace(node, plan)
        self._note_head(left, self._message_behind_type(left))

    # --- match statements --------------------------------------------------------------------
    def collect_Match(self, node) -> None:
        # Planned once the analysis is done: whether format_turns is on may be told by a URL
        # further down the file.
        self.matches.append((node, self._scope_key()))

    def _plan_match(self, node, scope: int) -> None:
        subject = node.subject
        if self.model.is_message(subject):
            message = subject if isinstance(subject, cst.Name) else None
            for case in node.cases:
                if isinstance(case.pattern, cst.MatchMapping):
                    plan = self._mapping_case(case.pattern, message.value if message is not None else None)
                    if plan is not None:
                        self.match_cases[id(case)] = plan
            if message is not None and self.match_cases:
                self.match_terminations[id(node)] = '{"type": "Termination"}', message.value
            return
        message = self._message_behind_type(subject)
        if message is None and not self.model.is_message_type(subject):
            return
        renamed = False
        for case in node.cases:
            value = case.pattern.value if isinstance(case.pattern, cst.MatchValue) else None
            v2_type = string_value(value) if value is not None else None
            if v2_type not in MESSAGE_TYPES:
                continue
            renamed = True
            guard = None
            if v2_type in _TRANSCRIPT_TYPES:
                if not isinstance(message, cst.Name):
                    self.note(
                        case.pattern,
                        f"'{v2_type}' is a v2 message type: v3 sends Turn; tell finals by end_of_turn",
                        statement=node,
                        severity=ERROR,
                    )
                else:
                    conditions = self._turn_conditions(
                        message, v2_type == "FinalTranscript", string_quote(value), statement=node
                    )
                    guard = cst.Module([]).code_for_node(_and(conditions))
            new_value = string_literal(MESSAGE_TYPES[v2_type], string_quote(value))
            self.match_cases[id(case)] = (
                lambda pattern, new_value=new_value: pattern.with_changes(value=new_value),
                guard,
            )
        if renamed and isinstance(message, cst.Name):
            self.match_terminations[id(node)] = '"Termination"', message.value
        if renamed:
            self.touched_scopes.add(scope)

    def _mapping_case(self, pattern, subject=None):
        """The v3 form of a mapping pattern over a message: keys renamed, a transcript type
        becoming ``Turn`` with the ``end_of_turn`` (and ``turn_is_formatted``) it needs."""
        changed = False
        any_transcript = False
        elements = []
        for element in pattern.elements:
            key = string_value(element.key)
            quote = string_quote(element.key)
            if key == "message_type" and isinstance(element.pattern, cst.MatchOr):
                names = [string_value(getattr(e.pattern, "value", None)) for e in element.pattern.patterns]
                if names and all(name in MESSAGE_TYPES for name in names):
                    changed = True
                    v3_names = list(dict.fromkeys(MESSAGE_TYPES[name] for name in names))
                    quoted = [cst.MatchValue(string_literal(name, quote)) for name in v3_names]
                    pattern_value = (
                        quoted[0] if len(quoted) == 1 else cst.MatchOr([cst.MatchOrElement(p) for p in quoted])
                    )
                    elements.append(element.with_changes(key=string_literal("type", quote), pattern=pattern_value))
                    if set(names) == set(_TRANSCRIPT_TYPES):
                        any_transcript = True  # every partial, each turn's end once: a guard says it
                    continue
            if key == "message_type" and isinstance(element.pattern, cst.MatchValue):
                v2_type = string_value(element.pattern.value)
                if v2_type in MESSAGE_TYPES:
                    changed = True
                    turn = string_literal(MESSAGE_TYPES[v2_type], quote)
                    elements.append(
                        element.with_changes(key=string_literal("type", quote), pattern=cst.MatchValue(turn))
                    )
                    if v2_type in _TRANSCRIPT_TYPES:
                        final = v2_type == "FinalTranscript"
                        extra = [("end_of_turn", final)]
                        if final and self.facts.format_turns:
                            extra.append(("turn_is_formatted", True))
                        for extra_key, flag in extra:
                            elements.append(
                                cst.MatchMappingElement(
                                    string_literal(extra_key, quote), cst.MatchSingleton(cst.Name(str(flag)))
                                )
                            )
                    continue
            if key in MESSAGE_FIELDS and key != "message_type":
                changed = True
                elements.append(element.with_changes(key=string_literal(MESSAGE_FIELDS[key], quote)))
                continue
            elements.append(element)
        if not changed:
            return None
        for index, element in enumerate(elements[:-1]):
            if element.comma is cst.MaybeSentinel.DEFAULT:
                elements[index] = element.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        if elements and pattern.elements:
            elements[-1] = elements[-1].with_changes(comma=pattern.elements[-1].comma)
        guard = None
        if any_transcript and subject is not None and self.facts.format_turns:
            guard = f'not {subject}.get("end_of_turn") or {subject}.get("turn_is_formatted")'
        return (lambda _: pattern.with_changes(elements=elements), guard)

    def rewrite_MatchCase(self, original, updated):
        plan = self.match_cases.get(id(original))
        if plan is None or not self._active():
            return updated
        new_pattern, guard = plan
        self.applied()
        updated = updated.with_changes(pattern=new_pattern(updated.pattern))
        if guard is not None:
            if updated.guard is not None:
                existing = cst.Module([]).code_for_node(updated.guard)
                loose = isinstance(updated.guard, (cst.IfExp, cst.NamedExpr, cst.Lambda)) or (
                    isinstance(updated.guard, cst.BooleanOperation) and isinstance(updated.guard.operator, cst.Or)
                )
                guard = f"({existing}) and {guard}" if loose else f"{existing} and {guard}"
            updated = updated.with_changes(
                guard=parse_expression(guard),
                whitespace_before_if=cst.SimpleWhitespace(" "),
                whitespace_after_if=cst.SimpleWhitespace(" "),
            )
        return updated

    def rewrite_Match(self, original, updated):
        plan = self.match_terminations.get(id(original))
        if plan is None or not self._active() or "Termination" in cst.Module([]).code_for_node(updated):
            return updated
        pattern, name = plan
        case = cst.ensure_type(
            parse_statement(f"match {name}:\n    case {pattern}:\n        {_termination_print(name)}\n"),
            cst.Match,
        ).cases[0]
        cases = list(updated.cases)
        position = len(cases)
        for index, existing in enumerate(cases):
            if isinstance(existing.pattern, cst.MatchAs) and existing.pattern.pattern is None:
                position = index  # before ``case _`` / ``case other``, which would take it
                break
        cases.insert(position, case)
        self.applied()
        return updated.with_changes(cases=cases)

    def _guard_consumer(self, message) -> None:
        """A statement that does something with every message's text (the tutorial's
        ``print(json.loads(r)["text"])``) runs only for transcript updates in v3."""
        statement = self.context.statement_stack[-1] if self.context.statement_stack else None
        if sole_expression(statement) is None:
            return
        name = message.value if isinstance(message, cst.Name) else None
        for ancestor in reversed(self.context.ancestors[:-1]):
            if isinstance(ancestor, (cst.FunctionDef, cst.Module)):
                break
            if isinstance(ancestor, cst.MatchCase):
                return  # a case of a match on the message or its type
            if isinstance(ancestor, (cst.If, cst.While)):
                test = cst.Module([]).code_for_node(ancestor.test)
                if any(word in test for word in ("type", "end_of_turn", "text", "Transcript")) or (
                    name and name in test
                ):
                    return  # already dispatched on the message
        self.consumers[id(statement)] = message

    def _one_termination_branch_per_message(self) -> None:
        """A function that dispatches on one message in several ``if`` chains (``if final:
        return ...`` then ``if partial: return ...``) reports Termination once, in its first
        chain; in none when one of them already looks for it."""
        for chains in self.chains_by_message.values():
            ended = any(
                _chain_mentions(chain, word) for chain in chains for word in ("Termination", "SessionTerminated")
            )
            for chain in chains if ended else chains[1:]:
                del self.dispatch_heads[id(chain)]

    def _update_condition(self, name: str, quote: str = '"', first: Optional[str] = None) -> str:
        """A v3 message that v2 would have sent as a transcript: every partial, and the
        end of each turn once (its formatted copy when format_turns is on). ``first`` reads
        the message the first time (a walrus that binds ``name`` must stay where it was)."""
        q = quote
        is_turn = f"{first or name}.get({q}type{q}) == {q}Turn{q}"
        if self.facts.format_turns:
            return f"{is_turn} and (not {name}.get({q}end_of_turn{q}) or {name}.get({q}turn_is_formatted{q}))"
        return is_turn

    def _note_head(self, type_expression, message) -> None:
        """Remember the ``if`` chain that dispatches on the type, for the Termination branch."""
        head = self.context.statement_stack[-1] if self.context.statement_stack else None
        if not isinstance(head, cst.If):
            return  # the comparison is not an ``if``/``elif`` test
        # Walk up through elif links to the first ``if`` of the chain.
        chain_head = head
        ancestors = self.context.ancestors
        index = ancestors.index(head)
        while (
            index > 0 and isinstance(ancestors[index - 1], cst.If) and ancestors[index - 1].orelse is ancestors[index]
        ):
            index -= 1
            chain_head = ancestors[index]
        if id(chain_head) not in self.dispatch_heads:
            self.dispatch_heads[id(chain_head)] = (type_expression, message)
            key = (self._scope_key(), message.value if isinstance(message, cst.Name) else None)
            self.chains_by_message.setdefault(key, []).append(chain_head)

    def _replace(self, original, new) -> None:
        self.replacements[id(original)] = new
        self.touched_scopes.add(self._scope_key())

    def nodes_to_rewrite(self):
        return {
            *self.replacements,
            *self.dispatch_heads,
            *self.consumers,
            *self.loads_statements,
            *self.match_cases,
            *self.match_terminations,
        }

    # --- rewrite --------------------------------------------------------------------------
    def _active(self) -> bool:
        return self.facts.is_streaming_client

    def _rewrite(self, original, updated):
        if not self._active():
            return updated
        replacement = self.replacements.get(id(original))
        if replacement is None:
            return updated
        self.applied()
        if callable(replacement):
            return replacement(updated)
        return _carry_parentheses(original, replacement)

    rewrite_Subscript = _rewrite
    rewrite_Call = _rewrite
    rewrite_Dict = _rewrite
    rewrite_Name = _rewrite
    rewrite_Comparison = _rewrite

    def rewrite_If(self, original: cst.If, updated: cst.If):
        head = self.dispatch_heads.get(id(original))
        if head is None or not self._active():
            return updated
        type_expression, message = head
        if not isinstance(message, cst.Name):
            return updated
        renamed = self.replacements.get(id(type_expression), type_expression)
        type_code = cst.Module([]).code_for_node(renamed)
        name = message.value
        if isinstance(container_of(type_expression), cst.NamedExpr):
            type_code = f'{name}["type"]'  # the walrus already read the message: do not read another
        branch = parse_statement(f'if {type_code} == "Termination":\n    {_termination_print(name)}\n')
        self.applied()
        return _append_elif(updated, branch)

    def rewrite_SimpleStatementLine(self, original, updated):
        message = self.consumers.get(id(original))
        if message is not None and self._active():
            return self._guarded(original, updated, message)
        plan = self.loads_statements.get(id(original))
        if plan is None or not self._active() or plan[0] not in self.touched_scopes:
            return updated
        json_name = self.facts.alias_of("json")
        error_type = f"{json_name}.JSONDecodeError" if json_name else "ValueError"
        handler = parse_statement(
            f"try:\n    pass\nexcept {error_type} as error:\n"
            f'    print(f"Error decoding message: {{error}}")\n    {plan[1]}\n'
        )
        self.applied()
        return handler.with_changes(
            body=handler.body.with_changes(body=[updated.with_changes(leading_lines=())]),
            leading_lines=updated.leading_lines,
        )

    def _guarded(self, original, updated, message):
        self.applied()
        hoisted = []
        if isinstance(message, cst.Name):
            name = message.value
        else:  # json.loads(...) inline: parse once into a variable
            name = _free_name(self.context.current_function or original, ("message", "msg", "payload", "event"))
            loads = cst.Module([]).code_for_node(message)
            hoisted = [parse_statement(f"{name} = {loads}").with_changes(leading_lines=updated.leading_lines)]
            updated = updated.visit(_ReplaceCall(message, cst.Name(name))).with_changes(leading_lines=())
        if self.facts.format_turns is None:
            self.note(
                message,
                "v3 sends each turn's end twice when format_turns is on; if it is, also require turn_is_formatted on finals",
            )
        guard = cst.ensure_type(parse_statement(f"if {self._update_condition(name)}:\n    pass\n"), cst.If)
        guard = guard.with_changes(
            body=guard.body.with_changes(body=[updated.with_changes(leading_lines=())]),
            leading_lines=() if hoisted else updated.leading_lines,
        )
        return cst.FlattenSentinel([*hoisted, guard]) if hoisted else guard

    def rewrite_Module(self, original, updated):
        if self._active():
            for node, message in self.pending_notes:
                self.note(node, message, severity=ERROR)  # v2 types left where they could not be rewritten
        return updated


#: What the keys of a table of v2 message types become (see MessageFields._table_key).
_TABLE_KEYS = {
    "SessionBegins": "Begin",
    "SessionTerminated": "Termination",
    "FinalTranscript": "Turn",
    "PartialTranscript": "PartialTurn",
}


def _v3_table(literal: cst.Dict) -> cst.Dict:
    elements = []
    for element in literal.elements:
        key = string_value(element.key) if isinstance(element, cst.DictElement) else None
        if key in _TABLE_KEYS:
            element = element.with_changes(key=string_literal(_TABLE_KEYS[key], string_quote(element.key)))
        elements.append(element)
    return literal.with_changes(elements=elements)


def _index_with(element: cst.SubscriptElement, key: str) -> cst.SubscriptElement:
    old = element.slice.value
    return element.with_changes(slice=cst.Index(string_literal(key, string_quote(old))))


def _quote_of_key(node: cst.Subscript) -> str:
    return string_quote(node.slice[0].slice.value)


def _and(conditions: list):
    result = conditions[0]
    for condition in conditions[1:]:
        result = cst.BooleanOperation(result, cst.And(), condition)
    return result


def _parenthesized(node):
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def _carry_parentheses(original, replacement):
    if getattr(original, "lpar", None) and not getattr(replacement, "lpar", None) and hasattr(replacement, "lpar"):
        return replacement.with_changes(lpar=original.lpar, rpar=original.rpar)
    return replacement


def _chain_mentions(node: cst.If, word: str) -> bool:
    current = node
    while isinstance(current, cst.If):
        if word in cst.Module([]).code_for_node(current.test):
            return True
        current = current.orelse
    return False


def _append_elif(node: cst.If, branch: cst.If) -> cst.If:
    if node.orelse is None:
        return node.with_changes(orelse=branch)
    if isinstance(node.orelse, cst.Else):
        return node.with_changes(orelse=branch.with_changes(orelse=node.orelse))
    return node.with_changes(orelse=_append_elif(node.orelse, branch))


class _ReplaceCall(cst.CSTTransformer):
    """Swap one call (matched by its code) for an expression inside a statement."""

    def __init__(self, call: cst.Call, replacement) -> None:
        super().__init__()
        self.code = cst.Module([]).code_for_node(call)
        self.replacement = replacement

    def leave_Call(self, original, updated):
        if cst.Module([]).code_for_node(original) == self.code:
            return self.replacement
        return updated


def _free_name(scope, candidates) -> str:
    code = cst.Module([]).code_for_node(scope) if not isinstance(scope, cst.Module) else scope.code
    for candidate in candidates:
        if candidate not in code:
            return candidate
    return "v3_message"


def _termination_print(name: str) -> str:
    """What a migrated script prints when the session ends: three arguments rather than one
    long f-string, so a formatter can wrap the call."""
    return (
        f'print("Session terminated:", f"{{{name}.get(\'audio_duration_seconds\')}} s of audio,", '
        f"f\"{{{name}.get('session_duration_seconds')}} s of session\")"
    )
