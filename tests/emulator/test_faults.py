"""Fault injection: each kind, at each point, on both endpoints."""

import json

import pytest
from websockets.exceptions import ConnectionClosedError

from migrator.proof.emulator import Fault
from migrator.proof.emulator.faults import MALFORMED_JSON
from tests.emulator.wire import begin, open_v2, open_v3, pcm, receive_all, terminate

pytestmark = pytest.mark.timeout(20)


def test_refuse_auth_rejects_a_good_key_with_1008(make_emulator):
    emulator = make_emulator(fault=Fault("refuse_auth"))
    with open_v3(emulator) as ws:
        messages, code, reason = receive_all(ws)
    assert (messages, code, reason) == ([], 1008, "Unauthorized Connection: Invalid API key")
    record = emulator.wait_for_sessions(1)[0]
    assert (record.faults_fired, record.auth_present, record.accepted) == (["refuse_auth"], True, False)


def test_refuse_auth_on_v2_is_4001(make_emulator):
    emulator = make_emulator(fault=Fault("refuse_auth"))
    with open_v2(emulator) as ws:
        assert receive_all(ws) == ([], 4001, "Not Authorized")


def test_close_right_after_begin(make_emulator):
    emulator = make_emulator(fault=Fault("close", code=3005, reason="Session Cancelled: An error occurred"))
    with open_v3(emulator) as ws:
        messages, code, reason = receive_all(ws)
    assert [m["type"] for m in messages] == ["Begin"]
    assert (code, reason) == (3005, "Session Cancelled: An error occurred")
    assert emulator.wait_for_sessions(1)[0].closed_by == "server"


def test_close_after_n_audio_frames(make_emulator):
    emulator = make_emulator(fault=Fault("close", code=4999, reason="custom", after_frames=3), lead_in_ms=5000)
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(pcm(50))
        ws.send(pcm(50))
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.3)  # two frames: still open
        ws.send(pcm(50))
        _, code, reason = receive_all(ws)
    assert (code, reason) == (4999, "custom")
    assert len(emulator.wait_for_sessions(1)[0].frames) == 3


def test_error_frame_then_close_with_the_same_code(make_emulator):
    reason = "Unauthorized Connection: Too many concurrent sessions"
    emulator = make_emulator(fault=Fault("error_frame", code=3009, reason=reason))
    with open_v3(emulator) as ws:
        messages, code, got = receive_all(ws)
    assert messages[1:] == [{"type": "Error", "error_code": 3009, "error": reason}]
    assert (code, got) == (3009, reason)


def test_error_frame_on_v2_is_a_bare_error_object(make_emulator):
    emulator = make_emulator(fault=Fault("error_frame", code=4002))
    with open_v2(emulator) as ws:
        messages, code, reason = receive_all(ws)
    assert messages[1:] == [{"error": "Insufficient Funds"}]
    assert (code, reason) == (4002, "Insufficient Funds")


def test_malformed_json_is_sent_and_the_session_carries_on(make_emulator):
    emulator = make_emulator(fault=Fault("malformed_json", after_frames=1))
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(pcm(50))
        messages, code, _ = terminate(ws)
    assert MALFORMED_JSON in messages and messages[-1]["type"] == "Termination"
    assert code == 1000


def test_silent_server_answers_nothing_and_never_closes(make_emulator):
    emulator = make_emulator(fault=Fault("silent"))
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(pcm(400))
        ws.send(json.dumps({"type": "Terminate"}))
        with pytest.raises(TimeoutError):
            ws.recv(timeout=0.5)
    record = emulator.wait_for_sessions(1)[0]
    assert (record.closed_by, record.close_code, record.faults_fired) == ("client", 1000, ["silent"])
    assert [m.type for m in record.server_messages] == ["Begin"]
    assert record.terminated


def test_drop_closes_tcp_without_a_close_frame(make_emulator):
    emulator = make_emulator(fault=Fault("drop", after_frames=1))
    with open_v3(emulator) as ws:
        begin(ws)
        ws.send(pcm(50))
        with pytest.raises(ConnectionClosedError):
            ws.recv(timeout=5)
        assert ws.protocol.close_rcvd is None
    record = emulator.wait_for_sessions(1)[0]
    assert (record.closed_by, record.close_code) == ("dropped", None)


def test_a_fault_can_be_limited_to_one_endpoint(make_emulator):
    emulator = make_emulator(fault=Fault("close", endpoint="v2"))
    with open_v3(emulator) as ws:
        begin(ws)
        _, code, _ = terminate(ws)
    with open_v2(emulator) as ws:
        _, v2_code, v2_reason = receive_all(ws)
    assert (code, v2_code, v2_reason) == (1000, 4002, "Insufficient Funds")


def test_faults_can_be_changed_between_sessions(emulator):
    emulator.faults = Fault("refuse_auth")
    with open_v3(emulator) as ws:
        assert receive_all(ws)[1] == 1008
    emulator.faults = None
    with open_v3(emulator) as ws:
        begin(ws)
    assert [r.accepted for r in emulator.wait_for_sessions(2)] == [False, True]


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "explode"},
        {"kind": "close", "after_frames": -1},
        {"kind": "close", "code": 999},
        {"kind": "close", "endpoint": "v4"},
    ],
)
def test_fault_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        Fault(**bad)
