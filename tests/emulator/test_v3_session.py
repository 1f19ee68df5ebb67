"""The v3 endpoint on real sockets: handshake, audio rules, control messages, Turn patterns."""

import json
import re
import time

import pytest

from tests.emulator.wire import (
    KEY,
    begin,
    finals,
    open_v3,
    pcm,
    receive_all,
    receive_until,
    send_audio,
    terminate,
    turns,
)

pytestmark = pytest.mark.timeout(20)

#: "Hello world." with a word in progress visible between 50 ms frames.
SLOW_WORDS = {"word_ms": 100, "gap_ms": 200, "lead_in_ms": 0}


def refused(emulator, query="sample_rate=16000", **kwargs):
    """Connect and read to the close; the session must be refused before Begin."""
    with open_v3(emulator, query, **kwargs) as ws:
        messages, code, reason = receive_all(ws)
    assert not any(isinstance(m, dict) and m.get("type") == "Begin" for m in messages)
    return code, reason


# ------------------------------------------------------------------ handshake and auth


def test_begin_carries_session_id_and_integer_expiry(emulator):
    with open_v3(emulator) as ws:
        message = begin(ws)
    assert set(message) == {"type", "id", "expires_at"}
    assert isinstance(message["expires_at"], int)
    assert 0 < message["expires_at"] - time.time() <= 10800 + 5
    record = emulator.wait_for_sessions(1)[0]
    assert record.id == message["id"]


def test_missing_authorization_closes_1008_with_documented_reason(emulator):
    assert refused(emulator, auth=False) == (1008, "Unauthorized Connection: Missing Authorization header")
    record = emulator.wait_for_sessions(1)[0]
    assert (record.auth_present, record.auth, record.accepted, record.closed_by) == (False, None, False, "server")


def test_an_empty_authorization_header_counts_as_missing(emulator):
    assert refused(emulator, auth=False, headers={"Authorization": ""})[1] == (
        "Unauthorized Connection: Missing Authorization header"
    )


def test_configured_key_refuses_another_key_and_never_records_either(make_emulator):
    emulator = make_emulator(api_key="the-only-key")
    assert refused(emulator)[0] == 1008
    with open_v3(emulator, headers={"Authorization": "the-only-key"}) as ws:
        begin(ws)
    records = emulator.wait_for_sessions(2)
    assert [r.accepted for r in records] == [False, True]
    assert [r.auth for r in records] == ["header", "header"]
    dumped = json.dumps([r.to_dict() for r in records])
    assert KEY not in dumped and "the-only-key" not in dumped


def test_the_string_none_is_not_an_api_key(emulator):
    # What SDK 0.x sends when no key was configured.
    assert refused(emulator, headers={"Authorization": "None"}) == (1008, "Unauthorized Connection: Invalid API key")


def test_token_query_parameter_authenticates_and_is_redacted(emulator):
    token = emulator.issue_token(60)
    with open_v3(emulator, f"sample_rate=16000&token={token}", auth=False) as ws:
        begin(ws)
    record = emulator.wait_for_sessions(1)[0]
    assert (record.auth, record.auth_present, record.accepted) == ("token_query", True, True)
    assert record.query == {"sample_rate": "16000", "token": "<redacted>"}
    assert token not in json.dumps(record.to_dict())


# ------------------------------------------------------------------ query parameters


def test_sample_rate_is_required(emulator):
    assert refused(emulator, "format_turns=true") == (3005, "Invalid Query Parameter: sample_rate is required")


@pytest.mark.parametrize("value", ["0", "-16000", "16k"])
def test_sample_rate_must_be_a_positive_integer(emulator, value):
    code, reason = refused(emulator, f"sample_rate={value}")
    assert code == 3005 and reason.startswith("Invalid Query Parameter: sample_rate must be")


@pytest.mark.parametrize("value", ["True", "true", "TRUE", "False", "false"])
def test_booleans_are_case_insensitive(emulator, value):
    with open_v3(emulator, f"sample_rate=16000&format_turns={value}") as ws:
        begin(ws)
    assert emulator.wait_for_sessions(1)[0].settings["format_turns"] is (value.lower() == "true")


