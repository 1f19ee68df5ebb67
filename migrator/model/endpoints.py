"""Reading a streaming endpoint URL out of the many ways scripts build it.

A URL expression (literal, f-string, ``+`` chain, implicit concatenation, module or class
constant, ``urlencode(...)``) is flattened into literal text and opaque expressions, then
split into the endpoint and its query parameters, each parameter's value kept as an
expression so that ``sample_rate={RATE}`` stays tied to ``RATE``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Optional, Union
from urllib.parse import unquote_plus

import libcst as cst

from migrator.protocol import V2_ENDPOINT, V3_ENDPOINT
from migrator.syntax import call_name, dotted_name, string_literal, string_value


@dataclass
class ConstantRef:
    """A name whose module/class constant value is literal text (e.g. a base URL)."""

    node: cst.BaseExpression
    text: str


Part = Union[str, ConstantRef, cst.BaseExpression]


@dataclass
class Parameter:
    key: str
    value: cst.BaseExpression
    #: The dict element it came from, when it came from a dict literal.
    element: Optional[cst.DictElement] = None
    #: The value as the URL's own text writes it (still quoted, fields and all), when it is
    #: all literal text.
    written: Optional[str] = None


@dataclass
class Endpoint:
    version: int  # 2 or 3
    #: The name holding the endpoint text, when the URL is built on a constant.
    base_name: Optional[cst.BaseExpression]
    #: Path after the endpoint (v2 session resume: ``/{session_id}``), "" normally.
    suffix: str
    params: list = field(default_factory=list)
    #: ``urlencode(X)`` already builds the query: the call and the dict it encodes (if found).
    urlencode_call: Optional[cst.Call] = None
    params_dict: Optional[cst.Dict] = None
    #: Parts of the query we could not read (``?{query}``, ``.format(...)``...).
    opaque: bool = False

    def param(self, key: str) -> Optional[Parameter]:
        for param in self.params:
            if param.key == key:
                return param
        return None


def _template_of(node):
    """The template string of ``"..." % args`` or ``"...".format(...)``, else None."""
    if type(node) is cst.BinaryOperation and type(node.operator) is cst.Modulo:
        return node.left
    if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "format":
        return node.func.value
    return None


def _leading(node, constants: dict):
    """The part of a string-building expression its text starts with: through ``+`` and
    implicit concatenation to the left, and into the first argument of a template that
    starts with a field (``"%s?sample_rate=%d" % (BASE, RATE)``)."""
    for _ in range(16):
        template = _template_of(node)
        if template is not None:
            text = string_value(template)
            first = _first_argument(node) if text is not None and _starts_with_field(text) else None
            node = first if first is not None else template
        elif type(node) in (cst.BinaryOperation, cst.ConcatenatedString):
            node = node.left
        else:
            return node
    return node


def _first_argument(node):
    if type(node) is cst.BinaryOperation:
        right = node.right
        if type(right) is cst.Tuple:
            return right.elements[0].value if right.elements else None
        return None if type(right) is cst.Dict else right
    positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
    return positional[0] if positional else None


def _starts_with_field(text: str) -> bool:
    return (text.startswith("%") and not text.startswith("%%")) or (text.startswith("{") and not text.startswith("{{"))


def constant_text(value) -> Optional[str]:
    """The text a constant holds: a string literal, or the default of ``os.environ.get(NAME,
    default)``/``os.getenv(NAME, default)`` (what the script uses when the variable is unset)."""
    text = string_value(value)
    if text is None and type(value) is cst.Call and len(value.args) == 2:
        if call_name(value) in ("os.environ.get", "os.getenv", "environ.get", "getenv"):
            text = string_value(value.args[1].value)
    return text


def leftmost_text(node, constants: dict) -> str:
    """Cheap pre-check: the literal text an expression starts with, if any."""
    node = _leading(node, constants)
    if type(node) is cst.FormattedString:
        first = node.parts[0] if node.parts else None
        if type(first) is cst.FormattedStringText:
            return first.value
        if type(first) is cst.FormattedStringExpression:
            return leftmost_text(first.expression, constants)
        return ""
    if type(node) is cst.SimpleString:
        return string_value(node) or ""
    name = dotted_name(node)
    if name and name in constants:
        return constant_text(constants[name]) or ""
    return ""


def mentions_endpoint(node, constants: dict) -> bool:
    first = _leading(node, constants)
    if type(first) is cst.SimpleString and "assemblyai.com" not in first.value:
        return False  # the common case, decided without evaluating the literal
    text = leftmost_text(node, constants)
    return text.startswith(V2_ENDPOINT) or text.startswith(V3_ENDPOINT)


def flatten(node, constants: dict) -> Optional[list]:
    """Literal text and opaque parts of a string-building expression, or None."""
    if type(node) is cst.SimpleString:
        value = string_value(node)
        return None if value is None else [value]
    if type(node) is cst.ConcatenatedString:
        left, right = flatten(node.left, constants), flatten(node.right, constants)
        return None if left is None or right is None else left + right
    if type(node) is cst.FormattedString:
        if "b" in node.prefix.lower():
            return None
        raw = "r" in node.prefix.lower()
        parts: list = []
        for part in node.parts:
            if type(part) is cst.FormattedStringText:
                if "\\" in part.value and not raw:
                    return None
                parts.append(part.value.replace("{{", "{").replace("}}", "}"))
            elif part.conversion is None and part.format_spec is None:
                parts.extend(_operand(part.expression, constants))
            else:
                return None
        return parts
    template = _template_of(node)
    if template is not None:
        return _fill_template(node, template, constants)
    if type(node) is cst.BinaryOperation and type(node.operator) is cst.Add:
        left, right = flatten(node.left, constants), flatten(node.right, constants)
        if left is None:
            left = _operand(node.left, constants)
        if right is None:
            right = _operand(node.right, constants)
        return left + right
    return None


_PERCENT_FIELD = re.compile(r"%(?:\((\w+)\))?([-+ #0]*\d*(?:\.\d+)?)([diouxXeEfFgGcrsa%])")
_BRACE_FIELD = re.compile(r"\{\{|\}\}|\{([^{}!:]*)(![rsa])?(:[^{}]*)?\}")


def has_template_fields(text: str) -> bool:
    """``text`` holds a ``%``- or ``{}``-template field: a literal that some expression fills
    in later (``os.environ.get(NAME, "...?sample_rate=%s") % RATE``)."""
    return any(match.group(0) != "%%" for match in _PERCENT_FIELD.finditer(text)) or any(
        match.group(0) not in ("{{", "}}") for match in _BRACE_FIELD.finditer(text)
    )


def _fill_template(node, template, constants: dict) -> Optional[list]:
    """``"...%d..." % RATE`` and ``"...{}...".format(RATE)``: the template's text with each
    field replaced by the expression that fills it. A field with a conversion or format
    spec, or arguments that cannot be paired with fields, make the whole URL opaque (one
    part that is the expression itself), never a template text with its fields escaped."""
    text = string_value(template)
    if text is None:
        return None
    opaque = [text.split("?", 1)[0] + ("?" if "?" in text else ""), node] if "?" in text else None
    if type(node) is cst.BinaryOperation:
        right = node.right
        named = _dict_items(right) if type(right) is cst.Dict else None
        positional = [e.value for e in right.elements] if type(right) is cst.Tuple else [right]
        pattern = _PERCENT_FIELD
    else:
        named = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if any(arg.star for arg in node.args):
            return opaque
        pattern = _BRACE_FIELD
    parts: list = []
    position = 0
    index = 0
    for match in pattern.finditer(text):
        parts.append(text[position : match.start()])
        position = match.end()
        field_text = match.group(0)
        if field_text in ("%%", "{{", "}}"):
            parts.append(field_text[0])
            continue
        if type(node) is cst.BinaryOperation:
            name, spec, conversion = match.group(1), match.group(2), match.group(3)
            if spec or conversion not in ("s", "d", "i"):
                return opaque
        else:
            name, conversion, spec = match.group(1), match.group(2), match.group(3)
            if conversion or spec:
                return opaque
            if name.isdigit():
                name, index = None, int(name)
        if name:
            if named is None or name not in named:
                return opaque
            parts.extend(_operand(named[name], constants))
        else:
            if index >= len(positional):
                return opaque
            parts.extend(_operand(positional[index], constants))
            index += 1
    parts.append(text[position:])
    return [part for part in parts if part != ""]


def _dict_items(node: cst.Dict) -> Optional[dict]:
    items = {}
    for element in node.elements:
        key = string_value(element.key) if type(element) is cst.DictElement else None
        if key is None:
            return None
        items[key] = element.value
    return items


def _operand(node, constants: dict) -> list:
    name = dotted_name(node)
    if name and name in constants:
        value = constant_text(constants[name])
        if value is not None:
            return [ConstantRef(node, value)]
    if type(node) is cst.Call and call_name(node) == "str" and len(node.args) == 1:
        return [node.args[0].value]
    return [node]


def text_of(part) -> Optional[str]:
    if isinstance(part, str):
        return part
    if isinstance(part, ConstantRef):
        return part.text
    return None


def parse_endpoint(node, constants: dict) -> Optional[Endpoint]:
    """The endpoint an expression builds, or None when it is not a streaming URL."""
    parts = flatten(node, constants)
    if not parts:
        return None
    parts = _merge_text(parts)
    first = parts[0]
    base_name = first.node if isinstance(first, ConstantRef) else None
    text = text_of(first)
    if text is None:
        return None
    for version, base in ((2, V2_ENDPOINT), (3, V3_ENDPOINT)):  # noqa: B007 (read after the loop)
        if text.startswith(base):
            break
    else:
        return None
    if base_name is not None and text != base:
        # A constant holding more than the endpoint (its own query): rebuilt where it is defined.
        return Endpoint(version, None, "", opaque=True)
    tail = _merge_text([text[len(base) :], *parts[1:]])
    endpoint = Endpoint(version, base_name, "")
    if tail and isinstance(tail[0], str) and tail[0].startswith("/"):
        path, mark, query = tail[0].partition("?")
        endpoint.suffix = path
        tail = ([mark + query] if mark else []) + tail[1:]
    tail = [part for part in tail if part != ""]
    if not tail:
        return endpoint
    if not (isinstance(tail[0], str) and tail[0].startswith("?")):
        if isinstance(tail[0], str):
            return None  # e.g. ".../v2/realtime/wsx": not our endpoint
        endpoint.opaque = True
        return endpoint
    tail[0] = tail[0][1:]
    _read_query([part for part in tail if part != ""], endpoint, constants)
    return endpoint


def _merge_text(parts: list) -> list:
    merged: list = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        else:
            merged.append(part)
    return merged


def _read_query(parts: list, endpoint: Endpoint, constants: dict) -> None:
    segments: list = [[]]
    for part in parts:
        if isinstance(part, str):
            pieces = part.split("&")
            segments[-1].append(pieces[0])
            for piece in pieces[1:]:
                segments.append([piece])
        else:
            segments[-1].append(part)
    for segment in segments:
        segment = [part for part in segment if part != ""]
        if not segment:
            continue
        if len(segment) == 1 and type(segment[0]) is cst.Call and call_name(segment[0]).endswith("urlencode"):
            _read_urlencode(segment[0], endpoint, constants)
            continue
        first = segment[0]
        if not isinstance(first, str) or "=" not in first:
            endpoint.opaque = True
            continue
        key, _, value_text = first.partition("=")
        value_parts = ([value_text] if value_text else []) + segment[1:]
        written = value_text if len(segment) == 1 else None
        endpoint.params.append(Parameter(unquote_plus(key), _value_expression(value_parts), written=written))


def _read_urlencode(call: cst.Call, endpoint: Endpoint, constants: dict) -> None:
    endpoint.urlencode_call = call
    if not call.args:
        endpoint.opaque = True
        return
    argument = call.args[0].value
    name = dotted_name(argument)
    if name and type(constants.get(name)) is cst.Dict:
        argument = constants[name]
    if type(argument) is not cst.Dict:
        endpoint.opaque = True
        return
    endpoint.params_dict = argument
    for element in argument.elements:
        key = string_value(element.key) if type(element) is cst.DictElement else None
        if key is None:
            endpoint.opaque = True
            continue
        endpoint.params.append(Parameter(key, element.value, element))


def _value_expression(parts: list) -> cst.BaseExpression:
    """One expression for a query value: a typed literal, the variable, or an f-string."""
    if all(isinstance(part, str) for part in parts):
        return literal_for("".join(unquote_plus(part) for part in parts))
    if len(parts) == 1:
        part = parts[0]
        return part.node if isinstance(part, ConstantRef) else part
    pieces = []
    for part in parts:
        if isinstance(part, str):
            pieces.append(cst.FormattedStringText(unquote_plus(part).replace("{", "{{").replace("}", "}}")))
        else:
            node = part.node if isinstance(part, ConstantRef) else part
            pieces.append(cst.FormattedStringExpression(node))
    return cst.FormattedString(parts=pieces, start='f"', end='"')


def literal_for(text: str) -> cst.BaseExpression:
    if text.isdigit():
        return cst.Integer(text)
    if text.lower() in ("true", "false"):
        return cst.Name("True" if text.lower() == "true" else "False")
    return string_literal(text)


def literal_value(node, constants: dict):
    """The Python value of a literal (or a constant holding one), else None."""
    name = dotted_name(node)
    if name and name in constants:
        node = constants[name]
    if type(node) is cst.Integer:
        return int(node.value)
    if type(node) is cst.Name and node.value in ("True", "False"):
        return node.value == "True"
    value = string_value(node)
    if value is not None:
        return value
    return None
