"""Migrated code passes the user's formatter and linter as the original did: on every fixture
and every generated variant, ``ruff check --select E,F,I,UP,B`` reports nothing on the output
that it did not report on the input, and a file black leaves alone is still one black leaves
alone after migrating (with the layout a black-formatted project gets)."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from functools import lru_cache
from pathlib import Path

import black
import pytest

from migrator import migrate_source
from migrator.engine.layout import Layout
from tests.test_fixtures import CASES, FIXTURES, load
from tests.variants.generate import all_variants
from tests.variants.support import load_known_failures
from tests.variants.test_static import _ruff

#: Tab-indented fixtures: black lays out only four-space indentation, so long lines the rewrite
#: writes there stay long (E501); every other finding is still compared.
TAB_INDENTED = {"websocket_client/formatting_quirks"}
RUFF_SELECTION = ["--select", "E,F,I,UP,B", "--target-version", "py39"]
BLACK_MODE = black.Mode(line_length=88, string_normalization=False)


def _sources() -> dict:
    """name -> (fixture id, v2 source) for every fixture that changes and every variant that
    migrates today."""
    sources = {}
    for case in CASES:
        if not load(case).get("unchanged"):
            sources[f"{case.parent.name}__{case.name}"] = (
                f"{case.parent.name}/{case.name}",
                (case / "input.py").read_text(),
            )
    known = load_known_failures()  # variants the migrator gets wrong today (tests/variants)
    for variant in all_variants():
        if (variant.id, "static") not in known and (variant.id, "verify") not in known:
            name = variant.id.replace("/", "__").replace(":", "__").replace("+", "_")
            sources[name] = (variant.case.id, variant.source)
    return sources


@lru_cache(maxsize=1)
def _migrated() -> dict:
    return {
        name: (fixture, source, migrate_source(source, path=f"{name}.py", layout=Layout()).code)
        for name, (fixture, source) in _sources().items()
    }


def _ruff_findings(directory: Path) -> dict:
    ruff = _ruff()
    if not ruff:
        pytest.skip("ruff is not installed")
    completed = subprocess.run(
        [ruff, "check", "--isolated", *RUFF_SELECTION, "--output-format", "json", "--exit-zero", str(directory)],
        capture_output=True,
        text=True,
        check=True,
    )
    findings: dict = {}
    for finding in json.loads(completed.stdout):
        findings.setdefault(Path(finding["filename"]).stem, Counter())[finding["code"] or "syntax"] += 1
    return findings


def test_ruff_finds_nothing_the_input_did_not_have(tmp_path):
    migrated = _migrated()
    (tmp_path / "before").mkdir()
    (tmp_path / "after").mkdir()
    for name, (_, source, output) in migrated.items():
        (tmp_path / "before" / f"{name}.py").write_text(source)
        (tmp_path / "after" / f"{name}.py").write_text(output)
    before, after = _ruff_findings(tmp_path / "before"), _ruff_findings(tmp_path / "after")
    new = {}
    for name, (fixture, _, _) in migrated.items():
        added = after.get(name, Counter()) - before.get(name, Counter())
        if fixture in TAB_INDENTED:
            added.pop("E501", None)
        if added:
            new[name] = dict(added)
    assert not new, new


@pytest.mark.parametrize("fixture", sorted(TAB_INDENTED))
def test_tab_indented_fixtures_exist(fixture):
    assert (FIXTURES / fixture / "input.py").read_text().startswith(("import", "#", '"""'))
    assert "\n\t" in (FIXTURES / fixture / "input.py").read_text()


def test_black_formatted_input_stays_black_formatted():
    """A project that formats with black: its (black-formatted) v2 file migrates to a file
    ``black --check`` still accepts."""
    unformatted = {}
    for name, (fixture, source) in _sources().items():
        if fixture in TAB_INDENTED:
            continue
        formatted = black.format_str(source, mode=BLACK_MODE)
        output = migrate_source(formatted, path=f"{name}.py", layout=Layout(formatted=True)).code
        if black.format_str(output, mode=BLACK_MODE) != output:
            unformatted[name] = _first_difference(output, black.format_str(output, mode=BLACK_MODE))
    assert not unformatted, unformatted


def test_long_changed_lines_are_wrapped_and_the_rest_left_alone():
    source = (
        "import json\n"
        "import websocket\n"
        "\n"
        "x = {'a':1}  # not ours: left exactly as it is\n"
        "\n"
        "\n"
        "def on_message(ws, message):\n"
        "    transcript = json.loads(message)\n"
        "    if transcript['message_type'] == 'FinalTranscript':\n"
        "        print(transcript['text'])\n"
        "\n"
        "\n"
        "ws = websocket.WebSocketApp(\n"
        "    'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000',\n"
        "    header={'Authorization': 'KEY'},\n"
        "    on_message=on_message,\n"
        ")\n"
        "ws.run_forever()\n"
    )
    output = migrate_source(source, path="script.py", layout=Layout(line_length=88)).code
    assert "x = {'a':1}  # not ours: left exactly as it is\n" in output
    assert max(len(line) for line in output.splitlines()) <= 88
    assert (
        '    "wss://streaming.assemblyai.com/v3/ws?"\n    + urlencode(\n        {\n            "sample_rate": 16000,\n'
    ) in output.replace("'", '"')


def test_a_changed_header_is_laid_out_and_the_users_own_definition_below_is_not():
    """The rewritten ``if`` header goes to black alone (over a body of ``pass``), and so do
    the statements under it; the user's own too-long def right below the change stays as it
    was (black reading the whole def for the blank line above it used to re-lay it)."""
    users_own = "def a_function_of_the_users_own(first_argument, second_argument, third_argument, fourth):\n"
    source = (
        "import json\n"
        "import websocket\n"
        "\n"
        "\n"
        "def on_message(ws, message):\n"
        "    transcript = json.loads(message)\n"
        "    if transcript['message_type'] == 'FinalTranscript' and transcript['text']:\n"
        "        print('the speaker finished a turn, and the last words of it were:', transcript['text'])\n"
        "\n"
        "\n"
        f"{users_own}"
        "    return first_argument\n"
        "\n"
        "\n"
        "ws = websocket.WebSocketApp('wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000', on_message=on_message)\n"
        "ws.run_forever()\n"
    )
    for layout in (Layout(line_length=88), Layout(line_length=88, formatted=True)):
        output = migrate_source(source, path="script.py", layout=layout).code
        assert (
            "    if (\n"
            "        transcript['type'] == 'Turn'\n"
            "        and transcript.get('end_of_turn')\n"
            "        and transcript.get('turn_is_formatted')\n"
            "        and transcript.get('transcript', '')\n"
            "    ):\n"
            "        print(\n"
            "            'the speaker finished a turn, and the last words of it were:',\n"
            "            transcript.get('transcript', ''),\n"
            "        )\n"
            "    elif transcript['type'] == \"Termination\":\n"
        ) in output
        assert f"\n\n\n{users_own}    return first_argument\n\n\n" in output


def _first_difference(output: str, formatted: str) -> str:
    for number, (mine, theirs) in enumerate(zip(output.splitlines(), formatted.splitlines()), start=1):
        if mine != theirs:
            return f"line {number}: {mine!r} -> {theirs!r}"
    return "line count differs"
