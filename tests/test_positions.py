"""Note positions must be the ones libcst's PositionProvider gives, for any node."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from migrator import walk
from migrator.engine import positions

ROOT = Path(__file__).resolve().parents[1]
CORPUS = sorted(ROOT.glob("fixtures/*/*/input.py")) + [Path(sysconfig.get_paths()["stdlib"]) / "argparse.py"]


def _all_nodes(module):
    found: list = []
    walk.visit(module, lambda node: found.append(node) or True, lambda node: None, trivia=True)
    return found


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: "/".join(path.parts[-3:]))
def test_starts_match_position_provider_for_every_node(path):
    module = cst.parse_module(path.read_bytes())
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    nodes = _all_nodes(module)
    found = positions.starts(module, nodes)
    mismatches = [
        (type(node).__name__, found.get(id(node)), (expected[node].start.line, expected[node].start.column))
        for node in nodes
        if found.get(id(node)) != (expected[node].start.line, expected[node].start.column)
    ]
    assert not mismatches[:5]


@pytest.mark.parametrize("pick", [0, 1, -1])
def test_a_few_nodes_alone(pick):
    """Printing stops once the wanted nodes are found; each must still be right on its own."""
    source = (
        "import os\n\n# a comment\n@decorator\ndef f(a,\n      b):\n    '''doc'''\n    return a + b\r\nx = f(1,\n  2)\n"
    )
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    interesting = [
        node
        for node in _all_nodes(module)
        if isinstance(node, (cst.FunctionDef, cst.IndentedBlock, cst.Call, cst.Return, cst.Integer))
    ]
    node = interesting[pick]
    assert positions.starts(module, [node]) == {id(node): (expected[node].start.line, expected[node].start.column)}


def test_nodes_not_in_the_module_are_left_out():
    module = cst.parse_module("x = 1\n")
    assert positions.starts(module, [cst.Name("y")]) == {}
    assert positions.starts(module, []) == {}
