"""Small real-socket client helpers for the emulator tests (no mocks: every call hits 127.0.0.1)."""

from __future__ import annotations

import json
import time
from typing import Any, Dict, List, Optional, Tuple

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

KEY = "test-key-do-not-log-4b1e"
#: One-word-per-50-ms script: "Hello world." ends its turn at 50 + 100 + 150 = 300 ms of audio.
FAST = {"word_ms": 50, "gap_ms": 150, "lead_in_ms": 50}


def pcm(ms: float, sample_rate: int = 16000) -> bytes:
    """Silence of ``ms`` milliseconds, 16-bit mono."""
    return bytes(2 * int(sample_rate * ms / 1000))


def open_v3(
    emulator, query: str = "sample_rate=16000", headers: Optional[Dict[str, str]] = None, auth: bool = True
) -> ClientConnection:
    all_headers = {"Authorization": KEY} if auth else {}
    all_headers.update(headers or {})
    return connect(f"{emulator.v3_url}?{query}", additional_headers=all_headers, open_timeout=5, close_timeout=5)


def open_v2(emulator, query: str = "sample_rate=16000", auth: bool = True) -> ClientConnection:
    headers = {"Authorization": KEY} if auth else {}
    return connect(f"{emulator.v2_url}?{query}", additional_headers=headers, open_timeout=5, close_timeout=5)


def receive_all(ws: ClientConnection, timeout: float = 5.0) -> Tuple[List[Any], Optional[int], Optional[str]]:
    """Read until the server closes; return (messages, close code, close reason).

    Messages that are not JSON are returned as raw strings.
    """
    messages: List[Any] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"server did not close within {timeout} s; got {messages}")
            raw = ws.recv(timeout=remaining)
            try:
                messages.append(json.loads(raw))
            except ValueError:
                messages.append(raw)
    except ConnectionClosed:
        pass
    received = ws.protocol.close_rcvd
    return messages, (received.code if received else None), (received.reason if received else None)


def receive_until(ws: ClientConnection, predicate, timeout: float = 5.0) -> List[Any]:
    """Read JSON messages until one satisfies ``predicate``; return all read so far."""
    messages: List[Any] = []
    deadline = time.monotonic() + timeout
    while True:
        message = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        messages.append(message)
        if predicate(message):
            return messages


def begin(ws: ClientConnection) -> Dict[str, Any]:
    message = json.loads(ws.recv(timeout=5))
    assert message["type"] == "Begin", message
    return message


def send_audio(ws: ClientConnection, total_ms: float, frame_ms: float = 50, pace: float = 0.0) -> None:
    """Send ``total_ms`` of silence in ``frame_ms`` frames, sleeping ``pace`` x real time between.

    Stops quietly if the server closes the socket meanwhile.
    """
    sent = 0.0
    while sent < total_ms:
        try:
            ws.send(pcm(frame_ms))
        except ConnectionClosed:  # the server may close mid-stream; callers assert on the close
            return
        sent += frame_ms
        if pace:
            time.sleep(frame_ms / 1000 * pace)


def terminate(ws: ClientConnection, timeout: float = 5.0) -> Tuple[List[Any], Optional[int], Optional[str]]:
    ws.send(json.dumps({"type": "Terminate"}))
    return receive_all(ws, timeout)


def turns(messages: List[Any]) -> List[Tuple[int, bool, bool, str, str]]:
    """(turn_order, end_of_turn, turn_is_formatted, transcript, utterance) of each Turn."""
    return [
        (m["turn_order"], m["end_of_turn"], m["turn_is_formatted"], m["transcript"], m["utterance"])
        for m in messages
        if isinstance(m, dict) and m.get("type") == "Turn"
    ]


def finals(messages: List[Any]) -> List[str]:
    """Final transcripts as a robust client sees them: the last end-of-turn per turn_order."""
    by_order: Dict[int, str] = {}
    for message in messages:
        if isinstance(message, dict) and message.get("type") == "Turn" and message["end_of_turn"]:
            by_order[message["turn_order"]] = message["transcript"]
    return [by_order[order] for order in sorted(by_order)]
