"""STT001: the v2 endpoint URL becomes the v3 one, its query built with ``urlencode``.

``wss://api.assemblyai.com/v2/realtime/ws?...`` is refused by the service; v3 lives at
``wss://streaming.assemblyai.com/v3/ws``. Whatever way the URL is written (literal,
f-string, constant, ``+`` chain, implicit concatenation, class attribute,
``urlencode(params)``), the query is rebuilt as ``urlencode({...})`` from the parameters
it had: ``sample_rate`` (and the variable it came from), ``encoding`` and ``token`` are
kept; ``word_boost`` becomes ``keyterms_prompt`` (with a note: different limits);
parameters v3 does not know are dropped and named in a note. ``format_turns`` is added,
as the migration guide does, so finals stay punctuated and cased as v2 finals were, and
``speech_model`` is set to the English model v2 used. URLs inside prints, log calls and
docstrings are text for people and are left alone.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.model.endpoints import Endpoint, has_template_fields, literal_value
from migrator.notes import ERROR, INFO
from migrator.protocol import (
    ADDED_PARAMETERS,
    DROPPED_PARAMETERS,
    KEPT_PARAMETERS,
    RENAMED_PARAMETERS,
    V2_ENDPOINT,
    V3_ENDPOINT,
    V3_PARAMETERS,
)
from migrator.rules.base import Rule
from migrator.syntax import is_docstring_like, string_literal, string_quote, string_value


class EndpointUrl(Rule):
    code = "STT001"
    name = "endpoint-url"
    summary = "v2 realtime URL -> v3 URL with urlencode()d parameters, format_turns on"
    markers = RULE_MARKERS[code]
    example_before = """
        URL = f"wss://api.assemblyai.com/v2/realtime/ws?sample_rate={SAMPLE_RATE}"
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.replacements: dict = {}  # id(original node) -> new node

    # --- analysis -------------------------------------------------------------------------
    def _consider(self, node) -> None:
        # FactCollector runs first on every node: when this node is a URL in code it has just
        # parsed it. Planning here, during the walk, keeps import requests in walk order.
        if not self.facts.endpoints or self.facts.endpoints[-1][0] is not node:
            return
        _, endpoint, statement = self.facts.endpoints[-1]
        if endpoint.version == 2 and not is_docstring_like(statement, node):
            self._plan_v2_rewrite(node, endpoint, statement)

    collect_SimpleString = _consider
    collect_FormattedString = _consider
    collect_ConcatenatedString = _consider
    collect_BinaryOperation = _consider
    collect_Call = _consider

    def _plan_v2_rewrite(self, node, endpoint: Endpoint, statement) -> None:
        if endpoint.suffix:
            self.note(
                node,
                statement=statement,
                message="v3 cannot resume a session by id: this URL has no v3 equivalent; open a new session instead",
                severity=ERROR,
            )
            return
        quote = string_quote(node) if not isinstance(node, (cst.BinaryOperation, cst.Call)) else '"'
        if not endpoint.params and endpoint.urlencode_call is None and not endpoint.opaque:
            # The bare endpoint (a base constant): its query is added where it is used.
            self.replacements[id(node)] = _SWAP_ENDPOINT_TEXT
        elif endpoint.params_dict is not None or (endpoint.urlencode_call is not None and not endpoint.params):
            # The query is already urlencode(...): swap the endpoint text, edit the dict in place.
            self.replacements[id(node)] = _SWAP_ENDPOINT_TEXT
            if endpoint.params_dict is not None:
                self.replacements[id(endpoint.params_dict)] = self._migrated_dict(endpoint, node, statement)
            else:
                self.note(
                    node,
                    statement=statement,
                    message="check the parameters passed to urlencode(): v3 drops word_boost and wants format_turns=True",
                )
        elif endpoint.opaque:
            self.replacements[id(node)] = _SWAP_ENDPOINT_TEXT
            self.note(
                node,
                statement=statement,
                message="the query string is built in a way migrate-stt cannot read; check its parameters against v3 (sample_rate, encoding, format_turns, keyterms_prompt)",
            )
        elif (
            type(node) is cst.SimpleString
            and has_template_fields(string_value(node) or "")
            and _filled_in_around(self.context.ancestors)
        ):
            # A template that an expression around it fills in: its fields stay in the text.
            self.replacements[id(node)] = string_literal(self._template_query(endpoint, node, statement), quote)
        else:
            base = endpoint.base_name if endpoint.base_name is not None else None
            params = self._migrated_params(endpoint, node, statement)
            encoded = cst.Call(cst.Name(self._urlencode_name()), args=[cst.Arg(params)])
            if base is None:
                replacement = cst.BinaryOperation(string_literal(V3_ENDPOINT + "?", quote), cst.Add(), encoded)
            else:
                replacement = cst.BinaryOperation(
                    cst.BinaryOperation(base, cst.Add(), string_literal("?", quote)), cst.Add(), encoded
                )
            self.replacements[id(node)] = replacement
        self.applied()

    def _urlencode_name(self) -> str:
        for local, qualified in self.facts.imported_names.items():
            if qualified == "urllib.parse.urlencode":
                return local
        self.context.add_import("urllib.parse", "urlencode")
        return "urlencode"

    def _migrated_params(self, endpoint: Endpoint, node, statement) -> cst.Dict:
        elements = []
        for param in self._kept(endpoint, node, statement):
            elements.append(cst.DictElement(string_literal(param[0]), param[1]))
        return cst.Dict(elements)

    def _migrated_dict(self, endpoint: Endpoint, node, statement) -> cst.Dict:
        dictionary = endpoint.params_dict
        quote = string_quote(dictionary.elements[0].key) if dictionary.elements else '"'
        kept = {key for key, _ in self._kept(endpoint, node, statement)}
        elements = []
        for element in dictionary.elements:
            key = literal_value(element.key, {}) if isinstance(element, cst.DictElement) else None
            if key is None:
                elements.append(element)
            elif key in RENAMED_PARAMETERS:
                elements.append(element.with_changes(key=string_literal(RENAMED_PARAMETERS[key], quote)))
            elif key in kept:
                elements.append(element)
        present = {param.key for param in endpoint.params}
        for key, value in ADDED_PARAMETERS:
            if key not in present:
                elements.append(cst.DictElement(string_literal(key, quote), _literal(value, quote)))
        return dictionary.with_changes(elements=_with_layout(dictionary, elements))

    def _template_query(self, endpoint: Endpoint, node, statement) -> str:
        """The v3 URL of a template literal, as text: its own query pieces as written (fields
        and all), renamed or dropped as :meth:`_kept` says, then what v3 adds."""
        old_key = {new: old for old, new in RENAMED_PARAMETERS.items()}
        added = dict(ADDED_PARAMETERS)
        pieces = []
        for key, _ in self._kept(endpoint, node, statement):
            param = endpoint.param(key) or endpoint.param(old_key.get(key, ""))
            if param is not None and param.written is not None:
                value = param.written
            else:
                value = "true" if added.get(key) is True else str(added.get(key, ""))
            pieces.append(f"{key}={value}")
        return f"{V3_ENDPOINT}?" + "&".join(pieces)

    def _kept(self, endpoint: Endpoint, node, statement) -> list:
        """(key, value) pairs for v3, with notes for what changed; ADDED_PARAMETERS last."""
        kept, dropped = [], []
        for param in endpoint.params:
            if param.key in RENAMED_PARAMETERS:
                new_key = RENAMED_PARAMETERS[param.key]
                kept.append((new_key, param.value))
                self.note(
                    node,
                    statement=statement,
                    message=f"{param.key} became {new_key}: v3 takes at most 100 terms of at most 50 characters each and boosts differently; review the list",
                )
            elif param.key in KEPT_PARAMETERS or param.key in V3_PARAMETERS:
                kept.append((param.key, param.value))
            else:
                dropped.append(param.key)
        if dropped:
            reasons = "; ".join(f"{key}: {DROPPED_PARAMETERS.get(key, 'not a v3 parameter')}" for key in dropped)
            self.note(
                node,
                statement=statement,
                message=f"dropped query parameter(s) with no v3 meaning ({reasons})",
                severity=INFO,
            )
        present = {key for key, _ in kept}
        for key, value in ADDED_PARAMETERS:
            if key not in present:
                kept.append((key, _literal(value, '"')))
        return kept

    def nodes_to_rewrite(self):
        return set(self.replacements)

    # --- rewrite --------------------------------------------------------------------------
    def _rewrite(self, original, updated):
        replacement = self.replacements.get(id(original))
        if replacement is None:
            return updated
        if replacement is _SWAP_ENDPOINT_TEXT:
            return _replace_endpoint_text(updated)  # children (a urlencode dict) may be rewritten too
        if getattr(original, "lpar", None) and not replacement.lpar:
            replacement = replacement.with_changes(lpar=original.lpar, rpar=original.rpar)
        return replacement

    rewrite_SimpleString = _rewrite
    rewrite_FormattedString = _rewrite
    rewrite_ConcatenatedString = _rewrite
    rewrite_BinaryOperation = _rewrite
    rewrite_Call = _rewrite
    rewrite_Dict = _rewrite


