"""What the emulator remembers about each session, for assertions and for ``--verify``.

Records hold what a client did on the wire (frames, their sizes and audio durations, control
messages), what the server answered, and how the socket ended. Credentials are never stored:
a record says *whether* and *how* the client authenticated, and a ``token`` query value is
replaced by ``<redacted>``.

The server mutates records on its event-loop thread while tests read them from another thread,
so every mutation and every snapshot goes through one lock in `SessionLog`.
"""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Dict, List, Optional

REDACTED = "<redacted>"


@dataclass
class ClientFrame:
    """One WebSocket message received from the client."""

    #: ``"binary"`` or ``"text"``.
    kind: str
    #: Payload size in bytes (UTF-8 bytes for text).
    size: int
    #: Seconds since the session was accepted.
    at: float
    #: Audio carried by the frame, in milliseconds: binary audio, or base64 ``audio_data`` (v2).
    audio_ms: Optional[float] = None
    #: Parsed JSON of a text frame, or None if it did not parse (see ``text``).
    payload: Any = None
    #: The raw text of a text frame that was not valid JSON (truncated to 200 characters).
    text: Optional[str] = None
    #: True for audio that arrived after Terminate: recorded, never transcribed.
    after_terminate: bool = False


@dataclass
class ServerMessage:
    """One message the server sent (successfully) to the client."""

    at: float
    #: Parsed JSON of the message, or None for deliberately malformed JSON (see ``text``).
    payload: Any
    text: str

    @property
    def type(self) -> Optional[str]:
        """``type`` (v3) or ``message_type`` (v2) of the message, if it has one."""
        if isinstance(self.payload, dict):
            return self.payload.get("type") or self.payload.get("message_type")
        return None


@dataclass
class SessionRecord:
    """Everything observable about one WebSocket session."""

    id: str
    #: ``"v3"`` or ``"v2"``.
    endpoint: str
    path: str
    #: Query parameters as sent (first value of each; ``token`` redacted).
    query: Dict[str, str]
    #: ``"header"`` (API key in Authorization), ``"token_header"`` (temporary token in
    #: Authorization, as the SDK sends it), ``"token_query"`` or None.
    auth: Optional[str] = None
    auth_present: bool = False
    #: True once auth and parameters passed and the session began.
    accepted: bool = False
    #: Validated connection settings (defaults filled in), when the parameters were valid.
    settings: Dict[str, Any] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    frames: List[ClientFrame] = field(default_factory=list)
    server_messages: List[ServerMessage] = field(default_factory=list)
    #: Seconds since start at which Terminate / terminate_session arrived.
    terminate_at: Optional[float] = None
    close_code: Optional[int] = None
    close_reason: Optional[str] = None
    #: ``"server"``, ``"client"`` or ``"dropped"`` (TCP closed without a close frame).
    closed_by: Optional[str] = None
    #: Seconds since start at which the session ended.
    ended_at: Optional[float] = None
    #: Fault kinds that fired during the session.
    faults_fired: List[str] = field(default_factory=list)

    @property
    def closed(self) -> bool:
        return self.closed_by is not None

    @property
    def audio_frames(self) -> List[ClientFrame]:
        """Frames that carried audio, in either framing."""
        return [frame for frame in self.frames if frame.audio_ms is not None]

    @property
    def binary_frames(self) -> List[ClientFrame]:
        return [frame for frame in self.frames if frame.kind == "binary"]

    @property
    def text_frames(self) -> List[ClientFrame]:
        return [frame for frame in self.frames if frame.kind == "text"]

    @property
    def control_messages(self) -> List[Any]:
        """Parsed text frames that were not audio (Terminate, UpdateConfiguration, ...)."""
        return [
            frame.payload if frame.payload is not None else frame.text
            for frame in self.frames
            if frame.kind == "text" and frame.audio_ms is None
        ]

    @property
    def audio_ms(self) -> float:
        """Audio transcribed: everything that arrived before Terminate."""
        return sum(f.audio_ms for f in self.audio_frames if not f.after_terminate)

    @property
    def terminated(self) -> bool:
        return self.terminate_at is not None

    @property
    def formatted_finals(self) -> bool:
        """Whether the session's finals are formatted: v2's always are, v3's only when the
        client asked for ``format_turns`` (without it they are the plain, lower-case words)."""
        return self.endpoint == "v2" or bool(self.settings.get("format_turns"))

    def messages(self, type_: Optional[str] = None) -> List[Dict[str, Any]]:
        """Server message payloads, optionally only those of one ``type``/``message_type``."""
        return [
            m.payload
            for m in self.server_messages
            if isinstance(m.payload, dict) and (type_ is None or m.type == type_)
        ]

    def finals(self) -> List[str]:
        """Final transcripts the server sent, in the form a well-behaved client would show.

        v3: the last end-of-turn transcript of each ``turn_order`` (the formatted copy replaces
        the unformatted one in the classic format_turns mode). v2: each FinalTranscript text.
        """
        if self.endpoint == "v2":
            return [m["text"] for m in self.messages("FinalTranscript")]
        by_order: Dict[int, str] = {}
        for message in self.messages("Turn"):
            if message.get("end_of_turn"):
                by_order[message["turn_order"]] = message["transcript"]
        return [by_order[order] for order in sorted(by_order)]

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


class SessionLog:
    """Thread-safe store of session records, newest last."""

    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._records: List[SessionRecord] = []

    def add(self, record: SessionRecord) -> None:
        with self._lock:
            self._records.append(record)
            self._lock.notify_all()

    def update(self, record: SessionRecord, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(record, name, value)
            self._lock.notify_all()

    def append(self, items: List[Any], item: Any) -> None:
        """Append to one of a record's lists under the lock."""
        with self._lock:
            items.append(item)

    def snapshot(self) -> List[SessionRecord]:
        with self._lock:
            return copy.deepcopy(self._records)

    def count(self) -> int:
        with self._lock:
            return len(self._records)

    def clear(self) -> None:
        with self._lock:
            self._records.clear()

    def wait(self, predicate, timeout: float) -> bool:
        """Block until ``predicate(records)`` holds (records passed live, under the lock)."""
        with self._lock:
            return self._lock.wait_for(lambda: predicate(self._records), timeout=timeout)
