"""The engine's guarantees, independent of any one rule."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst
import pytest

import migrator.engine.core as engine
from migrator import MigrationError, migrate_source
from migrator.rules.base import Rule
from migrator.runner import Options, run


class _BreaksCode(Rule):
    code: ClassVar[str] = "STT900"
    markers: ClassVar[tuple] = (b"x",)

    def rewrite_SimpleStatementLine(self, original, updated):
        return cst.parse_statement("return 1")  # parses, but never compiles at module level


class _Crashes(Rule):
    code: ClassVar[str] = "STT901"
    markers: ClassVar[tuple] = (b"boom",)

    def collect_Name(self, node):
        if node.value == "boom":
            raise RuntimeError("rule bug")


def test_file_without_markers_is_not_parsed():
    result = migrate_source(b"def (:\n")  # would not even parse
    assert not result.parsed and not result.changed


def test_unparsable_file_raises_migration_error():
    with pytest.raises(MigrationError, match="cannot parse"):
        migrate_source(b'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1"\ndef (:\n')


def test_rewrite_that_does_not_compile_is_refused(monkeypatch):
    monkeypatch.setattr(engine, "select_rules", lambda select, ignore: (_BreaksCode,))
    with pytest.raises(MigrationError, match="does not compile"):
        migrate_source(b'x = 1\nURL = "wss://api.assemblyai.com/v2/realtime/ws"\n')


def test_a_crashing_rule_fails_its_file_only(tmp_path, monkeypatch):

    monkeypatch.setattr(engine, "select_rules", lambda select, ignore: (_Crashes,))
    monkeypatch.setattr("migrator.runner.selected_markers", lambda select, ignore: _Crashes.markers)
    bad, good = tmp_path / "bad.py", tmp_path / "good.py"
    bad.write_text("boom = 1  # assemblyai\n")
    good.write_text("fine = 1  # assemblyai, boom-free? no: mentions boom in a comment\n")
    outcomes = run([str(bad), str(good)], Options(write=False), jobs=1)
    assert outcomes[0].status == "failed" and "internal error (RuntimeError: rule bug)" in outcomes[0].error
    assert outcomes[1].status == "unchanged"
    assert bad.read_text() == "boom = 1  # assemblyai\n"


def test_text_input_and_bytes_input_agree():
    source = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'
    assert migrate_source(source).migrated == migrate_source(source.encode()).migrated


def test_missing_final_newline_and_tabs_survive():
    source = 'import json\ndef f(message):\n\tm = json.loads(message)\n\tprint(m["message_type"] == "SessionBegins")'
    result = migrate_source(source)
    assert '\tprint(m["type"] == "Begin")' in result.code
    assert not result.code.endswith("\n")


def test_parallel_run_matches_serial(tmp_path, monkeypatch):
    import migrator.runner

    monkeypatch.setattr(migrator.runner, "POOL_MIN_BYTES", 0)  # these files alone would not start a pool
    files = []
    for index in range(12):
        path = tmp_path / f"c{index}.py"
        path.write_text(f'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate={8000 + index}"\n')
        files.append(str(path))
    serial = run(files, Options(write=False, diff=True), jobs=1)
    parallel = run(files, Options(write=False, diff=True), jobs=2)
    assert [o.diff for o in serial] == [o.diff for o in parallel]
    assert all(o.status == "changed" for o in parallel)


def test_sdk_rules_are_left_out_only_where_they_would_do_nothing(monkeypatch):
    """SdkRule.applies_to skips files that mention assemblyai only in a host name; with the
    skip off, the SDK rules change and note nothing more on any fixture."""
    from pathlib import Path

    from migrator.rules.sdk.plan import SdkRule

    fixtures = sorted(Path(__file__).resolve().parents[1].glob("fixtures/*/*/input.py"))
    skipped = [path for path in fixtures if not SdkRule.applies_to(path.read_bytes())]
    assert skipped  # the websocket scripts
    monkeypatch.setattr(SdkRule, "applies_to", classmethod(lambda cls, source: True))
    for path in skipped:
        result = migrate_source(path.read_bytes(), select=["STT02"])
        assert not result.changed and not result.notes, path