def test_a_boolean_must_be_true_or_false(emulator):
    assert refused(emulator, "sample_rate=16000&format_turns=yes") == (
        3005,
        "Invalid Query Parameter: format_turns must be true or false, got 'yes'",
    )


def test_keyterms_prompt_is_a_json_array(emulator):
    query = "sample_rate=16000&keyterms_prompt=" + json.dumps(["Zac", "x" * 51]).replace(" ", "")
    with open_v3(emulator, query) as ws:
        begin(ws)
    settings = emulator.wait_for_sessions(1)[0].settings
    assert settings["keyterms_prompt"] == ["Zac"]
    assert settings["keyterms_ignored"] == ["x" * 51]


@pytest.mark.parametrize(
    "value, reason",
    [
        ("Zac", "keyterms_prompt must be a JSON array of strings"),
        ("[1,2]", "keyterms_prompt must be a JSON array of strings"),
        (
            json.dumps([f"t{i}" for i in range(101)]).replace(" ", ""),
            "keyterms_prompt allows at most 100 terms, got 101",
        ),
    ],
)
def test_bad_keyterms_prompt_is_refused(emulator, value, reason):
    assert refused(emulator, f"sample_rate=16000&keyterms_prompt={value}") == (
        3005,
        f"Invalid Query Parameter: {reason}",
    )


@pytest.mark.parametrize(
    "query, fragment",
    [
        ("encoding=opus", "encoding must be one of pcm_s16le, pcm_mulaw"),
        ("speech_model=nova-3", "unknown speech_model"),
        ("end_of_turn_confidence_threshold=1.5", "end_of_turn_confidence_threshold must be between 0.0 and 1.0"),
        ("vad_threshold=-0.1", "vad_threshold must be between"),
        ("min_turn_silence=-1", "min_turn_silence must be at least 0"),
        ("max_turn_silence=abc", "max_turn_silence must be an integer"),
        ("inactivity_timeout=4", "inactivity_timeout must be between 5 and 3600"),
        ("inactivity_timeout=3601", "inactivity_timeout must be between 5 and 3600"),
        ("max_speakers=11", "max_speakers must be between 1 and 10"),
        ("language=fr", "language must be en or multi"),
    ],
)
def test_documented_parameters_are_range_checked(emulator, query, fragment):
    code, reason = refused(emulator, f"sample_rate=16000&{query}")
    assert code == 3005 and fragment in reason


def test_the_pre_2026_silence_parameter_name_is_accepted(emulator):
    with open_v3(emulator, "sample_rate=16000&min_end_of_turn_silence_when_confident=160&max_turn_silence=2400") as ws:
        begin(ws)
    settings = emulator.wait_for_sessions(1)[0].settings
    assert (settings["min_turn_silence"], settings["max_turn_silence"]) == (160, 2400)


def test_unknown_parameters_are_ignored_but_recorded(emulator):
    with open_v3(emulator, "sample_rate=16000&word_boost=%5B%5D&speech_model=universal-streaming-english") as ws:
        begin(ws)
    record = emulator.wait_for_sessions(1)[0]
    assert record.accepted and record.query["word_boost"] == "[]"


# ------------------------------------------------------------------ audio


@pytest.mark.parametrize("ms", [20, 49, 1001, 1200])
def test_frames_outside_50_to_1000_ms_close_3007(emulator, ms):
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(pcm(ms))
        messages, code, reason = receive_all(ws)
    assert (code, reason) == (3007, f"Input duration violation: {ms} ms. Expected between 50 and 1000 ms")
    assert emulator.wait_for_sessions(1)[0].frames[0].audio_ms == pytest.approx(ms)


def test_mulaw_frames_are_one_byte_per_sample(emulator):
    with open_v3(emulator, "sample_rate=8000&encoding=pcm_mulaw") as ws:
        begin(ws)
        ws.send(bytes(400))  # 50 ms of 8 kHz mu-law
        ws.send(bytes(200))  # 25 ms
        messages, code, reason = receive_all(ws)
    assert (code, reason) == (3007, "Input duration violation: 25 ms. Expected between 50 and 1000 ms")


