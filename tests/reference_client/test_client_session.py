"""StreamingSession in-process against the emulator over loopback: the happy path on the wire."""

from __future__ import annotations

import threading
import time

import pytest

from reference_client import (
    ExitCode,
    FinalTranscript,
    SessionBegan,
    SessionConfig,
    SessionTerminated,
    StreamingParameters,
    StreamingSession,
    WavFileSource,
)


def run_session(emu, wav, secret_key, *, listener=None, **config):
    params = config.pop("params", StreamingParameters())
    session_config = SessionConfig(params=params, api_key=secret_key, url=emu.v3_url, **config)
    source = WavFileSource(str(wav), sample_rate=params.sample_rate)
    source.open()
    started = time.monotonic()
    result = StreamingSession(session_config, listener).run(source)
    return result, time.monotonic() - started


def test_scripted_transcript_and_clean_exit(emulator, make_wav, secret_key):
    emu = emulator()
    result, elapsed = run_session(emu, make_wav(0.9), secret_key)
    assert result.exit_code == ExitCode.OK and result.message is None
    assert [turn.transcript for turn in result.finals] == ["Hello world.", "How are you today?"]
    assert result.termination is not None and result.close_code == 1000
    assert elapsed < 3.0


def test_every_frame_is_binary_and_exactly_50_ms(emulator, make_wav, secret_key):
    emu = emulator()
    run_session(emu, make_wav(0.734), secret_key)
    record = emu.wait_for_sessions(1)[0]
    assert record.binary_frames and all(frame.size == 1600 for frame in record.binary_frames)
    assert {frame.audio_ms for frame in record.audio_frames} == {50.0}
    assert len(record.binary_frames) == 15  # 0.734 s -> 14 whole frames + 1 padded


def test_terminate_is_the_last_message_and_sent_once(emulator, make_wav, secret_key):
    emu = emulator()
    result, _ = run_session(emu, make_wav(0.5), secret_key)
    record = emu.wait_for_sessions(1)[0]
    assert record.control_messages == [{"type": "Terminate"}]
    assert record.frames[-1].kind == "text" and not any(f.after_terminate for f in record.frames)
    assert record.closed_by == "server" and result.terminate_sent


def test_audio_is_not_sent_faster_than_real_time(emulator, make_wav, secret_key):
    emu = emulator()
    run_session(emu, make_wav(0.6), secret_key)
    record = emu.wait_for_sessions(1)[0]
    for index, frame in enumerate(record.binary_frames):
        audio_seconds = (index + 1) * 0.05
        assert frame.at >= audio_seconds - 0.1 - record.binary_frames[0].at


def test_api_key_goes_in_the_authorization_header(emulator, make_wav, secret_key):
    emu = emulator(api_key=secret_key)
    result, _ = run_session(emu, make_wav(0.3), secret_key)
    record = emu.wait_for_sessions(1)[0]
    assert result.ok and record.auth == "header" and "token" not in record.query


def test_temporary_token_goes_in_the_query(emulator, make_wav):
    emu = emulator()
    token = emu.issue_token()
    config = SessionConfig(token=token, url=emu.v3_url)
    source = WavFileSource(str(make_wav(0.3)))
    source.open()
    result = StreamingSession(config).run(source)
    assert result.ok and emu.wait_for_sessions(1)[0].auth == "token_query"


def test_connection_parameters_reach_the_server(emulator, make_wav, secret_key):
    emu = emulator()
    params = StreamingParameters(
        format_turns=False, keyterms_prompt=("AssemblyAI", "R&D"), max_turn_silence=900, inactivity_timeout=30
    )
    result, _ = run_session(emu, make_wav(0.3), secret_key, params=params)
    record = emu.wait_for_sessions(1)[0]
    assert result.ok
    assert record.settings["keyterms_prompt"] == ["AssemblyAI", "R&D"]
    assert record.settings["format_turns"] is False and record.settings["max_turn_silence"] == 900


