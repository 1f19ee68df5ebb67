"""The v2 endpoint: same scripted speech in the retired wire format, with the 4xxx closes."""

import base64
import json
import re

import pytest

from tests.emulator.wire import begin, finals, open_v2, open_v3, pcm, receive_all, send_audio, terminate

pytestmark = pytest.mark.timeout(20)


def session_begins(ws):
    message = json.loads(ws.recv(timeout=5))
    assert message["message_type"] == "SessionBegins", message
    return message


def send_base64(ws, total_ms, frame_ms=100):
    for _ in range(int(total_ms // frame_ms)):
        ws.send(json.dumps({"audio_data": base64.b64encode(pcm(frame_ms)).decode("utf-8")}))


def end(ws):
    ws.send(json.dumps({"terminate_session": True}))
    return receive_all(ws)


def texts(messages, message_type):
    return [m["text"] for m in messages if m.get("message_type") == message_type]


def test_session_begins_with_id_and_zoneless_timestamp(emulator):
    with open_v2(emulator) as ws:
        message = session_begins(ws)
    assert set(message) == {"message_type", "session_id", "expires_at"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", message["expires_at"])


def test_base64_json_audio_gives_lower_case_partials_and_formatted_finals(emulator):
    with open_v2(emulator) as ws:
        session_begins(ws)
        send_base64(ws, 400)
        messages, code, reason = end(ws)
    assert texts(messages, "PartialTranscript") == ["hello", "hello world"]
    assert texts(messages, "FinalTranscript") == ["Hello world."]
    assert messages[-1] == {"message_type": "SessionTerminated"}
    assert (code, reason) == (1000, "")
    record = emulator.wait_for_sessions(1)[0]
    assert [f.kind for f in record.audio_frames] == ["text"] * 4 and record.audio_ms == 400


def test_final_transcripts_carry_every_v2_field(emulator):
    with open_v2(emulator) as ws:
        session_begins(ws)
        ws.send(pcm(400))
        messages, _, _ = end(ws)
    (final,) = [m for m in messages if m.get("message_type") == "FinalTranscript"]
    assert set(final) == {
        "message_type",
        "audio_start",
        "audio_end",
        "confidence",
        "text",
        "words",
        "created",
        "punctuated",
        "text_formatted",
    }
    assert (final["audio_start"], final["audio_end"], final["punctuated"], final["text_formatted"]) == (
        50,
        150,
        True,
        True,
    )
    assert [(w["text"], w["start"], w["end"]) for w in final["words"]] == [("Hello", 50, 100), ("world.", 100, 150)]
    assert 0 < final["confidence"] <= 1


def test_partials_include_the_word_being_spoken(make_emulator):
    emulator = make_emulator(word_ms=100, gap_ms=200, lead_in_ms=0)
    with open_v2(emulator) as ws:
        session_begins(ws)
        send_base64(ws, 100, frame_ms=100)
        ws.send(pcm(150))
        messages, _, _ = end(ws)
    assert texts(messages, "PartialTranscript") == ["hello", "hello world"]


def test_silence_brings_empty_partials(emulator):
    with open_v2(emulator) as ws:
        session_begins(ws)
        ws.send(pcm(400))
        ws.send(pcm(700))
        messages, _, _ = end(ws)
    assert texts(messages, "PartialTranscript")[-1] == ""


def test_disable_partial_transcripts_sends_finals_only(emulator):
    with open_v2(emulator, "sample_rate=16000&disable_partial_transcripts=True") as ws:
        session_begins(ws)
        ws.send(pcm(1000))
        messages, _, _ = end(ws)
    assert [m["message_type"] for m in messages] == ["FinalTranscript", "SessionTerminated"]


def test_extra_session_information_precedes_session_terminated(emulator):
    with open_v2(emulator, "sample_rate=16000&enable_extra_session_information=true") as ws:
        session_begins(ws)
        ws.send(pcm(250))
        messages, _, _ = end(ws)
    assert messages[-2:] == [
        {"message_type": "SessionInformation", "audio_duration_seconds": 0.25},
        {"message_type": "SessionTerminated"},
    ]


def test_terminate_session_flushes_the_open_utterance(make_emulator):
    emulator = make_emulator(["Hello world, how are you?"], word_ms=100, gap_ms=300, lead_in_ms=100)
    with open_v2(emulator) as ws:
        session_begins(ws)
        ws.send(pcm(350))
        messages, _, _ = end(ws)
    assert texts(messages, "FinalTranscript") == ["Hello world"]


def test_force_end_utterance_finalises_now(make_emulator):
    emulator = make_emulator(["Hello world, how are you?"], word_ms=100, gap_ms=300, lead_in_ms=100)
    with open_v2(emulator) as ws:
        session_begins(ws)
        ws.send(pcm(350))
        ws.send(json.dumps({"force_end_utterance": True}))
        ws.send(json.dumps({"end_utterance_silence_threshold": 500}))
        ws.send(pcm(650))
        messages, _, _ = end(ws)
    assert texts(messages, "FinalTranscript") == ["Hello world", "how are you?"]
    assert emulator.wait_for_sessions(1)[0].settings["end_utterance_silence_threshold"] == 500


@pytest.mark.parametrize(
    "query, auth, close",
    [
        ("sample_rate=16000", False, (4001, "Not Authorized")),
        ("format_turns=true", True, (4000, "Sample rate must be a positive integer")),
        ("sample_rate=0", True, (4000, "Sample rate must be a positive integer")),
        ("sample_rate=16000&word_boost=hello", True, (4104, "Could not parse word boost parameter")),
        ("sample_rate=16000&encoding=opus", True, (4101, "Endpoint received a message with an invalid schema")),
    ],
)
def test_handshake_problems_close_with_v2_codes(emulator, query, auth, close):
    with open_v2(emulator, query, auth=auth) as ws:
        messages, code, reason = receive_all(ws)
    assert messages == [] and (code, reason) == close


def test_word_boost_json_array_is_accepted(emulator):
    with open_v2(emulator, 'sample_rate=16000&word_boost=["Zac","Sam"]') as ws:
        session_begins(ws)
    assert emulator.wait_for_sessions(1)[0].settings["word_boost"] == ["Zac", "Sam"]


@pytest.mark.parametrize(
    "send, close",
    [
        (pcm(50), (4032, "Audio duration is too short")),
        (pcm(2500), (4033, "Audio duration is too long")),
        ("{not json", (4100, "Endpoint received invalid JSON")),
        (json.dumps({"type": "Terminate"}), (4101, "Endpoint received a message with an invalid schema")),
        (json.dumps({"audio_data": "***"}), (4101, "Endpoint received a message with an invalid schema")),
    ],
)
def test_bad_messages_close_with_v2_codes(emulator, send, close):
    with open_v2(emulator) as ws:
        session_begins(ws)
        ws.send(send)
        _, code, reason = receive_all(ws)
    assert (code, reason) == close


def test_audio_too_fast_closes_4029(make_emulator):
    emulator = make_emulator(rate_tolerance_ms=300)
    with open_v2(emulator) as ws:
        session_begins(ws)
        send_audio(ws, 2000, frame_ms=200)
        _, code, reason = receive_all(ws)
    assert (code, reason) == (4029, "Client sent audio too fast")


def test_idle_session_closes_4031(make_emulator):
    emulator = make_emulator(v2_idle_seconds=0.2)
    with open_v2(emulator) as ws:
        session_begins(ws)
        _, code, reason = receive_all(ws)
    assert (code, reason) == (4031, "Session idle for too long")


def test_v2_and_v3_give_the_same_finals_for_the_same_audio(make_emulator):
    emulator = make_emulator(
        ["Hello world, how are you?", "Good morning, Sam."], word_ms=100, gap_ms=300, lead_in_ms=100
    )
    with open_v2(emulator) as ws:
        session_begins(ws)
        send_base64(ws, 1100, frame_ms=100)
        v2_messages, _, _ = end(ws)
    with open_v3(emulator, "sample_rate=16000&format_turns=true") as ws:
        begin(ws)
        send_audio(ws, 1100, frame_ms=50)
        v3_messages, _, _ = terminate(ws)
    expected = ["Hello world, how are you?", "Good morning"]
    assert texts(v2_messages, "FinalTranscript") == finals(v3_messages) == expected
    assert emulator.expected_finals(1100) == expected
