"""What every emulated session does the same way on both endpoints.

A session authenticates, validates its query, begins, then reads client frames until the socket
closes, feeding audio to a `TurnTracker` and answering control messages. Subclasses (`v3`, `v2`)
supply the wire format. This module owns the bookkeeping both share: recording every frame and
every message sent, audio pacing, timers, fault injection, and working out at the end who closed
the socket and how.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Tuple
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from .faults import MALFORMED_JSON, Fault
from .params import first_values
from .records import REDACTED, ClientFrame, ServerMessage, SessionLog, SessionRecord
from .script import TranscriptScript, TurnTracker
from .tokens import TokenStore

#: RFC 6455 limits a close reason to 123 bytes of UTF-8.
MAX_CLOSE_REASON_BYTES = 123


def close_reason(text: str) -> str:
    """Cut a close reason to what fits in a close frame, without splitting a character."""
    data = text.encode("utf-8")[:MAX_CLOSE_REASON_BYTES]
    return data.decode("utf-8", errors="ignore")


@dataclass
class EmulatorSettings:
    """Knobs shared by every session of one emulator."""

    script: TranscriptScript
    #: ``"classic"``: unformatted end-of-turn then a formatted copy (2025 docs);
    #: ``"formatted"``: every Turn formatted, one end-of-turn message (2026 docs).
    format_turns_mode: str = "classic"
    #: Accept only this API key; None accepts any non-empty key except the string "None"
    #: (what SDK 0.x sends when no key was configured).
    api_key: Optional[str] = None
    #: How far ahead of real time a client may get before 3007/4029.
    rate_tolerance_ms: float = 1500.0
    #: Time the server "needs" to finalise after Terminate; a client that closes sooner has not
    #: waited for Termination.
    terminate_delay_ms: float = 150.0
    #: Multiplies session timers (inactivity, v2 idle, session and token lifetimes), so tests
    #: can exercise them without waiting real seconds.
    timer_scale: float = 1.0
    #: Send ``{"type": "Error", ...}`` before protocol-error closes on v3 (2026 service behaviour).
    error_frames: bool = False
    max_session_seconds: int = 10800
    v2_idle_seconds: float = 60.0

    def key_ok(self, key: str) -> bool:
        if self.api_key is not None:
            return key == self.api_key
        return bool(key.strip()) and key.strip() != "None"


@dataclass
class SessionContext:
    settings: EmulatorSettings
    log: SessionLog
    tokens: TokenStore
    faults: Sequence[Fault] = field(default_factory=tuple)


class Session:
    """Base class: one client connection on one endpoint."""

    endpoint = ""
    #: Allowed audio per frame in milliseconds, inclusive.
    frame_ms_range: Tuple[float, float] = (0.0, float("inf"))

    def __init__(self, ws: ServerConnection, ctx: SessionContext) -> None:
        self.ws = ws
        self.ctx = ctx
        self.settings = ctx.settings
        split = urlsplit(ws.request.path)
        self.query: Dict[str, List[str]] = parse_qs(split.query, keep_blank_values=True)
        recorded_query = first_values(self.query)
        if "token" in recorded_query:
            recorded_query["token"] = REDACTED
        self.record = SessionRecord(id=str(uuid.uuid4()), endpoint=self.endpoint, path=split.path, query=recorded_query)
        self.tracker = TurnTracker(ctx.settings.script)
        self._t0 = time.monotonic()
        self._faults = [f for f in ctx.faults if f.applies_to(self.endpoint)]
        #: Pace is measured from the first audio frame, not from the handshake.
        self._first_audio_at: Optional[float] = None
        self._audio_frames = 0
        self._last_activity = self._t0
        self._session_cap_seconds: float = float(self.settings.max_session_seconds)
        self.silent = False
        self.terminating = False
        self.closing = False
        self._tasks: List["asyncio.Task[None]"] = []

    # ----------------------------------------------------------------- subclass hooks

    async def authenticate(self) -> bool:
        raise NotImplementedError

    async def begin(self) -> bool:
        """Validate parameters and send the first message. False if the session was closed."""
        raise NotImplementedError

    async def on_audio(self, audio_ms: float) -> None:
        """A valid audio frame brought the total received to ``audio_ms``: transcribe up to it."""
        raise NotImplementedError

    async def frame_duration_violation(self, audio_ms: float) -> None:
        """Close for a frame outside `frame_ms_range`."""
        raise NotImplementedError

    async def rate_violation(self, audio_ms: float, elapsed_ms: float) -> None:
        """Close for audio arriving faster than real time."""
        raise NotImplementedError

    def error_payload(self, code: int, reason: str) -> Dict[str, Any]:
        """The endpoint's error message, sent before an ``error_frame`` fault closes."""
        raise NotImplementedError

    async def on_binary(self, data: bytes) -> None:
        raise NotImplementedError

    async def on_text(self, text: str, payload: Any, parsed: bool) -> None:
        raise NotImplementedError

    async def on_deadline(self) -> None:
        """A session timer expired (see `deadline`)."""
        raise NotImplementedError

    def deadline(self) -> Optional[float]:
        """Monotonic time of the next session timer, or None."""
        return None

    # ----------------------------------------------------------------- main loop

    async def run(self) -> None:
        self.ctx.log.add(self.record)
        try:
            if await self._fire_refuse_auth() or not await self.authenticate():
                return
            if not await self.begin():
                return
            self.ctx.log.update(self.record, accepted=True)
            await self._fire_faults()
            await self._receive_loop()
        finally:
            await self._finish()

    async def _receive_loop(self) -> None:
        while True:
            # Timers stop once the session is ending: only the close is awaited then.
            ending = self.silent or self.terminating or self.closing
            deadline = None if ending else self.deadline()
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                message = await asyncio.wait_for(self.ws.recv(), timeout)
            except asyncio.TimeoutError:
                await self.on_deadline()
                continue
            except ConnectionClosed:
                return
            if self.closing:
                continue  # frames still buffered after the server closed: the session is over
            if isinstance(message, bytes):
                await self.on_binary(message)
            else:
                await self._on_text_frame(message)

    async def _on_text_frame(self, text: str) -> None:
        try:
            payload, parsed = json.loads(text), True
        except ValueError:
            payload, parsed = None, False
        await self.on_text(text, payload, parsed)

    # ----------------------------------------------------------------- helpers for subclasses

    def now(self) -> float:
        """Seconds since the session started."""
        return time.monotonic() - self._t0

    def touch(self) -> None:
        """Note client activity (resets inactivity/idle timers)."""
        self._last_activity = time.monotonic()

    def record_frame(self, frame: ClientFrame) -> None:
        self.ctx.log.append(self.record.frames, frame)

    def text_frame(self, text: str, payload: Any, parsed: bool, audio_ms: Optional[float] = None) -> ClientFrame:
        if parsed and isinstance(payload, dict) and isinstance(payload.get("audio_data"), str):
            # Keep records small: what matters is that audio came as JSON, not the samples.
            payload = dict(payload, audio_data=f"<{len(payload['audio_data'])} base64 characters>")
        frame = ClientFrame(
            kind="text",
            size=len(text.encode("utf-8")),
            at=self.now(),
            audio_ms=audio_ms,
            payload=payload if parsed else None,
            text=None if parsed else text[:200],
            after_terminate=self.terminating,
        )
        self.record_frame(frame)
        return frame

    async def accept_audio(self, frame: ClientFrame) -> bool:
        """Check one recorded audio frame's duration and pace, then transcribe it.

        Returns False if the session was closed because of the frame.
        """
        audio_ms = frame.audio_ms or 0.0
        low, high = self.frame_ms_range
        if not low <= audio_ms <= high:
            await self.frame_duration_violation(audio_ms)
            return False
        now = time.monotonic()
        if self._first_audio_at is None:
            self._first_audio_at = now
        total = self.tracker.audio_ms + audio_ms
        elapsed_ms = (now - self._first_audio_at) * 1000.0
        if total - elapsed_ms > self.settings.rate_tolerance_ms:
            await self.rate_violation(total, elapsed_ms)
            return False
        self.touch()
        await self.on_audio(total)
        self._audio_frames += 1
        await self._fire_faults()
        return True

    async def send(self, payload: Dict[str, Any]) -> bool:
        return await self.send_text(json.dumps(payload), payload)

    async def send_text(self, text: str, payload: Any = None) -> bool:
        """Send one text frame and record it; False if the socket is gone or we are silent."""
        if self.silent:
            return False
        try:
            await self.ws.send(text)
        except ConnectionClosed:
            return False
        self.ctx.log.append(self.record.server_messages, ServerMessage(self.now(), payload, text))
        return True

    async def close(self, code: int, reason: str = "") -> None:
        self.closing = True
        try:
            await self.ws.close(code, close_reason(reason))
        except ConnectionClosed:
            pass

    def start_task(self, coroutine) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))

    def begin_terminate(self) -> None:
        """Mark the session as terminating; later audio is recorded but not transcribed."""
        self.terminating = True
        self.ctx.log.update(self.record, terminate_at=self.now())

    def authorization(self) -> Tuple[Optional[str], Optional[str]]:
        """(Authorization header, ``token`` query value); either may be None."""
        header = self.ws.request.headers.get("Authorization")
        token = first_values(self.query).get("token")
        return header or None, token or None

    def session_cap(self, seconds: float) -> None:
        self._session_cap_seconds = min(self._session_cap_seconds, seconds)

    def session_expires_in(self) -> float:
        return self._session_cap_seconds

    def session_deadline(self) -> float:
        return self._t0 + self._session_cap_seconds * self.settings.timer_scale

    def inactivity_deadline(self, seconds: Optional[float]) -> Optional[float]:
        if seconds is None:
            return None
        return self._last_activity + seconds * self.settings.timer_scale

    # ----------------------------------------------------------------- faults

    async def _fire_refuse_auth(self) -> bool:
        for fault in self._faults:
            if fault.kind == "refuse_auth":
                self._note_fault(fault)
                code, reason = fault.close_for(self.endpoint)
                header, token = self.authorization()
                self.ctx.log.update(self.record, auth_present=bool(header or token))
                await self.close(code, reason)
                return True
        return False

    async def _fire_faults(self) -> None:
        for fault in list(self._faults):
            if fault.kind == "refuse_auth" or fault.after_frames > self._audio_frames:
                continue
            self._faults.remove(fault)
            self._note_fault(fault)
            await self._apply(fault)

    def _note_fault(self, fault: Fault) -> None:
        self.ctx.log.append(self.record.faults_fired, fault.kind)

    async def _apply(self, fault: Fault) -> None:
        code, reason = fault.close_for(self.endpoint)
        if fault.kind == "close":
            await self.close(code, reason)
        elif fault.kind == "error_frame":
            await self.send(self.error_payload(code, reason))
            await self.close(code, reason)
        elif fault.kind == "malformed_json":
            await self.send_text(MALFORMED_JSON)
        elif fault.kind == "silent":
            self.silent = True
        elif fault.kind == "drop":
            self.ws.transport.abort()

    # ----------------------------------------------------------------- end of session

    async def _finish(self) -> None:
        for task in self._tasks:
            if not task.done():
                task.cancel()
        for task in self._tasks:
            try:
                await task
            except (asyncio.CancelledError, ConnectionClosed):
                pass
        if self.ws.protocol.close_sent is None and self.ws.protocol.close_rcvd is None:
            if not self.ws.transport.is_closing():
                await self.close(1011, "Internal emulator error")
        await self.ws.wait_closed()
        closed_by, code, reason = self._who_closed()
        self.ctx.log.update(self.record, closed_by=closed_by, close_code=code, close_reason=reason, ended_at=self.now())

    def _who_closed(self) -> Tuple[str, Optional[int], Optional[str]]:
        protocol = self.ws.protocol
        sent, received = protocol.close_sent, protocol.close_rcvd
        if sent is None and received is None:
            return "dropped", None, None
        client_first = protocol.close_rcvd_then_sent
        if received is not None and (sent is None or client_first):
            return "client", received.code, received.reason
        return "server", sent.code, sent.reason
