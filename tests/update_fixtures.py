"""Rewrite every fixture's ``expected.py`` and the notes in its ``case.json`` from what the
engine produces now: ``python -m tests.update_fixtures``. Review the git diff before committing:
the fixtures are the product's golden outputs."""

from __future__ import annotations

import json

from migrator import migrate_source
from migrator.engine.layout import Layout
from tests.test_fixtures import CASES, load


def main() -> None:
    for case in CASES:
        meta = load(case)
        result = migrate_source((case / "input.py").read_bytes(), path=str(case / "input.py"), layout=Layout())
        if not meta.get("unchanged"):
            (case / "expected.py").write_bytes(result.migrated)
        notes = [[note.line, note.code] for note in result.notes]
        if notes or "notes" in meta:
            meta["notes"] = notes
        (case / "case.json").write_text(json.dumps(meta) + "\n")


if __name__ == "__main__":
    main()
