"""STT030 through the command line, on a small git repository: the manifest governing each
migrated file is shown in --diff, fails --check, is written in place, is reported in JSON and
as GitHub annotations, and --ignore STT030 leaves it alone."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from migrator import migrate_source

from .helpers import SDK_REASON, WEBSOCKETS_REASON

WEBSOCKETS_V2 = textwrap.dedent(
    """
    import websockets

    URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


    async def main(key):
        async with websockets.connect(URL, extra_headers=(("Authorization", key),)) as ws:
            print(await ws.recv())
    """
).lstrip()
SDK_V2 = textwrap.dedent(
    """
    import assemblyai as aai


    def stop(transcriber):
        if isinstance(transcriber, aai.RealtimeTranscriber):
            transcriber.close()
    """
).lstrip()
REQUIREMENTS = "# app\nassemblyai>=0.21.0  # the SDK\nwebsockets==10.4\n"
REQUIREMENTS_AFTER = "# app\nassemblyai>=0.64.16  # the SDK\nwebsockets>=14\n"


def cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "migrator", *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def repo(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "stream.py").write_text(WEBSOCKETS_V2)
    (tmp_path / "app" / "sdk.py").write_text(SDK_V2)
    (tmp_path / "requirements.txt").write_text(REQUIREMENTS)
    return tmp_path


def test_rules_record_what_their_rewrites_need():
    (websockets_need,) = migrate_source(WEBSOCKETS_V2).needs
    assert (websockets_need.package, websockets_need.specifier, websockets_need.pin_unpinned) == (
        "websockets",
        ">=14",
        True,
    )
    (sdk_need,) = migrate_source(SDK_V2).needs
    assert (sdk_need.package, sdk_need.specifier, sdk_need.reason) == ("assemblyai", ">=0.64.16", SDK_REASON)
    assert migrate_source(SDK_V2, select=["STT020"]).needs == [sdk_need]  # a rename alone needs it too
    assert migrate_source("print('v3')\n").needs == []


def test_diff_shows_the_manifest_and_check_fails_on_the_stale_pin(repo):
    result = cli("--diff", ".", cwd=repo)
    assert result.returncode == 0
    assert (repo / "requirements.txt").read_text() == REQUIREMENTS
    assert result.stdout.endswith(
        "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -1,3 +1,3 @@\n # app\n"
        "-assemblyai>=0.21.0  # the SDK\n-websockets==10.4\n+assemblyai>=0.64.16  # the SDK\n+websockets>=14\n"
    )
    assert "would migrate requirements.txt (STT030)\n" in result.stderr
    assert f"requirements.txt:3:11: STT030 websockets==10.4 -> websockets>=14: {WEBSOCKETS_REASON}\n" in result.stderr
    check = cli("--check", ".", cwd=repo)
    assert check.returncode == 1 and "would migrate requirements.txt (STT030)" in check.stderr


def test_written_in_place_then_nothing_left(repo):
    result = cli(".", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert (repo / "requirements.txt").read_text() == REQUIREMENTS_AFTER
    assert "migrated requirements.txt (STT030)" in result.stderr
    assert cli("--check", ".", cwd=repo).returncode == 0


def test_ignore_turns_it_off(repo):
    result = cli("--check", "--ignore", "STT030", ".", cwd=repo)
    assert result.returncode == 1
    assert "requirements.txt" not in result.stderr
    assert cli(".", "--ignore", "stt030", cwd=repo).returncode == 0
    assert (repo / "requirements.txt").read_text() == REQUIREMENTS


def test_json_lists_needs_and_the_manifest(repo):
    report = json.loads(cli("--check", "--format", "json", ".", cwd=repo).stdout)
    by_path = {entry["path"]: entry for entry in report["files"]}
    assert by_path["app/stream.py"]["needs"] == [
        {"package": "websockets", "specifier": ">=14", "reason": WEBSOCKETS_REASON, "pin_unpinned": True}
    ]
    assert by_path["requirements.txt"] == {
        "path": "requirements.txt",
        "status": "would_change",
        "rules_applied": ["STT030"],
        "notes": [
            {
                "code": "STT030",
                "severity": "warning",
                "line": 2,
                "column": 11,
                "message": f"assemblyai>=0.21.0 -> assemblyai>=0.64.16: {SDK_REASON}",
            },
            {
                "code": "STT030",
                "severity": "warning",
                "line": 3,
                "column": 11,
                "message": f"websockets==10.4 -> websockets>=14: {WEBSOCKETS_REASON}",
            },
        ],
    }
    assert report["summary"]["rules_applied"]["STT030"] == 1


def test_nearest_manifest_naming_the_library_governs_and_includes_are_followed(repo):
    (repo / "requirements.txt").write_text("-r requirements/base.txt\n")
    (repo / "requirements").mkdir()
    (repo / "requirements" / "base.txt").write_text("websockets>=10\n")
    (repo / "app" / "requirements.txt").write_text("assemblyai==0.30.0\npyaudio\n")
    assert cli(".", cwd=repo).returncode == 0
    assert (repo / "app" / "requirements.txt").read_text() == "assemblyai>=0.64.16\npyaudio\n"
    assert (repo / "requirements" / "base.txt").read_text() == "websockets>=14\n"
    assert (repo / "requirements.txt").read_text() == "-r requirements/base.txt\n"


def test_library_not_listed_is_noted_and_the_manifest_left_alone(repo):
    (repo / "requirements.txt").write_text("websockets>=14\n")
    result = cli("--check", "--format", "json", ".", cwd=repo)
    (entry,) = [entry for entry in json.loads(result.stdout)["files"] if entry["path"] == "requirements.txt"]
    assert entry["status"] == "unchanged" and "rules_applied" in entry and entry["rules_applied"] == []
    assert entry["notes"] == [
        {
            "code": "STT030",
            "severity": "warning",
            "line": 1,
            "column": 1,
            "message": f"assemblyai is not listed here, and app/sdk.py now needs assemblyai>=0.64.16: {SDK_REASON}",
        }
    ]


def test_search_stops_at_the_repository_root(tmp_path):
    (tmp_path / "requirements.txt").write_text("assemblyai==0.30.0\n")  # outside the repository
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "sdk.py").write_text(SDK_V2)
    assert cli(".", cwd=repo).returncode == 0
    assert (tmp_path / "requirements.txt").read_text() == "assemblyai==0.30.0\n"


def test_broken_manifest_is_a_reported_failure_not_a_traceback(repo):
    (repo / "pyproject.toml").write_text("[project\n")
    result = cli("--check", ".", cwd=repo)
    assert result.returncode == 2
    assert "error: pyproject.toml: cannot parse:" in result.stderr and "Traceback" not in result.stderr
    assert (repo / "requirements.txt").read_text() == REQUIREMENTS


def test_github_format_exact_lines(repo):
    (repo / "app" / "sdk.py").unlink()
    result = cli("--check", "--format", "github", ".", cwd=repo)
    assert result.returncode == 1
    codes = "STT001%2C STT010"
    assert result.stdout.splitlines() == [
        f"::warning file=app/stream.py,line=1,col=1,title={codes}::still uses AssemblyAI Streaming v2 "
        "(STT001, STT010): run migrate-stt on it",
        '::warning file=app/stream.py,line=7,col=5,title=STT011::v3 bills until the session ends: send {"type": '
        '"Terminate"} and read until Termination before this connection closes',
        "::warning file=requirements.txt,line=3,col=1,title=STT030::needs updating for the migrated code (STT030): "
        "run migrate-stt on it",
        f"::warning file=requirements.txt,line=3,col=11,title=STT030::websockets==10.4 -> websockets>=14: "
        f"{WEBSOCKETS_REASON}",
    ]
    assert (repo / "requirements.txt").read_text() == REQUIREMENTS
