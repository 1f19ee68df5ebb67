"""The engine's own tree walks must see and produce exactly what libcst's visitor and
transformer would, on real code: every fixture and a slice of the standard library."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst
import pytest

from migrator import walk

ROOT = Path(__file__).resolve().parents[1]
STDLIB = Path(sysconfig.get_paths()["stdlib"])
CORPUS = sorted(ROOT.glob("fixtures/*/*/*.py")) + [
    STDLIB / name for name in ("argparse.py", "asyncio/tasks.py", "dataclasses.py", "typing.py", "json/encoder.py")
]


def _parse(path: Path) -> cst.Module:
    return cst.parse_module(path.read_bytes())


class _Order(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list = []

    def on_visit(self, node) -> bool:
        self.seen.append(node)
        return True


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: "/".join(path.parts[-3:]))
def test_visit_order_is_libcsts(path):
    module = _parse(path)
    expected = _Order()
    module.visit(expected)
    everything: list = []
    walk.visit(module, lambda node: everything.append(node) or True, lambda node: None, trivia=True)
    assert [id(node) for node in everything] == [id(node) for node in expected.seen]

    without_trivia: list = []
    walk.visit(module, lambda node: without_trivia.append(node) or True, lambda node: None)
    assert [id(node) for node in without_trivia] == [
        id(node) for node in expected.seen if not walk.is_trivia(type(node))
    ]
    assert len(without_trivia) < len(expected.seen)


def test_untouched_tree_comes_back_as_the_same_object():
    module = _parse(CORPUS[0])
    assert walk.transform(module, lambda node: True, lambda original, updated: updated) is module


def _edit(original, updated):
    """A mix of every kind of change a rule makes: renames, replacement by another node
    type, removal from sequences and optional fields, flattening into statement bodies."""
    if isinstance(updated, cst.Name) and updated.value in {"self", "json", "data", "print", "cls"}:
        return updated.with_changes(value=updated.value.upper() + "_")
    if isinstance(updated, cst.SimpleString) and len(updated.value) < 12:
        return updated.with_changes(value='"S"')
    if isinstance(updated, cst.Integer) and updated.value != "0":
        return cst.Name("INT")
    if isinstance(updated, cst.Pass):
        return cst.RemoveFromParent()  # emptied lines must disappear from bodies
    if isinstance(updated, cst.Arg) and isinstance(original.value, cst.Integer) and original.value.value == "0":
        return cst.RemoveFromParent()
    if isinstance(updated, cst.Return) and updated.value is not None and isinstance(original.value, cst.Name):
        return updated.with_changes(value=None)
    if isinstance(updated, cst.SimpleStatementLine) and any(isinstance(small, cst.Import) for small in updated.body):
        return cst.FlattenSentinel([updated, cst.parse_statement("import flattened\n")])
    if isinstance(updated, cst.AsName):
        return cst.RemoveFromParent()  # an optional field: becomes None
    return updated


class _Edit(cst.CSTTransformer):
    def on_leave(self, original_node, updated_node):
        return _edit(original_node, updated_node)


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: "/".join(path.parts[-3:]))
def test_transform_matches_libcsts_transformer(path):
    module = _parse(path)
    expected = module.visit(_Edit()).code
    assert walk.transform(module, lambda node: True, _edit, trivia=True).code == expected
    assert walk.transform(module, lambda node: True, _edit).code == expected
    assert expected != module.code


def test_walks_can_prune_subtrees():
    module = cst.parse_module("def f():\n    x = 1\ny = 2\n")
    names: list = []
    walk.visit(
        module,
        lambda node: names.append(getattr(node, "value", None)) or not isinstance(node, cst.FunctionDef),
        lambda node: None,
    )
    assert "x" not in names and "y" in names
    renamed = walk.transform(
        module,
        lambda node: not isinstance(node, cst.FunctionDef),
        lambda original, updated: cst.Name("z") if isinstance(updated, cst.Name) else updated,
    )
    assert renamed.code == "def f():\n    x = 1\nz = 2\n"


def test_removing_a_required_child_is_refused_like_libcst_does():
    module = cst.parse_module("a.b\n")
    with pytest.raises(TypeError):
        walk.transform(
            module,
            lambda node: True,
            lambda original, updated: (
                cst.RemoveFromParent() if isinstance(updated, cst.Name) and updated.value == "b" else updated
            ),
        )
