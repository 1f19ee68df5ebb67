"""The ``stt-client`` command line: output modes, usage errors, credentials, Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import pytest

from reference_client.exit_codes import ExitCode

posix_only = pytest.mark.skipif(os.name != "posix", reason="needs POSIX signals and ptys")


def stream_args(emu, wav, secret_key, *extra):
    return ("--wav", str(wav), "--url", emu.v3_url, "--api-key", secret_key, *extra)


# ------------------------------------------------------------------ output


def test_piped_run_prints_the_finals_and_exits_0_after_termination(emulator, make_wav, run_client, secret_key):
    emu = emulator()
    run = run_client(*stream_args(emu, make_wav(0.9), secret_key, "--latency"))
    assert run.returncode == 0, run
    assert run.stdout == "Hello world.\nHow are you today?\n"  # finals only: no partials, no \r
    assert "ended: 1 s of audio" in run.stderr and "2 turns" in run.stderr
    assert "turn 0: latency" in run.stderr and "latency over 2 turns: median" in run.stderr
    assert emu.wait_for_sessions(1)[0].close_code == 1000
    assert secret_key not in run.stdout + run.stderr


def test_json_output_is_one_object_per_line(emulator, make_wav, run_client, secret_key):
    emu = emulator()
    run = run_client(*stream_args(emu, make_wav(0.9), secret_key, "--json", "--latency"))
    assert run.returncode == 0, run
    objects = [json.loads(line) for line in run.stdout.splitlines()]
    kinds = [o["event"] for o in objects]
    assert kinds[0] == "begin" and kinds[-2:] == ["termination", "end"]
    finals = [o for o in objects if o["event"] == "final"]
    assert [o["transcript"] for o in finals] == ["Hello world.", "How are you today?"]
    assert all(isinstance(o["latency_ms"], float) for o in finals)
    assert objects[-1]["exit_code"] == 0 and objects[-1]["latency"]["turns"] == 2
    assert "ended:" not in run.stderr  # statistics are in the JSON, not on stderr
    assert secret_key not in run.stdout + run.stderr


def read_all(fd: int) -> bytes:
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the child closed the terminal
            return b"".join(chunks)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


@posix_only
def test_terminal_output_rewrites_partials_and_prints_each_final_once(emulator, make_wav, spawn_client, secret_key):
    import pty

    emu = emulator()
    primary, secondary = pty.openpty()
    process = spawn_client(*stream_args(emu, make_wav(0.9), secret_key), stdout=secondary)
    os.close(secondary)
    screen = read_all(primary).decode()
    os.close(primary)
    assert process.wait(10) == 0
    assert "\r\x1b[2Khello" in screen  # a partial, rewritten in place
    lines = [line.rsplit("\r\x1b[2K", 1)[-1] for line in screen.replace("\r\n", "\n").split("\n")]
    assert [line for line in lines if line] == ["Hello world.", "How are you today?"]
    assert screen.count("Hello world.") == 1 and screen.count("How are you today?") == 1


def test_api_key_is_read_from_the_environment(emulator, make_wav, run_client, secret_key):
    emu = emulator(api_key=secret_key)
    run = run_client("--wav", str(make_wav(0.3)), "--url", emu.v3_url, env={"ASSEMBLYAI_API_KEY": secret_key})
    assert run.returncode == 0, run
    assert emu.wait_for_sessions(1)[0].auth == "header"
    assert secret_key not in run.stdout + run.stderr


def test_options_become_query_parameters(emulator, make_wav, run_client, secret_key):
    emu = emulator()
    run = run_client(
        *stream_args(emu, make_wav(0.3), secret_key),
        "--keyterm",
        "AssemblyAI",
        "--keyterm",
        "R&D",
        "--no-format-turns",
        "--language-detection",
        "--max-turn-silence",
        "900",
        "--end-of-turn-confidence-threshold",
        "0.5",
        "--inactivity-timeout",
        "30",
    )
    assert run.returncode == 0, run
    record = emu.wait_for_sessions(1)[0]
    assert record.query["keyterms_prompt"] == '["AssemblyAI", "R&D"]'
    assert (record.query["format_turns"], record.query["language_detection"]) == ("false", "true")
    assert record.query["max_turn_silence"] == "900" and record.query["inactivity_timeout"] == "30"


# ------------------------------------------------------------------ usage and audio errors
# In-process through typer's runner: these end before any thread or socket exists.


@pytest.fixture
def invoke(monkeypatch):
    """Run the CLI in-process without credentials in the environment and without pyaudio."""
    from typer.testing import CliRunner

    from reference_client.cli import app

    monkeypatch.delenv("ASSEMBLYAI_API_KEY", raising=False)
    monkeypatch.setitem(sys.modules, "pyaudio", None)  # as on a machine without the mic extra

    try:
        runner = CliRunner(mix_stderr=False)  # click < 8.2 mixes stderr into stdout by default
    except TypeError:
        runner = CliRunner()  # click >= 8.2 always keeps them apart

    def run(*args: str, env=None):
        return runner.invoke(app, list(args), env=env, prog_name="stt-client")

    return run


def test_help_lists_every_exit_code_and_the_mic_extra(invoke):
    result = invoke("--help")
    assert result.exit_code == 0
    assert "pip install 'migrate-stt[mic]'" in result.stdout
    for code in ExitCode:
        assert any(line.strip().startswith(f"{int(code)}  ") for line in result.stdout.splitlines()), code


def test_help_never_shows_the_api_key_from_the_environment(invoke, secret_key):
    result = invoke("--help", env={"ASSEMBLYAI_API_KEY": secret_key})
    assert result.exit_code == 0 and secret_key not in result.output


def test_missing_credentials_is_a_usage_error(invoke, make_wav):
    result = invoke("--wav", str(make_wav(0.1)))
    assert result.exit_code == int(ExitCode.USAGE)
    assert result.stderr == "stt-client: error: no credentials: set $ASSEMBLYAI_API_KEY, or pass --api-key or --token\n"


def test_wav_and_device_together_is_a_usage_error(invoke, make_wav, secret_key):
    result = invoke("--wav", str(make_wav(0.1)), "--device", "1", "--api-key", secret_key)
    assert result.exit_code == int(ExitCode.USAGE) and "mutually exclusive" in result.stderr


def test_unknown_region_is_a_usage_error(invoke, secret_key):
    result = invoke("--region", "ap", "--api-key", secret_key)
    assert result.exit_code == int(ExitCode.USAGE) and "--region" in result.stderr


def test_too_many_keyterms_is_a_usage_error(invoke, secret_key, make_wav):
    terms = [arg for i in range(101) for arg in ("--keyterm", f"t{i}")]
    result = invoke("--wav", str(make_wav(0.1)), "--api-key", secret_key, *terms)
    assert result.exit_code == int(ExitCode.USAGE) and "at most 100 keyterms" in result.stderr


def test_microphone_without_pyaudio_names_the_extra(invoke, secret_key):
    result = invoke("--api-key", secret_key)
    assert result.exit_code == int(ExitCode.AUDIO_UNAVAILABLE)
    assert "pip install 'migrate-stt[mic]'" in result.stderr and len(result.stderr.splitlines()) == 1


def test_list_devices_without_pyaudio_names_the_extra(invoke):
    result = invoke("--list-devices")
    assert result.exit_code == int(ExitCode.AUDIO_UNAVAILABLE) and "migrate-stt[mic]" in result.stderr


def test_missing_wav_file_is_an_audio_error_before_connecting(invoke, secret_key, tmp_path):
    result = invoke("--wav", str(tmp_path / "absent.wav"), "--api-key", secret_key, "--url", "ws://127.0.0.1:9/v3/ws")
    assert result.exit_code == int(ExitCode.AUDIO_UNAVAILABLE) and "WAV file not found" in result.stderr


def test_console_script_and_module_are_the_same_entry_point(run_client):
    run = run_client("--version")
    assert run.returncode == 0 and run.stdout.startswith("stt-client ")


# ------------------------------------------------------------------ Ctrl-C


@posix_only
@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGTERM"])
def test_ctrl_c_flushes_terminates_and_exits_0(emulator, make_wav, spawn_client, wait_for, secret_key, signal_name):
    emu = emulator()
    process = spawn_client(*stream_args(emu, make_wav(30.0), secret_key))
    assert wait_for(lambda: emu.sessions and len(emu.sessions[0].audio_frames) >= 12, timeout=10)
    interrupted_at = time.monotonic()
    process.send_signal(getattr(signal, signal_name))
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0, stderr
    assert time.monotonic() - interrupted_at < 2.0
    record = emu.wait_for_sessions(1)[0]
    assert record.control_messages == [{"type": "Terminate"}] and record.close_code == 1000
    assert {frame.size for frame in record.binary_frames} == {1600}
    assert stdout.splitlines() == emu.expected_finals_for(record)
    assert "Traceback" not in stderr and "ended:" in stderr


@posix_only
def test_second_ctrl_c_exits_at_once(emulator, make_wav, spawn_client, wait_for, secret_key):
    from migrator.proof.emulator import Fault

    emu = emulator(fault=Fault("silent", after_frames=4))  # never answers Terminate
    process = spawn_client(*stream_args(emu, make_wav(30.0), secret_key, "--terminate-timeout", "30"))
    assert wait_for(lambda: emu.sessions and len(emu.sessions[0].audio_frames) >= 6, timeout=10)
    process.send_signal(signal.SIGINT)
    assert wait_for(lambda: {"type": "Terminate"} in emu.sessions[0].control_messages, timeout=5)
    second_at = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == int(ExitCode.INTERRUPTED), stderr
    assert time.monotonic() - second_at < 1.5
    assert "Traceback" not in stderr and "interrupted" in stderr


def test_closed_stdout_still_terminates_the_session(emulator, make_wav, spawn_client, secret_key):
    emu = emulator(phrases=("Hello world.", "How are you today?", "Fine, thanks."))
    process = spawn_client(*stream_args(emu, make_wav(3.0), secret_key))
    assert process.stdout.readline() == "Hello world.\n"
    process.stdout.close()  # like `stt-client ... | head -1`
    _, stderr = process.communicate(timeout=10)
    assert process.returncode == int(ExitCode.INTERNAL) and "Broken pipe" in stderr
    assert emu.wait_for_sessions(1)[0].control_messages == [{"type": "Terminate"}]