def test_audio_faster_than_real_time_closes_3007(make_emulator):
    emulator = make_emulator(rate_tolerance_ms=300)
    with open_v3(emulator) as ws:
        begin(ws)
        send_audio(ws, 1000, frame_ms=100)
        messages, code, reason = receive_all(ws)
    assert code == 3007
    assert re.fullmatch(r"Audio Transmission Rate Exceeded: Received \d\.\d sec\. audio in 0\.\d sec", reason)


def test_real_time_audio_is_accepted(make_emulator):
    emulator = make_emulator(rate_tolerance_ms=300)
    with open_v3(emulator) as ws:
        begin(ws)
        send_audio(ws, 400, frame_ms=100, pace=1.0)
        _, code, _ = terminate(ws)
    assert code == 1000


def test_frames_are_recorded_with_kind_size_duration_and_arrival(emulator):
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(pcm(50))
        ws.send(pcm(100))
        terminate(ws)
    frames = emulator.wait_for_sessions(1)[0].frames
    assert [(f.kind, f.size, f.audio_ms) for f in frames] == [
        ("binary", 1600, 50.0),
        ("binary", 3200, 100.0),
        ("text", 21, None),
    ]
    assert frames[2].payload == {"type": "Terminate"}
    assert frames[0].at <= frames[1].at <= frames[2].at


# ------------------------------------------------------------------ text frames


@pytest.mark.parametrize(
    "text, reason",
    [
        ('{"audio_data": "AAAA"}', 'Invalid Message: {"audio_data": "AAAA"}'),
        ('{"terminate_session": true}', 'Invalid Message: {"terminate_session": true}'),
        ("not json", "Invalid JSON: not json"),
        ("[]", "Invalid Message: []"),
        ('{"type": "Stop"}', "Invalid Message Type: Stop"),
    ],
)
def test_anything_but_a_known_control_message_closes_3006(emulator, text, reason):
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(text)
        messages, code, got = receive_all(ws)
    assert (code, got) == (3006, reason)


def test_long_invalid_messages_are_cut_to_fit_a_close_frame(emulator):
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send("x" * 500)
        _, code, reason = receive_all(ws)
    assert code == 3006 and reason == "Invalid JSON: " + "x" * 80


def test_terminate_flushes_the_turn_and_reports_durations(make_emulator):
    emulator = make_emulator(["Hello world, how are you?"], word_ms=100, gap_ms=300, lead_in_ms=100)
    with open_v3(emulator, "sample_rate=16000&format_turns=true") as ws:
        begin(ws)
        send_audio(ws, 350)
        messages, code, reason = terminate(ws)
    assert finals(messages) == ["Hello world"]
    termination = messages[-1]
    assert termination == {"type": "Termination", "audio_duration_seconds": 0, "session_duration_seconds": 0}
    assert (code, reason) == (1000, "")
    record = emulator.wait_for_sessions(1)[0]
    assert (record.closed_by, record.close_code, record.terminated) == ("server", 1000, True)
    assert emulator.expected_finals_for(record) == ["Hello world"]


def test_termination_reports_whole_seconds_of_audio(emulator):
    with open_v3(emulator) as ws:
        begin(ws)
        send_audio(ws, 1600, frame_ms=200)
        messages, _, _ = terminate(ws)
    assert messages[-1]["audio_duration_seconds"] == 2


def test_audio_after_terminate_is_recorded_but_ignored(make_emulator):
    emulator = make_emulator(terminate_delay_ms=300)
    with open_v3(emulator) as ws:
        begin(ws)
        send_audio(ws, 100)
        ws.send(json.dumps({"type": "Terminate"}))
        ws.send(pcm(500))
        ws.send("late junk")
        messages, code, _ = receive_all(ws)
    assert code == 1000 and messages[-1]["audio_duration_seconds"] == 0
    record = emulator.wait_for_sessions(1)[0]
    assert [f.after_terminate for f in record.frames] == [False, False, False, True, True]
    assert record.audio_ms == 100


