"""``migrate-stt --verify``: the user-facing proof, driven as a subprocess against the
emulator the command starts itself."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

BROKEN_V3 = '''\
"""A v3 client that forgets to terminate: it just drops the socket on Ctrl-C."""
import os
import threading
import time

import pyaudio
import websocket

audio = pyaudio.PyAudio()
stream = audio.open(format=pyaudio.paInt16, channels=1, rate=16000, input=True, frames_per_buffer=800)
ws = websocket.WebSocketApp(
    "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000",
    header={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]},
    on_message=lambda ws, message: print(message),
)
threading.Thread(target=ws.run_forever, daemon=True).start()
time.sleep(0.5)
try:
    while True:
        ws.send(stream.read(800, exception_on_overflow=False), websocket.ABNF.OPCODE_BINARY)
except KeyboardInterrupt:
    ws.close()
'''


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "migrator", *map(str, args)], cwd=cwd, capture_output=True, timeout=180
    )


@pytest.mark.timeout(200)
def test_verify_migrates_then_proves_the_getting_started_script(tmp_path):
    shutil.copy(FIXTURES / "websocket_client" / "getting_started" / "input.py", tmp_path / "mic.py")
    result = cli("mic.py", "--verify", "--format", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    report = json.loads(result.stdout)
    (entry,) = report["files"]
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
    assert report["summary"]["verified"] == 1 and report["summary"]["verify_failed"] == 0
    assert (tmp_path / "mic.py").read_bytes() == (
        FIXTURES / "websocket_client" / "getting_started" / "expected.py"
    ).read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mic.py"], "temporary copies must be removed"


@pytest.mark.timeout(200)
def test_verify_reports_failing_checks_by_name_and_exits_3(tmp_path):
    (tmp_path / "broken.py").write_text(BROKEN_V3)
    result = cli("broken.py", "--verify", cwd=tmp_path)
    assert result.returncode == 3
    stderr = result.stderr.decode()
    assert "verify broken.py: FAILED" in stderr
    assert "FAIL terminate_sent" in stderr
    assert "FAIL termination_awaited" in stderr
    assert "ok   binary_audio_only" in stderr
    assert (tmp_path / "broken.py").read_text() == BROKEN_V3


@pytest.mark.timeout(200)
def test_verify_with_check_writes_nothing(tmp_path):
    shutil.copy(FIXTURES / "websockets" / "tutorial" / "input.py", tmp_path / "tutorial.py")
    result = cli("--check", "--verify", "tutorial.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr.decode()
    assert "verify tutorial.py: passed (10/10 checks)" in result.stderr.decode()
    assert (tmp_path / "tutorial.py").read_bytes() == (FIXTURES / "websockets" / "tutorial" / "input.py").read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tutorial.py"]


def test_verify_refuses_stdin():
    result = subprocess.run(
        [sys.executable, "-m", "migrator", "--verify", "-"], input=b"x = 1\n", capture_output=True, timeout=60
    )
    assert result.returncode == 2
    assert b"--verify needs files on disk" in result.stderr


@pytest.mark.timeout(200)
def test_verify_says_what_it_runs_and_what_it_leaves_out(tmp_path):
    shutil.copy(FIXTURES / "websockets" / "tutorial" / "input.py", tmp_path / "tutorial.py")
    (tmp_path / "notes.py").write_text("print('not a streaming client')\n")
    (tmp_path / "lib").mkdir()
    for name in ("a.py", "b.py"):
        (tmp_path / "lib" / name).write_text("x = 1\n")
    result = cli("--check", "--verify", "tutorial.py", "notes.py", "lib", cwd=tmp_path)
    assert result.returncode == 1, result.stderr.decode()
    lines = result.stderr.decode().splitlines()
    assert lines[:4] == [
        "verify notes.py: not verified (nothing in it ties it to AssemblyAI streaming)",
        "verify: 2 other file(s) not verified (nothing in it ties it to AssemblyAI streaming)",
        "verify tutorial.py: running on the emulator, with its v2 original...",
        lines[3],
    ]
    finished = re.fullmatch(r"verify tutorial\.py: passed \(10/10 checks\) after (\d+\.\d) s", lines[3])
    assert finished and 3.0 < float(finished.group(1)) < 60.0, lines[3]  # the audio plays for 5 s
    assert "verify tutorial.py: passed (10/10 checks)" in lines[4:]
    quiet = cli("--check", "--verify", "-q", "notes.py", cwd=tmp_path)
    assert quiet.returncode == 0 and quiet.stderr == b""
