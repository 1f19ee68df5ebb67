"""The marker table: the prefilter's whole vocabulary, kept in step with the rules."""

from __future__ import annotations

import pytest

from migrator.markers import RULE_MARKERS, STREAMING_V2_MARKERS, UnknownRuleError, select_codes, selected_markers
from migrator.model.facts import FactCollector
from migrator.rules import all_rules, select_rules


def test_table_codes_are_exactly_the_rules_codes():
    assert sorted(RULE_MARKERS) == [rule.code for rule in all_rules()]


def test_each_rule_reads_its_markers_from_the_table():
    for rule in all_rules():
        assert rule.markers == RULE_MARKERS[rule.code], rule.code
    assert FactCollector.markers == STREAMING_V2_MARKERS


def test_codes_match_by_prefix_and_case():
    assert select_codes(["stt00"]) == tuple(f"STT00{n}" for n in range(1, 10))
    assert select_codes(["STT02"], ["STT020", "STT025"]) == ("STT021", "STT022", "STT023", "STT024")
    assert select_codes(None, ["STT0"]) == ()


def test_select_rules_follows_the_table():
    assert [rule.code for rule in select_rules(["STT01"], ["STT010"])] == ["STT011"]


@pytest.mark.parametrize("select, ignore", [(["STT999"], None), (None, ["XYZ"]), (["STT001", "nope"], None)])
def test_unknown_code_is_refused(select, ignore):
    with pytest.raises(UnknownRuleError, match="unknown rule code"):
        select_codes(select, ignore)


def test_streaming_markers_are_always_looked_for():
    assert set(STREAMING_V2_MARKERS) <= set(selected_markers(["STT010"]))
    assert b"extra_headers" in selected_markers(["STT010"])
    assert b"extra_headers" not in selected_markers(["STT001"])


def test_a_marker_containing_another_is_left_out_but_still_found():
    every = {marker for markers in RULE_MARKERS.values() for marker in markers} | set(STREAMING_V2_MARKERS)
    chosen = selected_markers()
    assert b"/v2/realtime/token" not in chosen and b"configure_end_utterance_silence_threshold" not in chosen
    for marker in every:
        assert any(m in b"x = '" + marker + b"'" for m in chosen), marker


def test_every_file_the_engine_acts_on_mentions_assemblyai_evidence(monkeypatch):
    """ASSEMBLYAI_EVIDENCE may skip a file without parsing it only because the engine would
    leave it alone anyway: with the prefilter off, whatever the engine changes or notes
    holds one of those bytes."""
    import sysconfig
    import textwrap
    from pathlib import Path

    import migrator.engine.core as engine
    from migrator import migrate_source
    from migrator.markers import ASSEMBLYAI_EVIDENCE
    from migrator.rules import all_rules

    root = Path(__file__).resolve().parents[1]
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = [path.read_text() for path in sorted(root.glob("fixtures/*/*/*.py"))]
    sources += [textwrap.dedent(rule.example_before) for rule in all_rules()]
    sources += [(stdlib / name).read_text() for name in ("asyncio/base_events.py", "json/decoder.py", "http/client.py")]
    monkeypatch.setattr(engine, "needs_migration_scan", lambda source, rule_classes: True)
    acted_on = 0
    for source in sources:
        try:
            result = migrate_source(source)
        except engine.MigrationError:
            continue
        if result.changed or result.notes:
            acted_on += 1
            assert any(evidence.decode() in source for evidence in ASSEMBLYAI_EVIDENCE), source[:200]
    assert acted_on > 30