def test_force_endpoint_ends_the_turn_now(make_emulator):
    emulator = make_emulator(["Hello world, how are you?"], word_ms=100, gap_ms=300, lead_in_ms=100)
    with open_v3(emulator, "sample_rate=16000&format_turns=true") as ws:
        begin(ws)
        send_audio(ws, 350)
        ws.send(json.dumps({"type": "ForceEndpoint"}))
        forced = receive_until(ws, lambda m: m.get("turn_is_formatted") and m["end_of_turn"])
        send_audio(ws, 650)
        messages, _, _ = terminate(ws)
    assert (forced[-1]["turn_order"], forced[-1]["transcript"]) == (0, "Hello world")
    assert finals(forced + messages) == ["Hello world", "how are you?"]


def test_update_configuration_is_validated_and_applied(emulator):
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(
            json.dumps(
                {
                    "type": "UpdateConfiguration",
                    "max_turn_silence": 900,
                    "min_turn_silence": None,
                    "keyterms_prompt": ["Zac"],
                    "format_turns": True,
                }
            )
        )
        ws.send(json.dumps({"type": "KeepAlive"}))
        _, code, _ = terminate(ws)
    assert code == 1000
    settings = emulator.wait_for_sessions(1)[0].settings
    assert (settings["max_turn_silence"], settings["min_turn_silence"]) == (900, 400)
    assert settings["keyterms_prompt"] == ["Zac"] and settings["format_turns"] is True


@pytest.mark.parametrize(
    "fields, reason",
    [
        (
            {"end_utterance_silence_threshold": 700},
            "Invalid Message: UpdateConfiguration has no field 'end_utterance_silence_threshold'",
        ),
        ({"max_turn_silence": "900"}, "Invalid Message: max_turn_silence must be an integer"),
        (
            {"end_of_turn_confidence_threshold": 2},
            "Invalid Message: end_of_turn_confidence_threshold must be between 0.0 and 1.0, got 2",
        ),
        ({"keyterms_prompt": "Zac"}, "Invalid Message: keyterms_prompt must be a JSON array of strings"),
        ({"format_turns": "true"}, "Invalid Message: format_turns must be a boolean"),
    ],
)
def test_bad_update_configuration_closes_3006(emulator, fields, reason):
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(json.dumps(dict(type="UpdateConfiguration", **fields)))
        _, code, got = receive_all(ws)
    assert (code, got) == (3006, reason)


# ------------------------------------------------------------------ timers


def test_inactivity_timeout_ends_the_session(make_emulator):
    emulator = make_emulator(timer_scale=0.05)  # 5 s -> 0.25 s
    with open_v3(emulator, "sample_rate=16000&inactivity_timeout=5") as ws:
        begin(ws)
        started = time.monotonic()
        messages, code, reason = receive_all(ws)
    assert 0.2 < time.monotonic() - started < 2
    assert messages[-1]["type"] == "Termination"
    assert (code, reason) == (1000, "Session inactive: inactivity_timeout reached")


def test_keep_alive_holds_off_the_inactivity_timeout(make_emulator):
    emulator = make_emulator(timer_scale=0.1)  # 5 s -> 0.5 s
    with open_v3(emulator, "sample_rate=16000&inactivity_timeout=5") as ws:
        begin(ws)
        for _ in range(9):  # 0.9 s in all, never 0.5 s without a KeepAlive
            time.sleep(0.1)
            ws.send(json.dumps({"type": "KeepAlive"}))
        _, code, reason = terminate(ws)
    assert (code, reason) == (1000, "")


def test_token_session_cap_expires_the_session_with_3008(make_emulator):
    emulator = make_emulator(timer_scale=0.005)  # 60 s -> 0.3 s
    token = emulator.issue_token(60, max_session_duration_seconds=60)
    with open_v3(emulator, f"sample_rate=16000&token={token}", auth=False) as ws:
        message = begin(ws)
        messages, code, reason = receive_all(ws)
    assert message["expires_at"] - time.time() <= 61
    assert messages[-1]["type"] == "Termination"
    assert (code, reason) == (3008, "Session Expired: Maximum session duration exceeded")


# ------------------------------------------------------------------ Turn message patterns


