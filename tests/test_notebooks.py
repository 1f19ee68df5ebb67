"""Jupyter notebooks: code cells migrate as one program, only the changed sources are written
back (in the notebook's own JSON layout), IPython syntax survives byte for byte, and the CLI
(check, diff, JSON, directories, --verify) treats a notebook like a script.

Run: ``.venv/bin/python -m pytest -q tests/test_notebooks.py``
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from migrator.engine.layout import Layout
from migrator.files import find
from migrator.notebooks import (
    UNPARSABLE_CELL,
    is_cell_magic,
    is_ipython_line,
    mask_ipython,
    migrate_notebook,
    pip_install_lines,
    read_notebook,
    replace_cell_sources,
    unmask_ipython,
)
from tests.migration_checks import V2_LINE, V3_LINE

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "fixtures" / "notebooks"
CASES = sorted(path.parent.name for path in NOTEBOOKS.glob("*/input.ipynb"))
V2_URL = V2_LINE.rstrip("\n")
#: The v3 line as the CLI writes it in a project with no formatter configured (88 columns).
V3_URL = V3_LINE.rstrip("\n")


def cli(*args, cwd=None, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "migrator", *map(str, args)], cwd=cwd, capture_output=True, timeout=timeout
    )


def notebook(*cells, minor=5) -> str:
    """A notebook as Jupyter writes it, from ("code"|"markdown", source, id) triples."""
    made = []
    for kind, source, cell_id in cells:
        if kind == "code":
            cell = nbformat.v4.new_code_cell(source, id=cell_id)
        else:
            cell = nbformat.v4.new_markdown_cell(source, id=cell_id)
        made.append(cell)
    node = nbformat.v4.new_notebook(
        cells=made, metadata={"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
    )
    node.nbformat_minor = minor
    nbformat.validate(node)
    return nbformat.writes(node) + "\n"


def code_cells(data: bytes) -> list:
    return [cell.source for cell in read_notebook(data).cells if cell.cell_type == "code"]


def as_script(data: bytes) -> str:
    """The Python of a notebook's code cells joined by newlines: cell magics and lines of
    IPython syntax dropped, and cells left empty by that too."""
    kept = []
    for source in code_cells(data):
        if is_cell_magic(source):
            continue
        lines = [line for line in source.split("\n") if not is_ipython_line(line)]
        if any(lines) or not source:
            kept.append("\n".join(lines))
    return "\n".join(kept) + "\n"


# --------------------------------------------------------------------------- fixtures


@pytest.mark.parametrize("case", CASES)
def test_fixture_migrates_to_expected(case):
    source = (NOTEBOOKS / case / "input.ipynb").read_bytes()
    result = migrate_notebook(source, path=f"{case}/input.ipynb", layout=Layout())
    expected = NOTEBOOKS / case / "expected.ipynb"
    if expected.exists():
        assert result.migrated == expected.read_bytes()
    else:  # no v2 code: left byte-identical
        assert result.migrated == source and not result.changed and result.notes == []


@pytest.mark.parametrize("case", [c for c in CASES if (NOTEBOOKS / c / "expected.ipynb").exists()])
def test_expected_validates_and_is_idempotent(case):
    expected = (NOTEBOOKS / case / "expected.ipynb").read_bytes()
    nbformat.validate(nbformat.reads(expected.decode(), as_version=nbformat.NO_CONVERT))
    again = migrate_notebook(expected, path="expected.ipynb", layout=Layout())
    assert again.migrated == expected


@pytest.mark.parametrize(
    "case, script",
    [("sdk_cells", "sdk/docs_microphone"), ("colab_websocket_client", "websocket_client/getting_started")],
)
def test_cells_migrate_as_the_script_they_split(case, script):
    """The notebooks are their scripts cut into cells (handlers in one cell, registered in a
    later one): joined again, the migrated cells are exactly the migrated script."""
    source = (NOTEBOOKS / case / "input.ipynb").read_bytes()
    assert as_script(source) == (ROOT / "fixtures" / script / "input.py").read_text()
    migrated = (NOTEBOOKS / case / "expected.ipynb").read_bytes()
    assert as_script(migrated) == (ROOT / "fixtures" / script / "expected.py").read_text()


def test_top_level_await_notebook_migrates_like_the_asyncio_script():
    migrated = code_cells((NOTEBOOKS / "websockets_await" / "expected.ipynb").read_bytes())
    script = (ROOT / "fixtures" / "websockets" / "tutorial" / "expected.py").read_text()
    before_entry = script[: script.index("try:\n    asyncio.run(send_receive())")]
    assert "\n".join(migrated[:-1]) + "\n" == before_entry
    assert migrated[-1] == "await send_receive()"


def test_sdk_handlers_in_earlier_cells_take_the_client():
    cells = code_cells((NOTEBOOKS / "sdk_cells" / "expected.ipynb").read_bytes())
    assert cells[1].splitlines()[0] == "def on_open(client, session_opened: BeginEvent):"
    assert cells[4].splitlines()[0] == "def on_close(client, event):"
    assert "transcriber.on(StreamingEvents.Turn, on_data)" in cells[5]
    # the new imports and the microphone helper join the cell holding the imports
    assert cells[0].startswith("# migrate-stt(STT020, info): ")
    assert "from assemblyai.streaming.v3 import (\n" in cells[0]
    assert "def microphone_chunks(sample_rate=16_000):" in cells[0]


def _outside_sources(text: str, cells) -> str:
    pieces, at = [], 0
    for cell in cells:
        pieces.append(text[at : cell.span[0]])
        at = cell.span[1]
    return "".join(pieces) + text[at:]


@pytest.mark.parametrize("case", [c for c in CASES if (NOTEBOOKS / c / "expected.ipynb").exists()])
def test_json_differs_only_in_changed_source_lines(case):
    before_text = (NOTEBOOKS / case / "input.ipynb").read_text()
    after_text = (NOTEBOOKS / case / "expected.ipynb").read_text()
    before, after = read_notebook(before_text), read_notebook(after_text)
    # every byte outside the cells' sources is kept: ids, metadata, outputs, counts, key order,
    # indentation, the final newline (or its absence)
    assert _outside_sources(before_text, before.cells) == _outside_sources(after_text, after.cells)
    assert after_text.endswith("\n") == before_text.endswith("\n")
    changed = 0
    for old, new in zip(before.cells, after.cells):
        old_json = before_text[slice(*old.span)]
        new_json = after_text[slice(*new.span)]
        if old.source == new.source:
            assert old_json == new_json
            continue
        changed += 1
        assert new.cell_type == "code"
        # a list of lines stays one, each unchanged line spelled as it was, one line per item
        old_items, new_items = old_json.splitlines(), new_json.splitlines()
        assert old_items[0] == new_items[0] == "["
        assert old_items[-1] == new_items[-1]
        kept_lines = set(new.source.splitlines(keepends=True))
        new_items = {item.rstrip(",") for item in new_items}
        for item in old_items[1:-1]:
            if json.loads(item.strip().rstrip(",")) in kept_lines:
                assert item.rstrip(",") in new_items
    assert changed > 0


def test_colab_magics_and_outputs_are_kept_byte_for_byte():
    before = read_notebook((NOTEBOOKS / "colab_websocket_client" / "input.ipynb").read_bytes())
    after = read_notebook((NOTEBOOKS / "colab_websocket_client" / "expected.ipynb").read_bytes())
    by_id = {cell.cell_id: cell.source for cell in after.cells}
    assert by_id["install"] == "%%capture\n!pip install assemblyai websocket-client pyaudio"
    assert by_id["system"] == "!apt-get install -qq portaudio19-dev\n%env PYTHONUNBUFFERED=1"
    assert by_id["mic-permission"] == "%%javascript\nnavigator.mediaDevices.getUserMedia({audio: true});"
    assert by_id["imports"].endswith(
        "import time\nfrom urllib.parse import urlencode\n\nimport pyaudio\nimport websocket\n\n%matplotlib inline"
    )
    assert "\nFRAMES_PER_BUFFER?" in by_id["settings"]
    assert after.node["cells"][7]["outputs"] == before.node["cells"][7]["outputs"]  # the image output
    assert list(after.node) == ["nbformat", "nbformat_minor", "metadata", "cells"]


def test_no_v2_notebook_is_left_byte_identical_through_the_cli(tmp_path):
    shutil.copy(NOTEBOOKS / "no_v2" / "input.ipynb", tmp_path / "v3.ipynb")
    before = (tmp_path / "v3.ipynb").read_bytes()
    result = cli("v3.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "v3.ipynb").read_bytes() == before
    assert b"1 file(s) scanned: 0 changed, 1 unchanged, 0 failed" in result.stderr


# --------------------------------------------------------------------------- IPython syntax


TRICKY_CELL = """\
import os
!pip install \\
    assemblyai
