"""Finding the parsed server message in a script: the variables bound to
``json.loads(...)`` and the expressions that read a message's type, per function."""

from __future__ import annotations

from typing import Optional

import libcst as cst

from migrator.syntax import call_name, dotted_name, string_value

#: What a ``json.loads`` argument reads when it is a file, the environment or an HTTP
#: response rather than a message off the socket (whose ``text`` must not become ``transcript``).
_NOT_A_MESSAGE = (".read", "open(", "environ", "getenv", ".text", ".content", "json(")


def is_json_loads(node, facts) -> bool:
    """``json.loads(x)`` where ``x`` may be a message from the socket."""
    if type(node) is not cst.Call:
        return False
    name = call_name(node)
    if name.endswith(".loads"):
        loads = facts.module_aliases.get(name.rsplit(".", 1)[0]) == "json"
    else:
        loads = facts.imported_names.get(name) == "json.loads"
    if not loads or not node.args:
        return False
    argument = cst.Module([]).code_for_node(node.args[0].value)
    return not any(word in argument for word in _NOT_A_MESSAGE)


def key_of(node) -> Optional[str]:
    """``"k"`` for ``X["k"]`` and ``X.get("k", ...)``."""
    if type(node) is cst.Subscript and len(node.slice) == 1:
        index = node.slice[0].slice
        if type(index) is cst.Index:
            return string_value(index.value)
    if type(node) is cst.Call and type(node.func) is cst.Attribute and node.func.attr.value == "get":
        if node.args and node.args[0].keyword is None:
            return string_value(node.args[0].value)
    return None


def container_of(node):
    """The ``X`` of ``X["k"]`` / ``X.get("k")``."""
    if type(node) is cst.Subscript:
        return node.value
    if type(node) is cst.Call and type(node.func) is cst.Attribute:
        return node.func.value
    return None


class MessageScopes:
    """Which names hold a parsed message, and which hold its type, in each function."""

    def __init__(self) -> None:
        self.messages: dict = {}  # (scope id, name) -> True
        self.type_names: dict = {}  # (scope id, name) -> message expression

    @staticmethod
    def scope_key(context) -> int:
        function = context.current_function
        return id(function) if function is not None else 0

    def bind(self, context, target, value, facts) -> None:
        name = dotted_name(target)
        if not name:
            return
        key = (self.scope_key(context), name)
        if is_json_loads(value, facts):
            self.messages[key] = True
            return
        message = self.message_of(context, value, facts)
        if message is not None and key_of(value) == "message_type":
            self.type_names[key] = message

    def is_message(self, context, node, facts) -> bool:
        if is_json_loads(node, facts):
            return True
        name = dotted_name(node)
        return bool(name) and (self.scope_key(context), name) in self.messages

    def message_of(self, context, access, facts):
        """The message expression ``access`` reads a key of, if it is a message."""
        container = container_of(access)
        if container is not None and self.is_message(context, container, facts):
            return container
        return None

    def type_source(self, context, node, facts):
        """For an expression holding a message's type, the message it came from."""
        if key_of(node) == "message_type":
            return self.message_of(context, node, facts)
        name = dotted_name(node)
        if name:
            return self.type_names.get((self.scope_key(context), name))
        return None
