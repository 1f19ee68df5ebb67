"""STT002: authentication keeps working: the Authorization header, temporary tokens.

v3 takes the API key in the same ``Authorization`` header as v2, in every form scripts
write it (``header={...}``, ``["Authorization: key"]``, ``extra_headers``, ``headers``),
and a ``token`` query parameter is kept by STT001. What changes is minting temporary
tokens: v2's ``POST https://api.assemblyai.com/v2/realtime/token`` with a JSON body
``{"expires_in": N}`` becomes ``GET https://streaming.assemblyai.com/v3/token`` with the
query ``expires_in_seconds`` (at most 600 s: it is now how long the token may be redeemed,
not how long the session lasts). A connection with neither header nor token gets a note:
v3 refuses it with close code 1008.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.model import roles
from migrator.model.endpoints import literal_value, mentions_endpoint
from migrator.notes import ERROR, INFO
from migrator.rules.base import Rule
from migrator.syntax import call_name, dotted_name, keyword, string_literal, string_quote, string_value

V2_TOKEN_URL = "https://api.assemblyai.com/v2/realtime/token"
V3_TOKEN_URL = "https://streaming.assemblyai.com/v3/token"
MAX_TOKEN_SECONDS = 600
_HEADER_KEYWORDS = ("header", "headers", "extra_headers", "additional_headers")
#: Connectors whose second positional parameter is the header.
_POSITIONAL_HEADER = frozenset({"websocket.WebSocketApp", "websocket._app.WebSocketApp"})
_CLIENT_NOTE = "the browser or app that uses this token must connect to wss://streaming.assemblyai.com/v3/ws too"


class Auth(Rule):
    code = "STT002"
    name = "auth-token"
    summary = "Authorization header kept; v2 temporary-token POST -> v3 GET /v3/token?expires_in_seconds"
    markers = RULE_MARKERS[code]
    example_before = """
        import requests

        response = requests.post("https://api.assemblyai.com/v2/realtime/token", json={"expires_in": 3600}, headers={"authorization": key})
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.maybe_token_calls: list = []  # (call, index of its URL argument, the method comes first)
        self.token_calls: dict = {}  # id(call) -> (index of its URL argument, the method comes first)
        self.token_constants: set = set()  # ids of constants' string literals holding the v2 token URL
        self.unauthenticated: list = []  # (call, statement)

    def collect_Call(self, node: cst.Call) -> None:
        method = call_name(node).rsplit(".", 1)[-1]
        if method in ("post", "request") and node.args:
            # ``requests.request("POST", url, ...)``: the method comes first.
            method_first = (
                method == "request"
                and len(node.args) > 1
                and node.args[0].keyword is None
                and (string_value(node.args[0].value) or "").upper() == "POST"
            )
            self.maybe_token_calls.append((node, 1 if method_first else 0, method_first))
        if self.context.model.connection_opened_by(node) in (None, roles.RELAY_SERVER) or not node.args:
            return
        url = node.args[0].value
        if not mentions_endpoint(url, self.facts.constants):
            return
        if any(keyword(node, word) is not None for word in _HEADER_KEYWORDS):
            return
        if any(arg.star for arg in node.args):
            return  # ``**options`` may carry the header
        if (
            self.context.model.qualified_name(node.func) in _POSITIONAL_HEADER
            and len(node.args) > 1
            and node.args[1].keyword is None
        ):
            return  # ``WebSocketApp(url, header, ...)``
        if "token" in cst.Module([]).code_for_node(url):
            return
        self.unauthenticated.append((node, self.context.statement_stack[-1]))

    def finish_analysis(self) -> None:
        for node, url_at, method_first in self.maybe_token_calls:
            url = node.args[url_at].value
            text, constant = string_value(url), None
            if text is None and dotted_name(url) in self.facts.constants:
                constant = self.facts.constants[dotted_name(url)]
                text = string_value(constant)
            if text is not None and V2_TOKEN_URL in text:
                self.token_calls[id(node)] = (url_at, method_first)
                if constant is not None:
                    self.token_constants.add(id(constant))
        for node, statement in self.unauthenticated:
            self.note(
                node,
                'v3 refuses a connection without an Authorization header or token (close 1008): pass header={"Authorization": API_KEY}',
                statement=statement,
                severity=ERROR,
            )

    def nodes_to_rewrite(self):
        return {*self.token_calls, *self.token_constants}

    def rewrite_SimpleString(self, original: cst.SimpleString, updated: cst.SimpleString):
        if id(original) not in self.token_constants:
            return updated
        self.applied()
        return string_literal(V3_TOKEN_URL, string_quote(original))

    def rewrite_Call(self, original: cst.Call, updated: cst.Call):
        plan = self.token_calls.get(id(original))
        if plan is None:
            return updated
        url_at, method_first = plan
        self.applied()
        args = list(updated.args)
        url_arg = args[url_at]
        if type(url_arg.value) in (cst.SimpleString, cst.ConcatenatedString):  # a constant is rewritten where it is set
            args[url_at] = url_arg.with_changes(value=string_literal(V3_TOKEN_URL, string_quote(url_arg.value)))
        if method_first:
            args[0] = args[0].with_changes(value=string_literal("GET", string_quote(args[0].value)))
        has_query = False
        for index, arg in enumerate(args):
            if arg.keyword is not None and arg.keyword.value in ("json", "data"):
                args[index] = self._params(original, arg)
                has_query = True
            elif arg.star or (arg.keyword is not None and arg.keyword.value == "params"):
                has_query = True
        if not has_query:
            self.note(
                original,
                f"v3 requires expires_in_seconds (1-{MAX_TOKEN_SECONDS}) as a query parameter: "
                'add params={"expires_in_seconds": N}',
                severity=ERROR,
            )
            self.note(original, _CLIENT_NOTE)
        func = updated.func
        if isinstance(func, cst.Attribute) and func.attr.value == "post":
            func = func.with_changes(attr=cst.Name("get"))
        elif not method_first:
            self.note(original, "v3 mints tokens with GET, not POST", severity=INFO)
        return updated.with_changes(func=func, args=args)

    def _params(self, original, arg: cst.Arg) -> cst.Arg:
        body = arg.value
        new_keyword = arg.with_changes(keyword=cst.Name("params"))
        if not isinstance(body, cst.Dict):
            self.note(
                original,
                "v3 takes expires_in_seconds (1-600) as a query parameter instead of the JSON body",
                severity=INFO,
            )
            return new_keyword
        elements = []
        for element in body.elements:
            if isinstance(element, cst.DictElement) and string_value(element.key) == "expires_in":
                value = element.value
                seconds = literal_value(value, self.facts.constants)
                if isinstance(seconds, int) and seconds > MAX_TOKEN_SECONDS:
                    value = cst.Integer(str(MAX_TOKEN_SECONDS))
                    self.note(
                        original,
                        f"v3 tokens must be redeemed within {MAX_TOKEN_SECONDS} s (was {seconds}); cap the session itself with max_session_duration_seconds",
                    )
                elif not isinstance(seconds, int):
                    self.note(original, f"v3 accepts expires_in_seconds of at most {MAX_TOKEN_SECONDS}", severity=INFO)
                element = element.with_changes(
                    key=string_literal("expires_in_seconds", string_quote(element.key)), value=value
                )
            elements.append(element)
        self.note(original, _CLIENT_NOTE)
        return new_keyword.with_changes(value=body.with_changes(elements=elements))
