"""``stt-emulator`` as a user runs it: a real process, a real port, Ctrl-C to stop."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.sync.client import connect

from migrator.proof.emulator.cli import main
from tests.emulator.wire import KEY, receive_all, send_audio

pytestmark = pytest.mark.timeout(30)
REPO = Path(__file__).resolve().parents[2]


def start(*args, env=None):
    process = subprocess.Popen(
        [sys.executable, "-m", "migrator.proof.emulator.cli", "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, **(env or {})),
    )
    line = process.stdout.readline()
    match = re.fullmatch(r"listening on (ws://127\.0\.0\.1:\d+)\n", line)
    assert match, line + process.stderr.read()
    # Read the endpoint lines now: communicate() would bypass the text buffer holding them.
    process.endpoints = "".join(process.stdout.readline() for _ in range(3))
    return process, match.group(1)


def stop(process):
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=10)
    return process.returncode, out, err


def transcribe(base_url, query="sample_rate=16000&format_turns=true", ms=1500):
    """End-of-turn transcripts of one session (both messages of a classic pair)."""
    with connect(f"{base_url}/v3/ws?{query}", additional_headers={"Authorization": KEY}) as ws:
        ws.recv(timeout=5)
        send_audio(ws, ms)
        ws.send(json.dumps({"type": "Terminate"}))
        messages, code, _ = receive_all(ws)
    return [m["transcript"] for m in messages if m.get("end_of_turn")], code


def test_serves_phrases_until_ctrl_c_and_logs_sessions_without_the_key():
    process, base_url = start("--phrase", "Hi there.", "--phrase", "Bye.", "--word-ms", "50", "--gap-ms", "100")
    try:
        assert transcribe(base_url) == (["hi there", "Hi there.", "bye", "Bye."], 1000)
    finally:
        code, out, err = stop(process)
    assert code == 0
    assert f"  v3:    {base_url}/v3/ws\n" in process.endpoints
    assert re.search(r"session \S+ v3 auth=header frames=31 audio_ms=1500 closed_by=server code=1000", err)
    assert KEY not in process.endpoints + out + err


def test_script_file_and_formatted_mode(tmp_path):
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"phrases": ["One, two."], "word_ms": 50, "gap_ms": 100, "lead_in_ms": 0}))
    process, base_url = start("--script", str(script), "--format-turns-mode", "formatted", "--quiet")
    try:
        assert transcribe(base_url, ms=300) == (["One, two."], 1000)
    finally:
        code, _, err = stop(process)
    assert code == 0 and err == ""


def test_api_key_is_taken_from_the_environment_only():
    process, base_url = start("--api-key-env", "EMU_KEY", "--quiet", env={"EMU_KEY": "server-side-key"})
    try:
        with connect(f"{base_url}/v3/ws?sample_rate=16000", additional_headers={"Authorization": KEY}) as ws:
            assert receive_all(ws)[1:] == (1008, "Unauthorized Connection: Invalid API key")
    finally:
        assert stop(process)[0] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["--api-key-env", "EMU_UNSET_VARIABLE"], "environment variable EMU_UNSET_VARIABLE is empty"),
        (["--script", "/nonexistent/script.json"], "No such file"),
        (["--phrase", "?!"], "has no words"),
    ],
)
def test_bad_invocations_exit_2_with_a_message(args, message, capsys, monkeypatch):
    monkeypatch.delenv("EMU_UNSET_VARIABLE", raising=False)
    assert main(args) == 2
    assert message in capsys.readouterr().err
