"""Every failure ends the CLI with a one-line message and its own exit code, quickly.

Each case runs ``python -m reference_client`` against the emulator (or a socket that never
answers) and asserts the exit code, the message on stderr, a time bound, and that the API
key appears nowhere in the output.
"""

from __future__ import annotations

import socket
import time

import pytest

from reference_client.exit_codes import ExitCode

#: Generous bound for a failure that should be reported at once (includes interpreter start-up).
PROMPT = 5.0


def assert_failed(run, code: ExitCode, *fragments: str, secret: str, within: float = PROMPT) -> None:
    assert run.returncode == int(code), run
    error_lines = [line for line in run.stderr.splitlines() if line.startswith("stt-client: error:")]
    assert len(error_lines) == 1, run
    for fragment in fragments:
        assert fragment in error_lines[0], run
    assert run.elapsed < within, run
    assert secret not in run.stdout and secret not in run.stderr


def stream_args(url: str, wav, secret_key: str, *extra: str):
    return ("--wav", str(wav), "--url", url, "--api-key", secret_key, *extra)


@pytest.mark.parametrize(
    "code, reason, exit_code",
    [
        (1008, "Unauthorized Connection: Invalid API key", ExitCode.UNAUTHORIZED),
        (3005, "Session Cancelled: An error occurred", ExitCode.SERVER_ERROR),
        (3006, "Invalid Message Type: Foo", ExitCode.INVALID_MESSAGE),
        (3007, "Input duration violation: 20 ms. Expected between 50 and 1000 ms", ExitCode.AUDIO_REJECTED),
        (3008, "Session Expired: Maximum session duration exceeded", ExitCode.SESSION_EXPIRED),
        (3009, "Unauthorized Connection: Too many concurrent sessions", ExitCode.TOO_MANY_SESSIONS),
        (1013, "Temporary server condition forced blocking client's request", ExitCode.SERVER_UNAVAILABLE),
        (4999, "Something new", ExitCode.SERVER_CLOSED),
    ],
)
def test_close_code_mid_session(emulator, make_wav, secret_key, code, reason, exit_code):
    """In-process for speed: the CLI only prints what the session decides (proven below)."""
    from migrator.proof.emulator import Fault
    from reference_client import SessionConfig, StreamingSession, WavFileSource

    emu = emulator(fault=Fault("close", code=code, reason=reason, after_frames=3))
    source = WavFileSource(str(make_wav(3.0)))
    source.open()
    started = time.monotonic()
    result = StreamingSession(SessionConfig(api_key=secret_key, url=emu.v3_url)).run(source)
    assert time.monotonic() - started < 2.0
    assert result.exit_code == exit_code
    assert f"close code {code}" in result.message and reason in result.message
    assert result.close_code == code and not result.terminate_sent


def test_close_code_through_the_cli(emulator, make_wav, run_client, secret_key):
    from migrator.proof.emulator import Fault

    reason = "Input duration violation: 20 ms. Expected between 50 and 1000 ms"
    emu = emulator(fault=Fault("close", code=3007, reason=reason, after_frames=3))
    run = run_client(*stream_args(emu.v3_url, make_wav(3.0), secret_key))
    assert_failed(run, ExitCode.AUDIO_REJECTED, "close code 3007", reason, secret=secret_key)


def test_refused_credentials(emulator, make_wav, run_client, secret_key):
    emu = emulator(api_key="the-right-key")
    run = run_client(*stream_args(emu.v3_url, make_wav(1.0), secret_key))
    assert_failed(run, ExitCode.UNAUTHORIZED, "close code 1008", "Invalid API key", secret=secret_key)
    assert emu.wait_for_sessions(1)[0].accepted is False


def test_typed_error_frame_is_preferred_to_the_close_reason(emulator, make_wav, run_client, secret_key):
    from migrator.proof.emulator import Fault

    long_reason = "Audio Transmission Rate Exceeded: Received 9.9 sec. audio in 1.0 sec"
    emu = emulator(fault=Fault("error_frame", code=3007, reason=long_reason, after_frames=2))
    run = run_client(*stream_args(emu.v3_url, make_wav(3.0), secret_key))
    assert_failed(
        run, ExitCode.AUDIO_REJECTED, "close code 3007", "Audio Transmission Rate Exceeded", secret=secret_key
    )


