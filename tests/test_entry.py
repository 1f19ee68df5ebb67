"""``migrate-stt``'s entry point (:mod:`migrator.entry`) answers runs with nothing to parse
without importing typer, rich, libcst or the rules, and prints exactly what the full command
line (:mod:`migrator.cli`) prints for the same arguments, with the same exit code. Both run
as subprocesses on the same files; no timing is asserted (``bench/`` measures it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from migrator.files import as_path_spells

V2_LINE = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'

#: The entry point run as the console script runs it; it then lists what was imported.
ENTRY = """
import os, sys
from migrator.entry import main
sys.argv = ["migrate-stt", *sys.argv[1:]]
try:
    main()
    code = 0
except SystemExit as exit:
    code = exit.code
sys.stdout.flush()
sys.stderr.flush()
with open(os.environ["IMPORTED_MODULES"], "w") as listing:
    listing.write("\\n".join(sorted(sys.modules)))
sys.exit(code)
"""

#: The command line alone, as it ran before the entry point existed.
FULL = """
import sys
from migrator.cli import main
sys.argv = ["migrate-stt", *sys.argv[1:]]
main()
"""

HEAVY = ("typer", "click", "rich", "libcst", "migrator.cli", "migrator.rules", "migrator.engine", "json")

#: Runs with nothing to parse: the entry point answers them itself.
NOTHING_TO_PARSE = [
    ["plain.py"],
    ["--check", "plain.py"],
    ["plain.py", "--check"],
    ["--diff", "plain.py"],
    ["--check", "--diff", "pkg"],
    ["pkg"],
    ["--check", "--exclude", "v2", "."],
    ["--exclude=v2", "--exclude", "b.py", "."],
    ["--exclude", "*/b.py", "pkg", "plain.py"],
    ["--select", "STT00", "--ignore", "STT001", "pkg/a.py"],
    ["--select=STT020,STT021", "--check", "pkg"],
    ["--select", "", "pkg"],
    ["--ignore", "stt0", "--select", "STT", "pkg"],
    ["-j", "2", "pkg"],
    ["-j2", "--check", "pkg"],
    ["--jobs=3", "pkg"],
    ["--jobs", "1", "pkg"],
    ["--", "pkg", "plain.py"],
    ["--check", "--", "--check"],
    ["pkg", "pkg/a.py", "pkg"],
    ["./pkg/", "pkg//a.py", "./plain.py"],
    ["empty"],
    ["--exclude", "--check", "pkg"],
]
NOTHING_TO_PARSE_JSON = [
    ["--format", "json", "pkg"],
    ["--format=json", "--check", "plain.py"],
    ["--format", "text", "--format", "json", "--diff", "pkg"],
]
#: Runs the entry point hands to the command line, which must then behave as it always did.
HANDED_OVER = [
    ["--check", "."],
    ["v2/client.py", "--check"],
    ["--diff", "v2"],
    ["--format", "json", "--check", "v2"],
    ["missing.py"],
    ["notes.txt"],
    ["--check", "missing_dir/"],
    [],
    ["--help"],
    ["-h", "pkg"],
    ["--version"],
    ["--version", "pkg"],
    ["--list-rules"],
    ["--select", "NOPE", "pkg"],
    ["--ignore", "STT999", "pkg"],
    ["--format", "yaml", "pkg"],
    ["--format", "JSON", "pkg"],
    ["--format"],
    ["-j", "0", "pkg"],
    ["-j", "x", "pkg"],
    ["-j=2", "pkg"],
    ["--jobs=", "pkg"],
    ["--jobs"],
    ["--check=1", "pkg"],
    ["--chek", "pkg"],
    ["-q", "pkg"],
    ["-", "pkg"],
    ["--", "-", "pkg"],
    ["--exclude"],
]


def make_project(root: Path, with_v2: bool) -> Path:
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "plain.py").write_text("print('hello')\n")
    (root / "notes.txt").write_text("audio_data and assemblyai, but not Python\n")
    (root / "pkg" / "a.py").write_text("import websocket\n\napp = websocket.WebSocketApp('wss://example.com')\n")
    (root / "pkg" / "b.py").write_text("def f():\n    return 1\n")
    (root / "pkg" / "sub" / "c.py").write_text("# run_forever, message_type: another service\n")
    (root / "pkg" / "sub" / "skipped.txt").write_text("x\n")
    (root / "empty").mkdir()
    (root / "--check").write_text("x = 1\n")
    if with_v2:
        (root / "v2").mkdir()
        (root / "v2" / "client.py").write_text(V2_LINE)
    return root


@pytest.fixture(params=[False, True], ids=["walked", "git"])
def project(request, tmp_path):
    root = make_project(tmp_path / "project", with_v2=True)
    if request.param:
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        (root / ".gitignore").write_text("ignored_*.py\n")
        (root / "pkg" / "ignored_x.py").write_text(V2_LINE)
    return root


def run(script: str, args: list, cwd: Path, listing: Path) -> tuple:
    completed = subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
        env=dict(os.environ, IMPORTED_MODULES=str(listing)),
    )
    return completed.returncode, completed.stdout, completed.stderr


def entry_and_full(args: list, cwd: Path, tmp_path: Path) -> tuple:
    listing = tmp_path / "imported.txt"
    entry = run(ENTRY, args, cwd, listing)
    imported = set(listing.read_text().split("\n"))
    full = run(FULL, args, cwd, listing)
    heavy = {name for name in HEAVY if any(m == name or m.startswith(name + ".") for m in imported)}
    return entry, full, heavy


@pytest.mark.parametrize("args", NOTHING_TO_PARSE + NOTHING_TO_PARSE_JSON, ids=" ".join)
def test_nothing_to_parse_is_answered_without_heavy_imports_and_as_the_command_line_answers(args, project, tmp_path):
    entry, full, heavy = entry_and_full(args, project, tmp_path)
    assert entry == full
    assert entry[0] == 0
    assert b"file(s) scanned: " in entry[2] or b'"unchanged": ' in entry[1]
    expected_heavy = {"json"} if args in NOTHING_TO_PARSE_JSON else set()
    assert heavy == expected_heavy


@pytest.mark.parametrize("args", HANDED_OVER, ids=lambda args: " ".join(args) or "no arguments")
def test_everything_else_is_the_command_line_s_answer(args, project, tmp_path):
    entry, full, heavy = entry_and_full(args, project, tmp_path)
    if args == ["--version"]:
        assert heavy == set()  # answered on the spot too
    else:
        assert "typer" in heavy
    assert entry == full


def test_the_answers_hold_exact_text(project, tmp_path):
    (code, stdout, stderr), _, _ = entry_and_full(["--check", "pkg", "plain.py"], project, tmp_path)
    assert (code, stdout) == (0, b"")
    assert stderr == (b"4 file(s) scanned: 0 would change, 4 unchanged, 0 failed\n")
    (code, stdout, stderr), _, _ = entry_and_full(["--format", "json", "pkg/b.py"], project, tmp_path)
    assert (code, stderr) == (0, b"")
    assert stdout == (
        b'{\n  "files": [],\n  "skipped": [],\n  "summary": {\n    "scanned": 1,\n    "changed": 0,\n'
        b'    "unchanged": 1,\n    "failed": 0,\n    "skipped": 0,\n    "rules_applied": {},\n    "notes": 0,\n'
        b'    "errors": 0\n  }\n}\n'
    )


def test_a_file_that_needs_parsing_is_migrated_through_the_entry_point(project, tmp_path):
    code, _, stderr = run(ENTRY, ["v2/client.py", "plain.py"], project, tmp_path / "imported.txt")
    assert code == 0
    assert b"migrated v2/client.py (STT001)" in stderr
    assert "/v3/ws" in (project / "v2" / "client.py").read_text()


@pytest.mark.parametrize(
    "raw", ["", ".", "./", "a", "a/", "a//b", "./a/./b/.", "/", "//", "///", "//a", "///a/b", "../a/..", "a/../b", "-"]
)
def test_paths_are_spelled_as_pathlib_spells_them(raw):
    assert as_path_spells(raw) == str(Path(raw))
