"""The Universal Streaming v3 endpoint, ``/v3/ws`` (docs/protocol.md §4.3-4.5).

Close codes and reasons are the documented ones (§6.2). Two points the docs leave open are
emulator choices, kept in one place here: invalid query parameters close with 3005 and a reason
naming the parameter, and an ``inactivity_timeout`` expiry ends the session like Terminate
(final Turn, Termination, close 1000).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Dict, List, Optional

from .params import ParamError, audio_duration_ms, update_configuration, v3_settings
from .records import ClientFrame
from .script import ScriptWord, TurnEnded, TurnEvent, TurnProgress
from .session import Session

CLOSE_NORMAL = 1000
CLOSE_UNAUTHORIZED = 1008
CLOSE_SERVER_ERROR = 3005
CLOSE_INVALID_MESSAGE = 3006
CLOSE_AUDIO_VIOLATION = 3007
CLOSE_SESSION_EXPIRED = 3008

MISSING_AUTH = "Unauthorized Connection: Missing Authorization header"
INVALID_KEY = "Unauthorized Connection: Invalid API key"
SESSION_EXPIRED = "Session Expired: Maximum session duration exceeded"
INACTIVE = "Session inactive: inactivity_timeout reached"

CONTROL_TYPES = ("Terminate", "ForceEndpoint", "UpdateConfiguration", "KeepAlive")

#: ``end_of_turn_confidence`` values: fixed so runs are reproducible.
CONFIDENCE_SPEAKING = 0.05
CONFIDENCE_PAUSED = 0.55
CONFIDENCE_END_OF_TURN = 0.92


def format_ms(ms: float) -> str:
    """``20``, ``49.5``: whole milliseconds without a decimal point, else one decimal."""
    return f"{round(ms, 1):g}"


def word_json(word: ScriptWord, *, final: bool, formatted: bool) -> Dict[str, Any]:
    return {
        "start": word.start,
        "end": word.end,
        "text": word.text if formatted else word.plain,
        "confidence": word.confidence,
        "word_is_final": final,
    }


class V3Session(Session):
    endpoint = "v3"
    frame_ms_range = (50.0, 1000.0)

    def __init__(self, ws, ctx) -> None:
        super().__init__(ws, ctx)
        self.config: Dict[str, Any] = {}

    # ----------------------------------------------------------------- handshake

    async def authenticate(self) -> bool:
        header, token = self.authorization()
        tokens = self.ctx.tokens
        self.ctx.log.update(self.record, auth_present=bool(header or token))
        if header is None and token is None:
            await self.refuse(CLOSE_UNAUTHORIZED, MISSING_AUTH)
            return False
        if token is None and not tokens.is_token(header):
            self.ctx.log.update(self.record, auth="header")
            if self.settings.key_ok(header):
                return True
            await self.refuse(CLOSE_UNAUTHORIZED, INVALID_KEY)
            return False
        # A temporary token: as ?token= (documented) or in Authorization (what the SDK does).
        how, credential = ("token_query", token) if token is not None else ("token_header", header)
        self.ctx.log.update(self.record, auth=how)
        ok, reason, cap = tokens.redeem(credential)
        if not ok:
            await self.refuse(CLOSE_UNAUTHORIZED, reason)
            return False
        if cap is not None:
            self.session_cap(cap)
        return True

    async def begin(self) -> bool:
        try:
            self.config = v3_settings(self.query)
        except ParamError as error:
            await self.refuse(CLOSE_SERVER_ERROR, f"Invalid Query Parameter: {error}")
            return False
        self.ctx.log.update(self.record, settings=dict(self.config))
        expires_at = int(time.time() + self.session_expires_in())
        return await self.send({"type": "Begin", "id": self.record.id, "expires_at": expires_at})

    async def refuse(self, code: int, reason: str) -> None:
        """Close for a protocol reason, preceded by an Error frame when configured."""
        if self.settings.error_frames:
            await self.send(self.error_payload(code, reason))
        await self.close(code, reason)

    def error_payload(self, code: int, reason: str) -> Dict[str, Any]:
        return {"type": "Error", "error_code": code, "error": reason}

    # ----------------------------------------------------------------- audio

    async def on_binary(self, data: bytes) -> None:
        frame = ClientFrame(
            kind="binary",
            size=len(data),
            at=self.now(),
            audio_ms=audio_duration_ms(len(data), self.config["sample_rate"], self.config["encoding"]),
            after_terminate=self.terminating,
        )
        self.record_frame(frame)
        if not self.terminating and not self.silent:
            await self.accept_audio(frame)

    async def frame_duration_violation(self, audio_ms: float) -> None:
        await self.refuse(
            CLOSE_AUDIO_VIOLATION,
            f"Input duration violation: {format_ms(audio_ms)} ms. Expected between 50 and 1000 ms",
        )

    async def rate_violation(self, audio_ms: float, elapsed_ms: float) -> None:
        await self.refuse(
            CLOSE_AUDIO_VIOLATION,
            f"Audio Transmission Rate Exceeded: Received {audio_ms / 1000:.1f} sec. audio in "
            f"{elapsed_ms / 1000:.1f} sec",
        )

    async def on_audio(self, audio_ms: float) -> None:
        await self.send_events(self.tracker.advance(audio_ms))

    # ----------------------------------------------------------------- control messages

    async def on_text(self, text: str, payload: Any, parsed: bool) -> None:
        self.text_frame(text, payload, parsed)
        if self.silent and not self.terminating and isinstance(payload, dict) and payload.get("type") == "Terminate":
            self.begin_terminate()  # noted for the record; a silent server never answers it
        if self.terminating or self.silent:
            return
        snippet = text[:80]
        if not parsed:
            await self.refuse(CLOSE_INVALID_MESSAGE, f"Invalid JSON: {snippet}")
            return
        if not isinstance(payload, dict) or not isinstance(payload.get("type"), str):
            await self.refuse(CLOSE_INVALID_MESSAGE, f"Invalid Message: {snippet}")
            return
        kind = payload["type"]
        if kind not in CONTROL_TYPES:
            await self.refuse(CLOSE_INVALID_MESSAGE, f"Invalid Message Type: {kind[:80]}")
            return
        self.touch()
        if kind == "Terminate":
            self.begin_terminate()
            self.start_task(self._terminate())
        elif kind == "ForceEndpoint":
            await self.send_events(self.tracker.end_turn())
        elif kind == "UpdateConfiguration":
            try:
                self.config.update(update_configuration(payload))
            except ParamError as error:
                await self.refuse(CLOSE_INVALID_MESSAGE, f"Invalid Message: {error}")
                return
            self.ctx.log.update(self.record, settings=dict(self.config))

    async def _terminate(self) -> None:
        await asyncio.sleep(self.settings.terminate_delay_ms / 1000.0)
        await self._end_session(CLOSE_NORMAL, "")

    async def _end_session(self, code: int, reason: str) -> None:
        """Flush the open turn, send Termination, close."""
        await self.send_events(self.tracker.end_turn())
        await self.send(
            {
                "type": "Termination",
                "audio_duration_seconds": int(round(self.tracker.audio_ms / 1000.0)),
                "session_duration_seconds": int(round(self.now())),
            }
        )
        await self.close(code, reason)

    # ----------------------------------------------------------------- timers

    def deadline(self) -> Optional[float]:
        timers = [self.session_deadline(), self.inactivity_deadline(self.config.get("inactivity_timeout"))]
        return min(t for t in timers if t is not None)

    async def on_deadline(self) -> None:
        self.begin_terminate()
        if time.monotonic() >= self.session_deadline():
            await self._end_session(CLOSE_SESSION_EXPIRED, SESSION_EXPIRED)
        else:
            await self._end_session(CLOSE_NORMAL, INACTIVE)

    # ----------------------------------------------------------------- Turn messages

    @property
    def _formatted_throughout(self) -> bool:
        return bool(self.config.get("format_turns")) and self.settings.format_turns_mode == "formatted"

    async def send_events(self, events: List[TurnEvent]) -> None:
        for event in events:
            for message in self.turn_messages(event):
                await self.send(message)

    def turn_messages(self, event: TurnEvent) -> List[Dict[str, Any]]:
        """The Turn message(s) for one tracker event, per the format_turns mode (docs/protocol.md §4.5)."""
        formatted = self._formatted_throughout
        if isinstance(event, TurnProgress):
            transcript = event.formatted if formatted else event.plain
            words = [word_json(w, final=True, formatted=formatted) for w in event.final_words]
            if event.in_progress is not None:
                words.append(word_json(event.in_progress, final=False, formatted=formatted))
            return [
                self._turn(
                    event.turn_order,
                    end_of_turn=False,
                    formatted=formatted,
                    transcript=transcript,
                    words=words,
                    utterance=transcript if event.utterance_complete else "",
                    confidence=CONFIDENCE_PAUSED if event.utterance_complete else CONFIDENCE_SPEAKING,
                )
            ]
        assert isinstance(event, TurnEnded)
        transcript = event.formatted if formatted else event.plain
        messages = [
            self._turn(
                event.turn_order,
                end_of_turn=True,
                formatted=formatted,
                transcript=transcript,
                words=[word_json(w, final=True, formatted=formatted) for w in event.words],
                utterance=transcript if event.utterance_pending else "",
                confidence=CONFIDENCE_END_OF_TURN,
            )
        ]
        if self.config.get("format_turns") and not formatted:
            messages.append(
                self._turn(
                    event.turn_order,
                    end_of_turn=True,
                    formatted=True,
                    transcript=event.formatted,
                    words=[word_json(w, final=True, formatted=True) for w in event.words],
                    utterance="",
                    confidence=CONFIDENCE_END_OF_TURN,
                )
            )
        return messages

    @staticmethod
    def _turn(order, *, end_of_turn, formatted, transcript, words, utterance, confidence) -> Dict[str, Any]:
        return {
            "type": "Turn",
            "turn_order": order,
            "turn_is_formatted": formatted,
            "end_of_turn": end_of_turn,
            "transcript": transcript,
            "end_of_turn_confidence": confidence,
            "words": words,
            "utterance": utterance,
        }