def run_hello(emulator, query):
    with open_v3(emulator, query) as ws:
        begin(ws)
        send_audio(ws, 400)
        messages, _, _ = terminate(ws)
    return messages


def test_classic_format_turns_sends_unformatted_end_of_turn_then_formatted_copy(make_emulator):
    emulator = make_emulator(**SLOW_WORDS)
    messages = run_hello(emulator, "sample_rate=16000&format_turns=true")
    assert turns(messages) == [
        (0, False, False, "", ""),
        (0, False, False, "hello", ""),
        (0, False, False, "hello", ""),
        (0, False, False, "hello world", "hello world"),
        (0, True, False, "hello world", ""),
        (0, True, True, "Hello world.", ""),
    ]


def test_formatted_mode_formats_every_turn_and_ends_once(make_emulator):
    emulator = make_emulator(format_turns_mode="formatted", **SLOW_WORDS)
    messages = run_hello(emulator, "sample_rate=16000&format_turns=true")
    assert turns(messages) == [
        (0, False, True, "", ""),
        (0, False, True, "Hello", ""),
        (0, False, True, "Hello", ""),
        (0, False, True, "Hello world.", "Hello world."),
        (0, True, True, "Hello world.", ""),
    ]


@pytest.mark.parametrize("mode", ["classic", "formatted"])
def test_without_format_turns_one_unformatted_end_of_turn(make_emulator, mode):
    emulator = make_emulator(format_turns_mode=mode, **SLOW_WORDS)
    ends = [t for t in turns(run_hello(emulator, "sample_rate=16000")) if t[1]]
    assert ends == [(0, True, False, "hello world", "")]


def test_turn_messages_carry_every_documented_field(make_emulator):
    emulator = make_emulator(**SLOW_WORDS)
    messages = run_hello(emulator, "sample_rate=16000&format_turns=true")
    partial = [m for m in messages if m.get("type") == "Turn"][2]
    assert set(partial) == {
        "type",
        "turn_order",
        "turn_is_formatted",
        "end_of_turn",
        "transcript",
        "end_of_turn_confidence",
        "words",
        "utterance",
    }
    assert [(w["text"], w["start"], w["end"], w["word_is_final"]) for w in partial["words"]] == [
        ("hello", 0, 100, True),
        ("world", 100, 200, False),
    ]
    assert all(0 < w["confidence"] <= 1 for w in partial["words"])
    formatted = [m for m in messages if m.get("turn_is_formatted")][0]
    assert [w["text"] for w in formatted["words"]] == ["Hello", "world."]
    assert formatted["end_of_turn_confidence"] > partial["end_of_turn_confidence"]


def test_turn_order_increases_per_turn(make_emulator):
    emulator = make_emulator(["Hello world.", "Bye now."])
    with open_v3(emulator, "sample_rate=16000&format_turns=true") as ws:
        begin(ws)
        send_audio(ws, 800)
        messages, _, _ = terminate(ws)
    assert finals(messages) == ["Hello world.", "Bye now."]
    assert sorted({t[0] for t in turns(messages)}) == [0, 1]


def test_update_configuration_can_switch_formatting_on(make_emulator):
    emulator = make_emulator(**SLOW_WORDS)
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(json.dumps({"type": "UpdateConfiguration", "format_turns": True}))
        send_audio(ws, 400)
        messages, _, _ = terminate(ws)
    assert finals(messages) == ["Hello world."]


def test_error_frames_precede_protocol_closes_when_enabled(make_emulator):
    emulator = make_emulator(error_frames=True)
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(pcm(20))
        messages, code, reason = receive_all(ws)
    assert messages == [{"type": "Error", "error_code": 3007, "error": reason}]
    assert code == 3007


def test_client_that_closes_before_termination_is_recorded_as_closing_first(make_emulator):
    emulator = make_emulator(terminate_delay_ms=500)
    with open_v3(emulator) as ws:
        begin(ws)
        send_audio(ws, 100)
        ws.send(json.dumps({"type": "Terminate"}))
    record = emulator.wait_for_sessions(1)[0]
    assert (record.closed_by, record.close_code, record.terminated) == ("client", 1000, True)
    assert record.messages("Termination") == []