def test_untyped_error_frame_as_the_retired_v2_endpoint_sends(emulator, make_wav, run_client, secret_key):
    from migrator.proof.emulator import Fault

    emu = emulator(fault=Fault("error_frame", endpoint="v2", reason="Model deprecated"))
    run = run_client(*stream_args(emu.v2_url, make_wav(1.0), secret_key))
    assert_failed(run, ExitCode.SERVER_CLOSED, "Model deprecated", secret=secret_key)


def test_malformed_json_is_a_protocol_error_but_the_session_still_terminates(
    emulator, make_wav, run_client, secret_key
):
    from migrator.proof.emulator import Fault

    emu = emulator(fault=Fault("malformed_json", after_frames=3))
    run = run_client(*stream_args(emu.v3_url, make_wav(3.0), secret_key))
    assert_failed(run, ExitCode.PROTOCOL_ERROR, "not a JSON object", secret=secret_key)
    record = emu.wait_for_sessions(1)[0]
    assert record.terminated and record.close_code == 1000


def test_silent_server_after_terminate_is_bounded_by_terminate_timeout(emulator, make_wav, run_client, secret_key):
    from migrator.proof.emulator import Fault

    emu = emulator(fault=Fault("silent", after_frames=2))
    run = run_client(*stream_args(emu.v3_url, make_wav(0.4), secret_key, "--terminate-timeout", "1"))
    assert_failed(run, ExitCode.NO_TERMINATION, "no Termination", "within 1 s", secret=secret_key)
    assert emu.wait_for_sessions(1)[0].control_messages == [{"type": "Terminate"}]


def test_server_that_never_answers_the_handshake_is_bounded_by_connect_timeout(make_wav, run_client, secret_key):
    with socket.socket() as listener:  # accepts TCP, never speaks: a hung server
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        run = run_client(
            *stream_args(f"ws://127.0.0.1:{port}/v3/ws", make_wav(1.0), secret_key, "--connect-timeout", "1")
        )
    assert_failed(run, ExitCode.CONNECT_TIMEOUT, "within 1 s", secret=secret_key, within=1 + PROMPT)


def test_dropped_connection_is_reported_as_lost(emulator, make_wav, run_client, secret_key):
    from migrator.proof.emulator import Fault

    emu = emulator(fault=Fault("drop", after_frames=3))
    run = run_client(*stream_args(emu.v3_url, make_wav(3.0), secret_key))
    assert_failed(run, ExitCode.CONNECTION_LOST, "without a close frame", secret=secret_key)


def test_connection_refused(make_wav, run_client, secret_key):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    run = run_client(*stream_args(f"ws://127.0.0.1:{port}/v3/ws", make_wav(1.0), secret_key))
    assert_failed(run, ExitCode.CONNECT_FAILED, "connection refused", secret=secret_key)


def test_dns_failure(make_wav, run_client, secret_key):
    run = run_client(*stream_args("ws://no-such-host.invalid/v3/ws", make_wav(1.0), secret_key))
    assert_failed(run, ExitCode.CONNECT_FAILED, "cannot resolve no-such-host.invalid", secret=secret_key)


def test_http_rejection_of_the_handshake(emulator, make_wav, run_client, secret_key):
    emu = emulator()
    run = run_client(*stream_args(emu.base_url + "/v3/nowhere", make_wav(1.0), secret_key))
    assert_failed(run, ExitCode.CONNECT_FAILED, "HTTP 404", secret=secret_key)


def test_token_is_never_printed(emulator, make_wav, run_client):
    emu = emulator()
    run = run_client("--wav", str(make_wav(1.0)), "--url", emu.base_url + "/v3/nowhere", "--token", "tok-SECRET-123")
    assert run.returncode == int(ExitCode.CONNECT_FAILED)
    assert "tok-SECRET-123" not in run.stdout + run.stderr


def test_json_mode_reports_the_failure_as_the_last_object_too(emulator, make_wav, run_client, secret_key):
    import json

    emu = emulator(api_key="the-right-key")
    run = run_client(*stream_args(emu.v3_url, make_wav(1.0), secret_key, "--json"))
    assert_failed(run, ExitCode.UNAUTHORIZED, "close code 1008", secret=secret_key)
    end = json.loads(run.stdout.splitlines()[-1])
    assert (end["event"], end["exit_code"], end["exit_name"]) == ("end", 20, "UNAUTHORIZED")
    assert "Invalid API key" in end["message"]