def _literal(value, quote: str) -> cst.BaseExpression:
    if isinstance(value, bool):
        return cst.Name("True" if value else "False")
    return string_literal(str(value), quote)


def _with_layout(dictionary: cst.Dict, elements: list) -> list:
    """Commas as the original dict had them: one element per line stays one per line."""
    if not elements:
        return elements
    original = dictionary.elements
    between = original[0].comma if len(original) > 1 else cst.MaybeSentinel.DEFAULT
    trailing = original[-1].comma if original else cst.MaybeSentinel.DEFAULT
    if (
        isinstance(between, cst.Comma)
        and isinstance(trailing, cst.MaybeSentinel)
        and "\n" in cst.Module([]).code_for_node(between)
    ):
        trailing = between  # a multi-line dict gets a trailing comma on its new last line
    commas = [between] * (len(elements) - 1) + [trailing]
    return [element.with_changes(comma=comma) for element, comma in zip(elements, commas)]


class _EndpointText(cst.CSTTransformer):
    """Swap the v2 endpoint for the v3 one inside string pieces, nothing else."""

    def leave_SimpleString(self, original, updated):
        return updated.with_changes(value=updated.value.replace(V2_ENDPOINT, V3_ENDPOINT))

    def leave_FormattedStringText(self, original, updated):
        return updated.with_changes(value=updated.value.replace(V2_ENDPOINT, V3_ENDPOINT))


#: The planned replacement of a URL whose endpoint text alone changes.
_SWAP_ENDPOINT_TEXT = object()


def _replace_endpoint_text(node):
    return node.visit(_EndpointText())


def _filled_in_around(ancestors: list) -> bool:
    """The node on top of ``ancestors`` is (part of) the template of a ``%`` or ``.format``
    around it, as in ``os.environ.get(NAME, "...%s") % RATE``."""
    child = ancestors[-1]
    for parent in reversed(ancestors[:-1]):
        if isinstance(parent, cst.BaseStatement):
            return False
        if type(parent) is cst.BinaryOperation and type(parent.operator) is cst.Modulo and parent.left is child:
            return True
        if type(parent) is cst.Attribute and parent.value is child and parent.attr.value == "format":
            return True
        child = parent
    return False
