"""``setup.py``: the literal strings of ``setup(install_requires=[...], extras_require={...})``,
found with libcst, also through a module-level name (``install_requires=REQUIREMENTS``).

Requirements computed at run time (read from a file, built in a loop) are not followed; the
file is edited as text at the strings' positions.
"""

from __future__ import annotations

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from migrator.manifests.spots import requirement_spot
from migrator.syntax import dotted_name

_KEYWORDS = ("install_requires", "extras_require")


def setup_py(text: str) -> list:
    wrapper = MetadataWrapper(cst.parse_module(text))
    module = wrapper.module
    positions = wrapper.resolve(PositionProvider)
    constants = {}
    for statement in module.body:
        if isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                if isinstance(small, cst.Assign) and len(small.targets) == 1:
                    target = small.targets[0].target
                    if isinstance(target, cst.Name):
                        constants[target.value] = small.value
    strings: list = []

    def gather(node, depth: int = 0) -> None:
        if isinstance(node, cst.Name) and node.value in constants and depth < 3:
            gather(constants[node.value], depth + 1)
        elif isinstance(node, (cst.List, cst.Tuple, cst.Set)):
            for element in node.elements:
                gather(element.value, depth)
        elif isinstance(node, cst.Dict):
            for element in node.elements:
                if isinstance(element, cst.DictElement):
                    gather(element.value, depth)
        elif isinstance(node, cst.SimpleString):
            strings.append(node)

    class Calls(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if dotted_name(node.func).rsplit(".", 1)[-1] != "setup":
                return
            for arg in node.args:
                if arg.keyword is not None and arg.keyword.value in _KEYWORDS:
                    gather(arg.value)

    module.visit(Calls())
    line_offsets = [0]
    for line in text.splitlines(keepends=True):
        line_offsets.append(line_offsets[-1] + len(line))
    spots = []
    for node in strings:
        raw = node.value
        prefix = len(raw) - len(raw.lstrip("rRbBuUfF"))
        quote = node.quote
        body = raw[prefix + len(quote) : len(raw) - len(quote)]
        if body != node.evaluated_value or "b" in raw[:prefix].lower():
            continue  # escapes or bytes: not edited in place
        start = positions[node].start
        offset = line_offsets[start.line - 1] + start.column + prefix + len(quote)
        spot = requirement_spot(body, offset)
        if spot is not None:
            spots.append(spot)
    return spots
