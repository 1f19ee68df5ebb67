"""The harness runs unmodified scripts in every client library against the emulator."""

import sys
import time
import wave
from array import array

import pytest

from migrator.proof.harness import run_script

pytestmark = pytest.mark.timeout(40)

FINALS = "Hello world.\nGood morning, Sam.\n"


def assert_clean_v3_session(run, frame_ms):
    assert (run.returncode, run.timed_out) == (0, False), run.stderr
    assert run.audio_ended_at is not None and run.sigint_at is not None
    (session,) = run.sessions
    assert (session.endpoint, session.path, session.auth, session.accepted) == ("v3", "/v3/ws", "header", True)
    before_terminate = [f for f in session.frames if f.kind == "binary" and not f.after_terminate]
    assert {f.audio_ms for f in before_terminate} == {frame_ms}
    assert session.audio_ms >= 1000
    assert session.terminated and session.messages("Termination")
    assert (session.closed_by, session.close_code) == ("server", 1000)
    return session


@pytest.mark.parametrize(
    "script",
    ["v3_websocket_client.py", "v3_websockets_asyncio.py", "v3_aiohttp.py"],
)
def test_v3_clients_stream_terminate_and_print_each_final(emulator, client_script, short_audio, script):
    run = run_script(client_script(script), emulator, audio=short_audio, timeout=20)
    assert_clean_v3_session(run, 50.0)
    assert FINALS in run.stdout


def test_callback_stream_and_create_connection(emulator, client_script, short_audio):
    run = run_script(client_script("v3_callback_create_connection.py"), emulator, audio=short_audio, timeout=20)
    session = assert_clean_v3_session(run, 100.0)
    assert session.query == {"sample_rate": "16000"}
    assert run.stdout == "hello world\ngood morning sam\n"


def test_assemblyai_sdk_streaming_client(emulator, client_script, short_audio):
    pytest.importorskip("assemblyai.streaming.v3")
    run = run_script(client_script("v3_sdk.py"), emulator, audio=short_audio, timeout=20)
    session = assert_clean_v3_session(run, 50.0)
    assert session.settings["speech_model"] == "universal-streaming-english"
    assert FINALS in run.stdout
    assert "Session terminated: 1 s of audio" in run.stdout


def test_assemblyai_sdk_temporary_token_flow(emulator, client_script):
    pytest.importorskip("assemblyai.streaming.v3")
    run = run_script(client_script("v3_sdk_token.py"), emulator, timeout=20)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "Begin 36\nTermination\n"
    (session,) = run.sessions
    assert (session.auth, session.accepted, session.close_code) == ("token_header", True, 1000)


@pytest.mark.parametrize("script", ["v3_websockets_sync.py", "v3_websockets_legacy.py"])
def test_sync_and_legacy_websockets_clients_are_redirected(emulator, client_script, script):
    run = run_script(client_script(script), emulator, timeout=20)
    assert (run.returncode, run.stdout) == (0, "Begin\nTermination\n"), run.stderr
    (session,) = run.sessions
    assert (session.endpoint, session.auth, session.closed_by, session.close_code) == ("v3", "header", "server", 1000)


def test_http_and_websocket_redirects_for_aiohttp_token_flow(emulator, client_script):
    run = run_script(client_script("token_aiohttp.py"), emulator, timeout=20)
    assert run.returncode == 0, run.stderr
    assert run.stdout == "Begin\nTermination\n"
    (session,) = run.sessions
    assert (session.auth, session.query["token"]) == ("token_query", "<redacted>")


@pytest.mark.parametrize(
    "script, audio_kind", [("v2_websockets_base64.py", "text"), ("v2_websocket_client_binary.py", "binary")]
)
def test_v2_clients_reach_the_v2_endpoint(emulator, client_script, short_audio, script, audio_kind):
    run = run_script(client_script(script), emulator, audio=short_audio, timeout=20)
    assert run.returncode == 0, run.stderr
    (session,) = run.sessions
    assert (session.endpoint, session.path, session.terminated, session.close_code) == (
        "v2",
        "/v2/realtime/ws",
        True,
        1000,
    )
    assert {f.kind for f in session.audio_frames} == {audio_kind}
    assert session.finals() == ["Hello world.", "Good morning, Sam."]
    assert "Hello world.\n" in run.stdout and "Good morning, Sam.\n" in run.stdout


def test_timeout_kills_the_script_and_its_process_group(emulator, client_script, tmp_path):
    pid_file = tmp_path / "grandchild.pid"
    run = run_script(client_script("ignores_ctrl_c.py"), emulator, timeout=1.5, args=[str(pid_file)])
    assert (run.timed_out, run.returncode) == (True, None)
    assert run.stdout == "started\n"
    assert 1.5 <= run.duration_s < 5
    grandchild = int(pid_file.read_text())
    deadline = time.monotonic() + 3
    while is_running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not is_running(grandchild)


def is_running(pid):
    """True unless the process is gone or a zombie (killed, not yet reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def chunks_with_sound(path, frames_per_chunk=1600):
    with wave.open(str(path), "rb") as wav:
        samples = array("h", wav.readframes(wav.getnframes()))
    return sum(any(samples[i : i + frames_per_chunk]) for i in range(0, len(samples), frames_per_chunk))


def test_without_sigint_the_script_runs_on_and_hears_silence(emulator, client_script, short_audio):
    run = run_script(
        client_script("reads_until_silence.py"),
        emulator,
        audio=short_audio,
        timeout=20,
        sigint_when_audio_ends=False,
        args=["12"],
    )
    assert (run.returncode, run.sigint_at) == (0, None)
    assert run.audio_ended_at is not None and run.duration_s >= 1.2
    assert run.stdout == f"12 {chunks_with_sound(short_audio)} test-key\n"


def test_environment_overrides_reach_the_child(emulator, client_script, short_audio):
    run = run_script(
        client_script("reads_until_silence.py"),
        emulator,
        audio=short_audio,
        timeout=20,
        env={"ASSEMBLYAI_API_KEY": "another-key"},
        sigint_when_audio_ends=False,
        args=["1"],
    )
    assert run.stdout.split()[-1] == "another-key"


def test_missing_audio_file_is_an_error(emulator, client_script, tmp_path):
    with pytest.raises(FileNotFoundError):
        run_script(client_script("reads_until_silence.py"), emulator, audio=tmp_path / "none.wav")


def test_other_python_interpreters_can_be_used(emulator, client_script, short_audio):
    run = run_script(
        client_script("reads_until_silence.py"),
        emulator,
        audio=short_audio,
        timeout=20,
        python=sys.executable,
        sigint_when_audio_ends=False,
        args=["1"],
    )
    assert run.returncode == 0


def test_pre_14_extra_headers_run_only_when_asked(emulator, client_script, short_audio):
    script = client_script("v2_tutorial_extra_headers.py")
    as_written = run_script(script, emulator, audio=short_audio, timeout=20)
    assert as_written.returncode != 0 and "extra_headers" in as_written.stderr
    legacy = run_script(script, emulator, audio=short_audio, timeout=20, env={"STT_HARNESS_LEGACY_WEBSOCKETS": "1"})
    assert legacy.returncode == 0, legacy.stderr
    assert legacy.stdout == "SessionBegins\nHello world.\nGood morning, Sam.\n"
    assert legacy.sessions[0].endpoint == "v2"
