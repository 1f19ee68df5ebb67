"""STT009: v2 close codes become v3 ones, and a normal v3 close is not an error.

v2 closed sessions with 4xxx codes; v3 ends a session normally with 1000 and reports errors
with 1008 and 3005-3009 (docs/protocol.md §6.3). A v2 code that an equality or
membership test (``==``, ``!=``, ``in (...)``, ``case``) compares with what may be a close
code is rewritten to the v3 code for the same situation (``4008`` session expired -> ``3008``,
``4029``/``4032``/``4033`` -> ``3007``, ``4100``/``4101`` -> ``3006``, ``4001``/``4002`` ->
``1008``, ``4102`` -> ``3009``); a code with no v3 counterpart gets a note. The tutorial
shape ``except ConnectionClosedError: assert e.code == 4008`` followed by ``except
Exception: assert False`` would turn v3's normal close (``ConnectionClosedOK``, which is
not a ``ConnectionClosedError``) into an AssertionError at the end of every session, so
such a ``try`` gains an ``except ...ConnectionClosedOK`` clause that ends the loop quietly.
No handler is ever removed.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.model import roles
from migrator.notes import ERROR
from migrator.protocol import V2_CLOSE_CODES
from migrator.rules.base import Rule
from migrator.syntax import dotted_name, innermost_exit, parse_statement, string_value

_CATCH_ALL = ("Exception", "BaseException")
#: What the name of a value that holds a close code has in it.
_CLOSE_CODE_WORDS = ("code", "status")
#: Roles of values that are never a close code.
_NOT_CLOSE_CODES = frozenset(
    {
        roles.SOCKET,
        roles.RAW_MESSAGE,
        roles.AIOHTTP_MESSAGE,
        roles.MESSAGE,
        roles.MESSAGE_TYPE,
        roles.TRANSCRIPT,
        roles.AUDIO,
        roles.MICROPHONE,
        roles.BASE64_AUDIO,
        roles.AUDIO_PAYLOAD,
        roles.AUDIO_JSON,
        roles.CONTAINER,
        roles.FUNCTION,
        roles.CLASS,
        roles.SDK_CLIENT,
    }
)


class CloseCodes(Rule):
    code = "STT009"
    name = "close-codes"
    summary = "v2 4xxx close codes -> v3 codes; ConnectionClosedOK (v3's normal end) handled"
    markers = RULE_MARKERS[code]
    example_before = """
        import websockets

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        async def receive(ws):
            while True:
                try:
                    print(await ws.recv())
                except websockets.exceptions.ConnectionClosedError as e:
                    assert e.code == 4008
                    break
                except Exception:
                    assert False, "Not a websocket 4008 error"
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.codes: dict = {}  # id(Integer) -> v3 code
        self.unmapped: list = []  # (node, statement, message)
        self.tries: dict = {}  # id(Try) -> (exception prefix, exit statement)

    def collect_Integer(self, node: cst.Integer) -> None:
        try:
            value = int(node.value)
        except ValueError:
            return
        if value not in V2_CLOSE_CODES or not self._tests_a_close_code(node):
            return
        meaning, v3_code = V2_CLOSE_CODES[value]
        if v3_code is not None:
            self.codes[id(node)] = v3_code
        else:
            self.unmapped.append(
                (
                    node,
                    self.context.statement_stack[-1],
                    (
                        f"{value} is a v2 close code ({meaning}) with no v3 counterpart; v3 closes normally with 1000 "
                        "and reports errors with 1008 and 3005-3009"
                    ),
                )
            )

    def _tests_a_close_code(self, node: cst.Integer) -> bool:
        """The number is a value an equality or membership test (``==``, ``!=``, ``in``,
        ``not in`` a tuple, set or list, a ``case``) compares with what may be a close code.
        Ordering comparisons (``len(chunk) >= 4032``) compare sizes and counts, not codes."""
        ancestors = self.context.ancestors
        parent = ancestors[-2] if len(ancestors) > 1 else None
        if type(parent) is cst.MatchValue:
            match = next((a for a in reversed(ancestors) if type(a) is cst.Match), None)
            return match is not None and self._may_be_close_code(match.subject)
        operators: tuple = (cst.Equal, cst.NotEqual)
        held, depth = node, 2  # the number (or the tuple holding it) and its parent's depth
        if type(parent) is cst.Element and len(ancestors) > 4 and type(ancestors[-3]) in (cst.Tuple, cst.Set, cst.List):
            held, depth, operators = ancestors[-3], 4, (cst.In, cst.NotIn)
            parent = ancestors[-depth]
        if type(parent) is cst.ComparisonTarget and parent.comparator is held:
            comparison = ancestors[-depth - 1]
            index = next(i for i, target in enumerate(comparison.comparisons) if target is parent)
            other = comparison.left if index == 0 else comparison.comparisons[index - 1].comparator
            return isinstance(parent.operator, operators) and self._may_be_close_code(other)
        if type(parent) is cst.Comparison and parent.left is held and operators[0] is cst.Equal:
            first = parent.comparisons[0]
            return isinstance(first.operator, operators) and self._may_be_close_code(first.comparator)
        return False

    def _may_be_close_code(self, expression) -> bool:
        """A value read whose name says it is a code or a status (``code``, ``e.code``,
        ``e.rcvd.code``, ``ws.close_code``, ``close_status_code``, ``event["code"]``...) and
        that the value model does not know to be something else (audio, a message, a
        socket...). The model has no close-code role, so the name is the evidence: ``rate ==
        4000`` compares a sample rate, and the lines around it are not the tool's business."""
        if type(expression) is cst.Subscript:
            element = expression.slice[0].slice if len(expression.slice) == 1 else None
            named = string_value(element.value) if isinstance(element, cst.Index) else None
        elif type(expression) in (cst.Name, cst.Attribute):
            named = dotted_name(expression).rsplit(".", 1)[-1]
        else:
            return False
        if not named or not any(word in named.lower() for word in _CLOSE_CODE_WORDS):
            return False
        return not any(tag[0] in _NOT_CLOSE_CODES for tag in self.context.model.tags(expression))

    def collect_Try(self, node: cst.Try) -> None:
        names = [dotted_name(handler.type) if handler.type is not None else "" for handler in node.handlers]
        closed_error = next((name for name in names if name.endswith("ConnectionClosedError")), None)
        if closed_error is None or any(name.endswith(("ConnectionClosedOK", "ConnectionClosed")) for name in names):
            return
        prefix = closed_error[: -len("ConnectionClosedError")]
        exit_statement = {"loop": "break", "function": "return"}.get(innermost_exit(self.context.ancestors), "pass")
        self.tries[id(node)] = (prefix, exit_statement)

    def finish_analysis(self) -> None:
        if not self.facts.speaks_v2:
            self.codes.clear()
            self.tries.clear()
            return
        for node, statement, message in self.unmapped:
            self.note(node, message, statement=statement, severity=ERROR)

    def nodes_to_rewrite(self):
        return {*self.codes, *self.tries}

    def rewrite_Integer(self, original, updated):
        v3_code = self.codes.get(id(original))
        if v3_code is None:
            return updated
        self.applied()
        return updated.with_changes(value=str(v3_code))

    def rewrite_Try(self, original: cst.Try, updated: cst.Try):
        plan = self.tries.get(id(original))
        if plan is None:
            return updated
        prefix, exit_statement = plan
        if not prefix:
            # ``from websockets.exceptions import ConnectionClosedError``: import its sibling too.
            qualified = self.facts.imported_names.get(
                "ConnectionClosedError", "websockets.exceptions.ConnectionClosedError"
            )
            self.context.add_import(qualified.rsplit(".", 1)[0], "ConnectionClosedOK")
        handler = cst.ensure_type(
            parse_statement(f"try:\n    pass\nexcept {prefix}ConnectionClosedOK:\n    {exit_statement}\n"), cst.Try
        ).handlers[0]
        handlers = list(updated.handlers)
        at = next(
            (
                index
                for index, existing in enumerate(handlers)
                if existing.type is None or dotted_name(existing.type) in _CATCH_ALL
            ),
            len(handlers),
        )
        handlers.insert(at, handler)
        self.applied()
        return updated.with_changes(handlers=handlers)
