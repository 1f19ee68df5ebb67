"""Golden-file tests: every fixture's input migrates to exactly its expected output,
which compiles and is left unchanged by a second run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migrator import migrate_source
from migrator.engine.layout import Layout

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = sorted(path.parent for path in FIXTURES.glob("*/*/input.py"))


def case_id(case: Path) -> str:
    return f"{case.parent.name}/{case.name}"


def load(case: Path) -> dict:
    meta_path = case / "case.json"
    return json.loads(meta_path.read_text()) if meta_path.exists() else {}


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_input_migrates_to_expected(case: Path):
    meta = load(case)
    source = (case / "input.py").read_bytes()
    result = migrate_source(source, path=str(case / "input.py"), layout=Layout())
    if meta.get("unchanged"):
        assert not result.changed
        assert not (case / "expected.py").exists()
    else:
        assert result.migrated == (case / "expected.py").read_bytes()
    assert [[note.line, note.code] for note in result.notes] == meta.get("notes", [])


@pytest.mark.parametrize("case", [c for c in CASES if (c / "expected.py").exists()], ids=case_id)
def test_expected_compiles_and_is_idempotent(case: Path):
    expected = (case / "expected.py").read_bytes()
    compile(expected, str(case / "expected.py"), "exec")
    again = migrate_source(expected, path=str(case / "expected.py"), layout=Layout())
    assert again.migrated == expected


def test_every_fixture_has_a_case_file():
    assert CASES, "no fixtures found"
    for case in CASES:
        assert (case / "case.json").exists(), case


@pytest.mark.parametrize("case", [c for c in CASES if (c / "expected.py").exists()], ids=case_id)
def test_every_note_points_at_its_comment_in_the_written_file(case: Path):
    result = migrate_source((case / "input.py").read_bytes(), path=str(case / "input.py"), layout=Layout())
    lines = result.code.splitlines()
    for note in result.notes:
        line = lines[note.line - 1]
        assert line[note.column - 1 :].startswith(f"# migrate-stt({note.code}"), (note, line)
        assert note.original_line is not None