files = !ls
%time x = 1
os.path?
??os
if True:
    !echo inside
    %env A=1
text = \"\"\"
not a magic
\"\"\""""


def test_masking_gives_python_and_restores_every_byte():
    cell = read_notebook(notebook(("code", TRICKY_CELL, "t"))).cells[0]
    masked = mask_ipython(cell, iter(range(100)))
    compile(masked.code, "<cell>", "exec")
    assert len(masked.code.splitlines()) == len(TRICKY_CELL.splitlines())
    assert len(masked.masked) == 8
    assert unmask_ipython(masked.code, masked.masked) == TRICKY_CELL


def test_masked_line_follows_a_rewrite_into_a_block():
    cell = read_notebook(notebook(("code", "!echo hi\nx = 1", "t"))).cells[0]
    masked = mask_ipython(cell, iter(range(100)))
    moved = "if True:\n    " + masked.code.replace("\n", "\n    ")
    assert unmask_ipython(moved, masked.masked) == "if True:\n    !echo hi\n    x = 1"


def test_cell_that_parses_is_never_masked():
    source = "y = (2\n% 3)\n"
    cell = read_notebook(notebook(("code", source, "t"))).cells[0]
    assert mask_ipython(cell, iter(range(10))).code == source


def test_magic_inside_a_migrated_function_stays_in_place():
    handler = (
        "def on_message(ws, message):\n"
        "    !echo message\n"
        "    transcript = json.loads(message)\n"
        '    if transcript["message_type"] == "FinalTranscript":\n'
        '        print(transcript["text"])'
    )
    text = notebook(
        ("code", "import json\nimport websocket", "a"),
        ("code", handler, "b"),
        ("code", f"ws = websocket.WebSocketApp({V2_URL[6:]}, on_message=on_message)", "c"),
    )
    result = migrate_notebook(text.encode(), path="nb.ipynb")
    cells = code_cells(result.migrated)
    assert cells[1].splitlines()[:2] == ["def on_message(ws, message):", "    !echo message"]
    assert "FinalTranscript" not in cells[1]


