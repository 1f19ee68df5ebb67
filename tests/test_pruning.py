"""The rewrite walk enters only what rules said they may change; that must never change
the result. Each fixture runs as is and padded with ordinary code (as big real scripts are),
with pruning on and off."""

from __future__ import annotations

import sysconfig
import textwrap
from pathlib import Path

import libcst as cst
import pytest

import migrator.engine.core as engine
from migrator import migrate_source, walk

ROOT = Path(__file__).resolve().parents[1]
INPUTS = sorted(ROOT.glob("fixtures/*/*/input.py"))
PADDING = (Path(sysconfig.get_paths()["stdlib"]) / "textwrap.py").read_text()


def _both_ways(source: str, monkeypatch, select=None):
    results = []
    for prune in (True, False):
        monkeypatch.setattr(engine, "PRUNE_REWRITE", prune)
        result = migrate_source(source, select=select)
        results.append((result.code, result.notes, sorted(result.rules_applied)))
    return results


@pytest.mark.parametrize("path", INPUTS, ids=lambda path: "/".join(path.parts[-3:-1]))
@pytest.mark.parametrize("padded", [False, True], ids=["as-is", "padded"])
def test_pruned_rewrite_gives_the_same_result(path, padded, monkeypatch):
    source = path.read_text()
    if padded:
        source = PADDING + "\n\n" + source + "\n\n" + PADDING
    pruned, full = _both_ways(source, monkeypatch)
    assert pruned == full


def test_rule_examples_are_the_same_pruned(monkeypatch):
    from migrator.rules import all_rules

    for rule in all_rules():
        if not rule.edits_python:
            continue  # its example is a requirements file (tests/manifests)
        before = textwrap.dedent(rule.example_before).lstrip("\n")
        for select in ([rule.code], None):
            pruned, full = _both_ways(before, monkeypatch, select)
            assert pruned == full, rule.code


def test_ordinary_code_around_a_client_is_not_entered(monkeypatch):
    source = PADDING + "\n\n" + (ROOT / "fixtures/websockets/tutorial/input.py").read_text()
    module = cst.parse_module(source)
    padding_statements = len(cst.parse_module(PADDING).body)
    entered: set = set()
    on_visit = engine._RewriteWalk.on_visit
    monkeypatch.setattr(
        engine._RewriteWalk, "on_visit", lambda self, node: entered.add(id(node)) or on_visit(self, node)
    )
    monkeypatch.setattr(engine.cst, "parse_module", lambda source: module)  # so node ids are ours
    assert migrate_source(source).changed

    inside_textwrap: set = set()
    for statement in module.body[:padding_statements]:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):  # textwrap's own code
            walk.visit(statement.body, lambda node: inside_textwrap.add(id(node)) or True, lambda node: None)
    assert entered and inside_textwrap and not (entered & inside_textwrap)


def test_sdk_name_used_above_its_import_is_still_renamed(monkeypatch):
    source = (
        "def on_data(transcript: RealtimeFinalTranscript):\n"
        "    print(transcript.text)\n\n"
        "import assemblyai as aai\n"
        "from assemblyai import RealtimeFinalTranscript\n\n"
        "transcriber = aai.RealtimeTranscriber(sample_rate=16_000, on_data=on_data)\n"
    )
    pruned, full = _both_ways(source, monkeypatch)
    assert pruned == full
    assert "RealtimeFinalTranscript" not in pruned[0].split("import")[0]