@pytest.mark.parametrize("mode", ["classic", "formatted"])
def test_formatted_copy_is_reported_once_in_both_format_turns_modes(emulator, make_wav, secret_key, mode):
    emu = emulator(format_turns_mode=mode)
    events = []
    result, _ = run_session(emu, make_wav(0.9), secret_key, listener=events.append)
    finals = [e.transcript for e in events if isinstance(e, FinalTranscript)]
    assert finals == ["Hello world.", "How are you today?"]
    assert all(e.turn_is_formatted for e in events if isinstance(e, FinalTranscript))
    record = emu.wait_for_sessions(1)[0]
    end_of_turn_messages = [m for m in record.messages("Turn") if m["end_of_turn"]]
    assert len(end_of_turn_messages) == (4 if mode == "classic" else 2)


def test_without_format_turns_the_unformatted_finals_are_reported(emulator, make_wav, secret_key):
    emu = emulator()
    result, _ = run_session(emu, make_wav(0.9), secret_key, params=StreamingParameters(format_turns=False))
    assert [turn.transcript for turn in result.finals] == ["hello world", "how are you today"]


def test_listener_sees_begin_first_and_termination_last(emulator, make_wav, secret_key):
    emu = emulator()
    events = []
    run_session(emu, make_wav(0.5), secret_key, listener=events.append)
    assert isinstance(events[0], SessionBegan) and isinstance(events[-1], SessionTerminated)
    assert events[0].session_id == emu.wait_for_sessions(1)[0].id


def test_terminate_flushes_the_turn_in_progress(emulator, make_wav, secret_key):
    emu = emulator()
    result, _ = run_session(emu, make_wav(0.12), secret_key)  # mid-way through "Hello world."
    record = emu.wait_for_sessions(1)[0]
    assert [turn.transcript for turn in result.finals] == emu.expected_finals_for(record)


def test_mulaw_frames_are_50_ms_of_one_byte_samples(emulator, make_wav, secret_key):
    emu = emulator()
    params = StreamingParameters(sample_rate=8000, encoding="pcm_mulaw")
    result, _ = run_session(emu, make_wav(0.5), secret_key, params=params)
    record = emu.wait_for_sessions(1)[0]
    assert result.ok and {f.size for f in record.binary_frames} == {400}
    assert {f.audio_ms for f in record.audio_frames} == {50.0}


def test_latency_is_measured_per_final_turn(emulator, make_wav, secret_key):
    emu = emulator()
    result, _ = run_session(emu, make_wav(0.9), secret_key, measure_latency=True)
    latencies = [turn.latency_ms for turn in result.finals]
    # The emulator ends a turn after gap_ms (200 ms) of silence following the last word.
    assert all(latency is not None and 100 <= latency <= 700 for latency in latencies), latencies
    assert result.latency["turns"] == 2


def test_no_threads_are_left_alive_after_a_run(emulator, make_wav, secret_key):
    emu = emulator()
    before = set(threading.enumerate())
    result, _ = run_session(emu, make_wav(0.3), secret_key)
    assert result.ok
    leftover = [t for t in threading.enumerate() if t not in before and t.is_alive()]
    assert leftover == []


def test_stop_from_another_thread_ends_gracefully(emulator, make_wav, secret_key):
    emu = emulator()
    config = SessionConfig(api_key=secret_key, url=emu.v3_url)
    source = WavFileSource(str(make_wav(20.0)))
    source.open()
    session = StreamingSession(config, lambda event: isinstance(event, FinalTranscript) and session.stop())
    started = time.monotonic()
    result = session.run(source)
    record = emu.wait_for_sessions(1)[0]
    assert result.ok and result.finals[0].transcript == "Hello world."
    # Audio captured before the stop is still sent, so a word already begun becomes a turn too.
    assert [t.transcript for t in result.finals] == emu.expected_finals_for(record)
    assert time.monotonic() - started < 3.0
    assert record.control_messages == [{"type": "Terminate"}]