def test_unparsable_cell_is_left_alone_with_a_note(tmp_path):
    text = notebook(
        ("markdown", "# notes", "m"),
        ("code", V2_URL, "url"),
        ("code", "def broken(:\n    pass", "bad"),
        ("code", "print(URL)", "use"),
    )
    (tmp_path / "nb.ipynb").write_text(text)
    result = migrate_notebook(text.encode(), path="nb.ipynb", layout=Layout())
    cells = code_cells(result.migrated)
    assert cells == ["from urllib.parse import urlencode\n" + V3_URL, "def broken(:\n    pass", "print(URL)"]
    (note,) = result.notes
    assert (note.code, note.cell, note.cell_id, note.line) == (UNPARSABLE_CELL, 3, "bad", 1)
    shown = cli("nb.ipynb", cwd=tmp_path)
    assert shown.returncode == 0
    assert b"nb.ipynb:cell 3:1:" in shown.stderr and UNPARSABLE_CELL.encode() in shown.stderr
    assert code_cells((tmp_path / "nb.ipynb").read_bytes()) == cells


# --------------------------------------------------------------------------- writing back


def test_sources_keep_their_shape():
    text = notebook(("code", "a = 1\nb = 2", "x"), ("code", "", "e"), ("code", "c = 3", "s"))
    node = json.loads(text)
    node["cells"][2]["source"] = "c = 3"  # a plain string, as the schema allows
    text = json.dumps(node, indent=1, sort_keys=True) + "\n"
    read = read_notebook(text)
    written = replace_cell_sources(read, {0: "a = 1\nb = 20\n", 1: "import os", 2: "c = 30\nd = 4"})
    nbformat.validate(nbformat.reads(written, as_version=nbformat.NO_CONVERT))
    cells = json.loads(written)["cells"]
    assert cells[0]["source"] == ["a = 1\n", "b = 20\n"]
    assert cells[1]["source"] == ["import os"]
    assert cells[2]["source"] == "c = 30\nd = 4"
    assert '   "source": [\n    "a = 1\\n",\n    "b = 20\\n"\n   ]' in written
    assert '   "source": [\n    "import os"\n   ]' in written


