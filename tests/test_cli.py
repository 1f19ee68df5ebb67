"""The command line, driven as a user drives it: a subprocess, real files, exact exit codes."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.migration_checks import V2_LINE, V3_LINE

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "websocket_client"


def cli(*args, cwd=None, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "migrator", *map(str, args)],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture
def project(tmp_path):
    (tmp_path / "client.py").write_text(V2_LINE)
    (tmp_path / "plain.py").write_text("print('hello')\n")
    return tmp_path


def test_rewrites_in_place_and_reports(project):
    result = cli("client.py", "plain.py", cwd=project)
    assert result.returncode == 0
    assert (project / "client.py").read_text() == "from urllib.parse import urlencode\n" + V3_LINE
    assert (project / "plain.py").read_text() == "print('hello')\n"
    assert result.stdout == b""
    assert b"migrated client.py (STT001)" in result.stderr
    assert b"2 file(s) scanned: 1 changed, 1 unchanged, 0 failed" in result.stderr


def test_check_writes_nothing_and_exits_1(project):
    result = cli("--check", "client.py", cwd=project)
    assert result.returncode == 1
    assert (project / "client.py").read_text() == V2_LINE
    assert b"would migrate client.py" in result.stderr


def test_check_on_migrated_code_exits_0(project):
    assert cli("client.py", cwd=project).returncode == 0
    assert cli("--check", "client.py", cwd=project).returncode == 0


def test_diff_in_either_position_applies_with_git_apply(project):
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    after = cli("client.py", "--diff", cwd=project)
    before = cli("--diff", "client.py", cwd=project)
    assert after.returncode == before.returncode == 0
    assert after.stdout == before.stdout
    assert after.stdout.startswith(b"--- a/client.py\n+++ b/client.py\n")
    assert (project / "client.py").read_text() == V2_LINE
    (project / "change.patch").write_bytes(after.stdout)
    subprocess.run(["git", "apply", "change.patch"], cwd=project, check=True)
    assert (project / "client.py").read_text() == "from urllib.parse import urlencode\n" + V3_LINE


def test_diff_keeps_brackets_and_marks_missing_final_newline(tmp_path):
    source = 'x: "list[str]" = []\nURL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"'
    (tmp_path / "c.py").write_text(source)
    (tmp_path / "in_place").mkdir()
    (tmp_path / "in_place" / "c.py").write_text(source)
    result = cli("--diff", "c.py", cwd=tmp_path)
    assert b"\\ No newline at end of file\n" in result.stdout
    assert b'+x: "list[str]" = []' not in result.stdout and b' x: "list[str]" = []' in result.stdout
    (tmp_path / "p.patch").write_bytes(result.stdout)
    subprocess.run(["patch", "-p1", "-i", "p.patch"], cwd=tmp_path, check=True, capture_output=True)
    assert cli("c.py", cwd=tmp_path / "in_place").returncode == 0
    assert (tmp_path / "c.py").read_bytes() == (tmp_path / "in_place" / "c.py").read_bytes()


def test_check_and_diff_together(project):
    result = cli("--check", "--diff", "client.py", cwd=project)
    assert result.returncode == 1
    assert result.stdout.startswith(b"--- a/client.py")
    assert (project / "client.py").read_text() == V2_LINE


def test_absolute_path_outside_the_working_directory(project, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    result = cli(project / "client.py", "--diff", cwd=elsewhere)
    assert result.returncode == 0
    assert result.stdout.startswith(f"--- {project / 'client.py'}".encode())


def test_stdin_to_stdout(tmp_path):
    result = cli("-", stdin=V2_LINE.encode(), cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.decode() == "from urllib.parse import urlencode\n" + V3_LINE


def test_stdin_check_exits_1():
    assert cli("--check", "-", stdin=V2_LINE.encode()).returncode == 1


def test_syntax_error_is_reported_and_others_still_migrated(project):
    (project / "broken.py").write_text("URL = 'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1'\ndef (:\n")
    result = cli(".", cwd=project)
    assert result.returncode == 2
    assert b"error: broken.py: cannot parse" in result.stderr
    assert (project / "broken.py").read_text().endswith("def (:\n")
    assert (project / "client.py").read_text().endswith(V3_LINE)


def test_missing_path_is_reported(project):
    result = cli("nope.py", "client.py", cwd=project)
    assert result.returncode == 2
    assert b"error: nope.py: no such file\n" in result.stderr
    assert (project / "client.py").read_text().endswith(V3_LINE)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_reported(project):
    (project / "client.py").chmod(0)
    result = cli("client.py", cwd=project)
    assert result.returncode == 2
    assert b"cannot read" in result.stderr


def test_undecodable_file_is_reported_and_left_alone(tmp_path):
    data = b"URL = 'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1'\nx = '\xff\xfe'\n"
    (tmp_path / "bad.py").write_bytes(data)
    result = cli("bad.py", cwd=tmp_path)
    assert result.returncode == 2
    assert b"error: bad.py: cannot parse" in result.stderr
    assert (tmp_path / "bad.py").read_bytes() == data


def test_latin1_coding_cookie_and_crlf_are_preserved(tmp_path):
    data = (
        "# -*- coding: latin-1 -*-\r\nNAME = 'caf\xe9'\r\n".encode("latin-1") + V2_LINE.replace("\n", "\r\n").encode()
    )
    (tmp_path / "l.py").write_bytes(data)
    assert cli("l.py", cwd=tmp_path).returncode == 0
    out = (tmp_path / "l.py").read_bytes()
    assert b"NAME = 'caf\xe9'\r\n" in out
    assert b"wss://streaming.assemblyai.com/v3/ws?" in out
    assert b"\n" not in out.replace(b"\r\n", b"")


def test_utf8_bom_is_preserved(tmp_path):
    (tmp_path / "b.py").write_bytes(b"\xef\xbb\xbf" + V2_LINE.encode())
    assert cli("b.py", cwd=tmp_path).returncode == 0
    assert (tmp_path / "b.py").read_bytes().startswith(b"\xef\xbb\xbf")


def test_file_mode_is_preserved(project):
    (project / "client.py").chmod(0o750)
    cli("client.py", cwd=project)
    assert (project / "client.py").stat().st_mode & 0o777 == 0o750


def test_directory_walk_skips_venvs_git_and_gitignored(tmp_path):
    for relative in (
        "app/a.py",
        ".venv/lib/b.py",
        "env/c.py",
        "node_modules/d.py",
        "ignored/e.py",
        "app/__pycache__/f.py",
    ):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(V2_LINE)
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr\n")
    (tmp_path / ".gitignore").write_text("ignored/\n")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    result = cli("--check", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert b"1 file(s) scanned" in result.stderr
    assert b"would migrate app/a.py" in result.stderr


def test_exclude_glob(tmp_path):
    for name in ("keep.py", "skip_me.py"):
        (tmp_path / name).write_text(V2_LINE)
    result = cli("--check", ".", "--exclude", "skip_*.py", cwd=tmp_path)
    assert b"1 file(s) scanned" in result.stderr


def test_select_and_ignore(project):
    (project / "t.py").write_text('import json\nws.send(json.dumps({"terminate_session": True}))\n' + V2_LINE)
    cli("t.py", "--select", "STT006", cwd=project)
    assert '"type": "Terminate"' in (project / "t.py").read_text()
    assert "v2/realtime" in (project / "t.py").read_text()
    cli("t.py", "--ignore", "STT006,STT002", cwd=project)
    assert "v3/ws" in (project / "t.py").read_text()


def test_unknown_rule_code_is_a_usage_error(project):
    result = cli("client.py", "--select", "STT999", cwd=project)
    assert result.returncode == 2
    assert b"unknown rule code" in result.stderr


def test_json_format_lists_rules_and_notes(project):
    (project / "n.py").write_text(V2_LINE + "def on_close(ws, code, msg):\n    assert code != 4031\n")
    result = cli("--check", "--format", "json", "n.py", "plain.py", cwd=project)
    report = json.loads(result.stdout)
    assert report["summary"] == {
        "scanned": 2,
        "would_change": 1,
        "unchanged": 1,
        "failed": 0,
        "skipped": 0,
        "rules_applied": {"STT001": 1},
        "notes": 1,
        "errors": 1,
    }
    (entry,) = report["files"]
    assert entry["path"] == "n.py" and entry["rules_applied"] == ["STT001"]
    assert entry["status"] == "would_change"
    (note,) = entry["notes"]
    # in the file as written (the URL is wrapped onto 7 lines, the note comment above the assert),
    # and where the compared code was in the file as read
    assert (note["line"], note["column"], note["code"], note["severity"]) == (10, 5, "STT009", "error")
    assert (note["original_line"], note["original_column"]) == (3, 20)


def test_notes_are_printed_at_their_line(project):
    (project / "n.py").write_text(V2_LINE + "def on_close(ws, code, msg):\n    assert code != 4031\n")
    result = cli("n.py", cwd=project)
    assert b"n.py:10:5: STT009 error: 4031 is a v2 close code" in result.stderr
    assert (project / "n.py").read_text().splitlines()[9].startswith("    # migrate-stt(STT009, error): 4031 is")


def test_list_rules_explain_version():
    rules = cli("--list-rules")
    assert rules.returncode == 0 and rules.stdout.startswith(b"STT001  endpoint-url")
    explain = cli("--explain", "stt001")
    assert explain.returncode == 0 and b"Before:" in explain.stdout and b"After:" in explain.stdout
    assert cli("--explain", "STT999").returncode == 2
    version = cli("--version")
    assert version.returncode == 0 and version.stdout.startswith(b"migrate-stt ")


def test_no_paths_is_a_usage_error():
    assert cli().returncode == 2


def test_getting_started_fixture_end_to_end(tmp_path):
    shutil.copy(FIXTURES / "getting_started" / "input.py", tmp_path / "script.py")
    assert cli("script.py", cwd=tmp_path).returncode == 0
    assert (tmp_path / "script.py").read_bytes() == (FIXTURES / "getting_started" / "expected.py").read_bytes()


def test_broken_symlink_is_reported(project):
    (project / "dangling.py").symlink_to(project / "gone.py")
    result = cli("dangling.py", "client.py", cwd=project)
    assert result.returncode == 2
    assert b"error: dangling.py: no such file" in result.stderr


def test_large_runs_stay_plain_when_piped(tmp_path):
    for index in range(250):
        (tmp_path / f"m{index}.py").write_text(f"x = {index}\n")
    (tmp_path / "client.py").write_text(V2_LINE)
    result = cli("--check", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert b"\x1b[" not in result.stderr and b"\x1b[" not in result.stdout
    assert b"251 file(s) scanned: 1 would change, 250 unchanged" in result.stderr


def test_diff_of_a_crlf_file_applies(tmp_path):
    source = (FIXTURES / "formatting_quirks" / "input.py").read_bytes()
    assert b"\r\n" in source
    for directory in ("patched", "in_place"):
        (tmp_path / directory).mkdir()
        (tmp_path / directory / "q.py").write_bytes(source)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path / "patched", check=True)
    diff = cli("--diff", "q.py", cwd=tmp_path / "patched").stdout
    (tmp_path / "patched" / "q.patch").write_bytes(diff)
    subprocess.run(["git", "apply", "q.patch"], cwd=tmp_path / "patched", check=True)
    cli("q.py", cwd=tmp_path / "in_place")
    assert (tmp_path / "patched" / "q.py").read_bytes() == (tmp_path / "in_place" / "q.py").read_bytes()
    assert (tmp_path / "in_place" / "q.py").read_bytes() == (
        FIXTURES / "formatting_quirks" / "expected.py"
    ).read_bytes()


#: Runs the command in-process, then says what it imported.
IMPORTS_OF_A_RUN = """
import sys
from migrator.cli import main
sys.argv = ["migrate-stt", *sys.argv[1:]]
try:
    main()