def test_a_session_runs_only_once(emulator, make_wav, secret_key):
    emu = emulator()
    config = SessionConfig(api_key=secret_key, url=emu.v3_url)
    session = StreamingSession(config)
    source = WavFileSource(str(make_wav(0.2)))
    source.open()
    session.run(source)
    with pytest.raises(RuntimeError):
        session.run(source)


def test_missing_credentials_are_refused_before_connecting():
    with pytest.raises(ValueError, match="API key or a temporary token"):
        SessionConfig()


def _new_threads(before):
    return [t for t in threading.enumerate() if t not in before and t.is_alive()]


def test_no_threads_are_left_alive_after_a_hung_handshake(make_wav, secret_key):
    import socket

    before = set(threading.enumerate())
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        config = SessionConfig(
            api_key=secret_key, url=f"ws://127.0.0.1:{listener.getsockname()[1]}/v3/ws", connect_timeout=0.5
        )
        source = WavFileSource(str(make_wav(0.3)))
        source.open()
        result = StreamingSession(config).run(source)
    assert result.exit_code == ExitCode.CONNECT_TIMEOUT
    assert _new_threads(before) == []


@pytest.mark.parametrize("kind", ["silent", "drop"])
def test_no_threads_are_left_alive_after_a_failed_session(emulator, make_wav, secret_key, kind):
    from migrator.proof.emulator import Fault

    emu = emulator(fault=Fault(kind, after_frames=2))
    before = set(threading.enumerate())
    result, elapsed = run_session(emu, make_wav(0.3), secret_key, terminate_timeout=0.5)
    expected = ExitCode.NO_TERMINATION if kind == "silent" else ExitCode.CONNECTION_LOST
    assert result.exit_code == expected and elapsed < 2.5
    assert _new_threads(before) == []


def test_force_endpoint_and_update_configuration_reach_the_server(emulator, make_wav, secret_key):
    from reference_client import PartialTranscript

    emu = emulator(phrases=("one two three four five six seven eight",))
    config = SessionConfig(api_key=secret_key, url=emu.v3_url)
    source = WavFileSource(str(make_wav(0.6)))
    source.open()
    sent = []

    def on_event(event):
        if isinstance(event, PartialTranscript) and not sent:
            sent.append(True)
            session.update_configuration(max_turn_silence=500)
            session.force_endpoint()

    session = StreamingSession(config, on_event)
    result = session.run(source)
    record = emu.wait_for_sessions(1)[0]
    assert result.ok
    assert record.control_messages == [
        {"type": "UpdateConfiguration", "max_turn_silence": 500},
        {"type": "ForceEndpoint"},
        {"type": "Terminate"},
    ]
    assert record.settings["max_turn_silence"] == 500
    assert len(result.finals) == 2  # the forced end of turn, then the rest at Terminate


def test_websocket_client_logs_are_redacted_during_a_session(emulator, make_wav, caplog):
    import logging

    emu = emulator()
    token = emu.issue_token()
    config = SessionConfig(token=token, url=emu.v3_url)
    source = WavFileSource(str(make_wav(0.2)))
    source.open()
    websocket_log = logging.getLogger("websocket")

    def log_like_websocket_client(event):  # as its error paths do: exception text with the URL
        if isinstance(event, SessionBegan):
            websocket_log.error("Handshake to %s failed", config.endpoint())

    with caplog.at_level(logging.ERROR, logger="websocket"):
        result = StreamingSession(config, log_like_websocket_client).run(source)
    assert result.ok
    logged = [record.getMessage() for record in caplog.records if "Handshake to" in record.getMessage()]
    assert len(logged) == 1 and token not in logged[0] and "token=***" in logged[0]
    assert websocket_log.filters == []  # removed again after the run