def test_pip_install_lines_with_their_positions():
    read = read_notebook((NOTEBOOKS / "colab_websocket_client" / "input.ipynb").read_bytes())
    found = [(p.cell, p.cell_id, p.line, p.text) for p in pip_install_lines(read)]
    assert found == [(1, "install", 2, "!pip install assemblyai websocket-client pyaudio")]
    cell = read_notebook(notebook(("code", "x = 1\n%pip install -q \\\n  assemblyai==0.30.0", "p")))
    assert [(p.line, p.text) for p in pip_install_lines(cell)] == [(2, "%pip install -q \\\n  assemblyai==0.30.0")]


# --------------------------------------------------------------------------- command line


SMALL = notebook(
    ("markdown", "# A v2 notebook", "intro"),
    ("code", "!pip install websocket-client\n" + V2_URL, "setup"),
    ("code", "print(URL)", "show"),
)


def test_check_and_diff_on_a_notebook(tmp_path):
    (tmp_path / "nb.ipynb").write_text(SMALL)
    check = cli("--check", "nb.ipynb", cwd=tmp_path)
    assert check.returncode == 1
    assert b"would migrate nb.ipynb (STT001)" in check.stderr
    diff = cli("--diff", "nb.ipynb", cwd=tmp_path)
    assert diff.returncode == 0
    assert diff.stdout.decode() == (
        "--- a/nb.ipynb\n"
        "+++ b/nb.ipynb\n"
        "@@ -1,2 +1,9 @@ cell 2 (id setup)\n"
        "+from urllib.parse import urlencode\n"
        " !pip install websocket-client\n"
        f"-{V2_URL}\n" + "".join(f"+{line}\n" for line in V3_URL.splitlines())
    )
    assert (tmp_path / "nb.ipynb").read_text() == SMALL
    both = cli("--check", "--diff", "nb.ipynb", cwd=tmp_path)
    assert both.returncode == 1 and both.stdout == diff.stdout
    assert cli("nb.ipynb", cwd=tmp_path).returncode == 0
    assert cli("--check", "nb.ipynb", cwd=tmp_path).returncode == 0
    written = (tmp_path / "nb.ipynb").read_text()
    assert written == SMALL.replace(
        '    "!pip install websocket-client\\n",\n',
        '    "from urllib.parse import urlencode\\n",\n    "!pip install websocket-client\\n",\n',
    ).replace(json.dumps(V2_URL), _source_lines(V3_URL))


def _source_lines(text: str) -> str:
    """``text`` as the items of a cell's ``source`` list, as the notebook's JSON lays them out."""
    lines = text.splitlines()
    return ",\n    ".join([json.dumps(line + "\n") for line in lines[:-1]] + [json.dumps(lines[-1])])