except SystemExit as exit:
    print(exit.code, *(name in sys.modules for name in ("libcst", "migrator.rules.base", "rich")))
"""


def imports_of_a_run(*args, cwd):
    result = subprocess.run([sys.executable, "-c", IMPORTS_OF_A_RUN, *args], cwd=cwd, capture_output=True, timeout=120)
    code, libcst, rules, rich = result.stdout.split()
    return int(code), {"libcst": libcst == b"True", "rules": rules == b"True", "rich": rich == b"True"}


@pytest.mark.parametrize("in_git", [False, True], ids=["walked", "git"])
def test_check_with_nothing_to_parse_never_imports_libcst_or_the_rules(tmp_path, in_git):
    for index in range(5):
        (tmp_path / "pkg" / f"m{index}.py").parent.mkdir(exist_ok=True)
        (tmp_path / "pkg" / f"m{index}.py").write_text(f"def f{index}():\n    return {index}\n")
    if in_git:
        subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    nothing = {"libcst": False, "rules": False, "rich": False}
    assert imports_of_a_run("--check", ".", cwd=tmp_path) == (0, nothing)
    assert imports_of_a_run("--check", "--select", "STT00", "--ignore", "STT001", "pkg/m0.py", cwd=tmp_path) == (
        0,
        nothing,
    )
    (tmp_path / "pkg" / "client.py").write_text(V2_LINE)
    assert imports_of_a_run("--check", ".", cwd=tmp_path) == (1, {"libcst": True, "rules": True, "rich": False})


def test_check_fails_while_an_error_note_is_left_and_reports_it_again(project):
    """Run 1 writes v3 code and an error-level note; run 2 (--check) finds nothing to rewrite
    but reads the note back, reports it as run 1 did, and fails until the comment is gone."""
    (project / "n.py").write_text(V2_LINE + "def on_close(ws, code, msg):\n    assert code != 4031\n")
    first = json.loads(cli("--format", "json", "n.py", cwd=project).stdout)["files"][0]["notes"]
    second = cli("--check", "--format", "json", "n.py", cwd=project)
    assert second.returncode == 1
    (entry,) = json.loads(second.stdout)["files"]
    assert entry["status"] == "unchanged"
    assert [{k: note[k] for k in ("code", "severity", "line", "column", "message")} for note in entry["notes"]] == [
        {k: note[k] for k in ("code", "severity", "line", "column", "message")} for note in first
    ]
    assert cli("--check", "--allow-notes", "n.py", cwd=project).returncode == 0
    text = (project / "n.py").read_text()
    (project / "n.py").write_text("".join(line for line in text.splitlines(True) if not line.lstrip().startswith("#")))
    assert cli("--check", "n.py", cwd=project).returncode == 0


def test_warning_notes_do_not_fail_the_check(project):
    (project / "w.py").write_text(
        "import websocket\n"
        'ws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000&word_boost=%5B%22a%22%5D", header={"Authorization": "k"})\n'
    )
    cli("w.py", cwd=project)
    result = cli("--check", "--format", "json", "w.py", cwd=project)
    notes = json.loads(result.stdout)["files"][0]["notes"]
    assert notes and {note["severity"] for note in notes} == {"warning"}
    assert result.returncode == 0


def test_json_status_says_would_change_under_check_and_diff_and_changed_when_written(project):
    def statuses(*args):
        report = json.loads(cli("--format", "json", *args, "client.py", cwd=project).stdout)
        return [entry["status"] for entry in report["files"]], sorted(report["summary"])

    keys = ["errors", "failed", "notes", "rules_applied", "scanned", "skipped", "unchanged"]
    assert statuses("--check") == (["would_change"], sorted([*keys, "would_change"]))
    assert statuses("--diff") == (["would_change"], sorted([*keys, "would_change"]))
    assert statuses() == (["changed"], sorted([*keys, "changed"]))
    stdin = json.loads(cli("--check", "--format", "json", "-", stdin=V2_LINE.encode()).stdout)
    assert stdin["files"][0]["status"] == "would_change" and stdin["summary"]["would_change"] == 1


def test_missing_path_suggests_a_close_match(project):
    (project / "scripts").mkdir()
    (project / "scripts" / "stream.py").write_text(V2_LINE)
    result = cli("clinet.py", "scirpts/straem.py", "elsewhere.py", cwd=project)
    assert result.returncode == 2
    assert result.stderr.decode().splitlines()[:3] == [
        "error: clinet.py: no such file (did you mean client.py?)",
        "error: scirpts/straem.py: no such file (did you mean scripts/stream.py?)",
        "error: elsewhere.py: no such file",
    ]
    assert (project / "client.py").read_text() == V2_LINE


def test_quiet_prints_only_errors(project):
    (project / "n.py").write_text(V2_LINE + "def on_close(ws, code, msg):\n    assert code != 4031\n")
    quiet = cli("-q", "client.py", "n.py", "missing.py", cwd=project)
    assert quiet.returncode == 2
    assert quiet.stderr == b"error: missing.py: no such file\n"
    assert (project / "client.py").read_text().endswith(V3_LINE)
    (project / "again.py").write_text(V2_LINE)
    check = cli("--quiet", "--check", "--diff", "again.py", cwd=project)
    assert check.returncode == 1 and check.stderr == b"" and check.stdout.startswith(b"--- a/again.py")


def test_summary_is_a_few_short_lines(tmp_path):
    for style in ("websocket_client", "websockets", "sdk"):
        for case in sorted((FIXTURES.parent / style).iterdir()):
            if (case / "input.py").is_file():
                shutil.copy(case / "input.py", tmp_path / f"{style}_{case.name}.py")
    result = cli("--check", ".", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    summary = lines[next(i for i, line in enumerate(lines) if " file(s) scanned: " in line) :]
    assert 3 <= len(summary) <= 6
    assert all(len(line) <= 88 for line in summary)
    assert summary[1].startswith("rules applied: STT001 x") and summary[2].startswith("  STT")
    assert re.fullmatch(r"\d+ note\(s\) to review \(\d+ error\(s\)\)", summary[-1])
    applied = " ".join(summary[1:-1]).replace("rules applied:", "").split(",")
    assert [item.split()[0] for item in applied] == sorted(item.split()[0] for item in applied)


def test_summary_of_a_run_with_nothing_to_do(tmp_path):
    (tmp_path / "plain.py").write_text("print('hello')\n")
    result = cli("plain.py", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stderr == b"1 file(s) scanned: 0 changed, 1 unchanged, 0 failed\n"


def test_help_has_readable_metavars_and_lists_exit_codes():
    result = subprocess.run(
        [sys.executable, "-m", "migrator", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": "100"},
    )
    assert result.returncode == 0
    text = result.stdout
    assert "<" not in text and "[x>=" not in text, text
    assert text.startswith("Usage: migrate-stt [OPTIONS] [PATH]...\n")
    for shown in ("--select CODES", "--exclude GLOB", "--format text|json", "-j, --jobs N", "-q, --quiet"):
        assert shown in text
    assert text.rstrip().endswith(
        "Exit codes:\n\n"
        "    0  done, or nothing to do\n"
        "    1  --check: a file would change, or an error-level note is left (see --allow-notes)\n"
        "    2  usage error, or a file could not be processed (the others still are)\n"
        "    3  --verify: a check failed"
    )
    zero_jobs = cli("-j", "0", "x.py")
    assert zero_jobs.returncode == 2 and b"0 is less than 1" in zero_jobs.stderr


def test_a_vendored_sdk_copy_is_skipped_with_a_note(tmp_path):
    sdk = tmp_path / "src" / "assemblyai-python-sdk"
    (sdk / "assemblyai").mkdir(parents=True)
    (sdk / "setup.py").write_text('from setuptools import setup\nsetup(name="assemblyai")\n')
    for name in ("__init__.py", "transcriber.py", "types.py"):
        (sdk / "assemblyai" / name).write_text(V2_LINE)
    (tmp_path / "client.py").write_text(V2_LINE)
    result = cli("--check", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.decode().splitlines()[:3] == [
        "skipped src/assemblyai-python-sdk: a copy of the assemblyai library itself (--include-vendored)",
        "would migrate client.py (STT001)",
        "1 file(s) scanned: 1 would change, 0 unchanged, 0 failed",
    ]
    report = json.loads(cli("--check", "--format", "json", ".", cwd=tmp_path).stdout)
    assert report["skipped"] == [{"path": "src/assemblyai-python-sdk", "reason": "vendored copy of assemblyai"}]
    included = cli("--check", "--include-vendored", ".", cwd=tmp_path)
    assert b"would migrate src/assemblyai-python-sdk/assemblyai/transcriber.py" in included.stderr
    assert b"skipped" not in included.stderr