def test_json_format_names_the_cell(tmp_path):
    (tmp_path / "nb.ipynb").write_text(
        notebook(
            ("markdown", "m", "m"),
            ("code", "import assemblyai as aai\n", "imp"),
            ("code", "aai.RealtimeTranscriber(on_data=print, sample_rate=16000)", "t"),
        )
    )
    result = cli("--diff", "--format", "json", "nb.ipynb", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["status"] == "would_change"
    assert {(note["code"], note["cell"], note["cell_id"]) for note in entry["notes"]} >= {("STT021", 3, "t")}
    assert "@@ " in entry["diff"] and "cell 3 (id t)" in entry["diff"]


def test_select_and_ignore_apply_to_notebooks(tmp_path):
    text = notebook(
        ("code", "import json\n" + V2_URL, "a"),
        (
            "code",
            'def on_message(ws, m):\n    if json.loads(m)["message_type"] == "FinalTranscript":\n        pass',
            "b",
        ),
    )
    only_url = migrate_notebook(text.encode(), select=["STT001"])
    assert only_url.rules_applied == ["STT001"]
    assert "FinalTranscript" in code_cells(only_url.migrated)[1]
    no_url = migrate_notebook(text.encode(), ignore=["STT001"])
    assert "STT001" not in no_url.rules_applied and V2_URL in code_cells(no_url.migrated)[0]


def test_broken_notebook_is_reported_and_left_as_it_was(tmp_path):
    (tmp_path / "bad.ipynb").write_text('{"cells": [{"source": "FinalTranscript"')
    (tmp_path / "old.ipynb").write_text(json.dumps({"nbformat": 3, "worksheets": [], "x": "FinalTranscript"}))
    result = cli("bad.ipynb", "old.ipynb", cwd=tmp_path)
    assert result.returncode == 2
    assert b"error: bad.ipynb: not a notebook: invalid JSON" in result.stderr
    assert b"error: old.ipynb: only nbformat 4 notebooks are supported" in result.stderr
    assert (tmp_path / "bad.ipynb").read_text() == '{"cells": [{"source": "FinalTranscript"'


def test_other_kernels_are_left_alone():
    text = json.loads(SMALL)
    text["metadata"] = {"kernelspec": {"display_name": "R", "language": "R", "name": "ir"}}
    data = json.dumps(text).encode()
    assert not migrate_notebook(data).changed


@pytest.mark.parametrize("use_git", [True, False])
def test_directory_runs_find_notebooks(tmp_path, use_git):
    if use_git:
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "nb.ipynb").write_text(SMALL)
    (tmp_path / "script.py").write_text(V2_URL + "\n")
    (tmp_path / "notes.txt").write_text(V2_URL + "\n")
    for skipped in (".ipynb_checkpoints", ".venv"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "nb-checkpoint.ipynb").write_text(SMALL)
    found = find([str(tmp_path)], markers=(b"/v2/realtime",), use_git=use_git)
    names = sorted(Path(path).name for path in found.files)
    assert names == ["nb.ipynb", "script.py"]
    assert {Path(path).name for path in found.candidates} == {"nb.ipynb", "script.py"}
    if use_git:
        result = cli(".", cwd=tmp_path)
        assert result.returncode == 0
        assert b"migrated nb.ipynb (STT001)" in result.stderr
        assert b"2 file(s) scanned: 2 changed" in result.stderr
        assert (tmp_path / ".ipynb_checkpoints" / "nb-checkpoint.ipynb").read_text() == SMALL


# --------------------------------------------------------------------------- --verify


@pytest.mark.timeout(200)
@pytest.mark.parametrize("case", ["colab_websocket_client", "websockets_await"])
def test_verify_runs_the_migrated_notebook_against_the_emulator(tmp_path, case):
    shutil.copy(NOTEBOOKS / case / "input.ipynb", tmp_path / "stream.ipynb")
    result = cli("stream.ipynb", "--verify", "--format", "json", cwd=tmp_path, timeout=180)
    assert result.returncode == 0, result.stderr.decode()
    (entry,) = json.loads(result.stdout)["files"]
    assert entry["status"] == "changed"
    checks = {check["name"]: check["passed"] for check in entry["verify"]["checks"]}
    assert checks == {
        "connected_v3": True,
        "binary_audio_only": True,
        "frame_duration": True,
        "realtime_pace": True,
        "finals_printed_once": True,
        "terminate_sent": True,
        "termination_awaited": True,
        "clean_exit": True,
        "no_v2_messages": True,
        "same_finals_as_v2": True,
    }
    assert (tmp_path / "stream.ipynb").read_bytes() == (NOTEBOOKS / case / "expected.ipynb").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stream.ipynb"], "temporary scripts must be removed"
