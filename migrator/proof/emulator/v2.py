"""The retired v2 real-time endpoint, ``/v2/realtime/ws`` (docs/protocol.md §4.1-4.2).

It exists so an original v2 script can be run on the same scripted speech as its migrated
version and their printed finals compared. It follows the v2 wire format: ``message_type``
keys, lower-case partials that include the word being spoken, formatted finals, base64 JSON or
binary audio of 100-2000 ms, ``terminate_session``, and the 4xxx close codes of §6.1.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import datetime
from typing import Any, Dict, List, Optional, Sequence

from .params import V2ParamError, audio_duration_ms, v2_settings
from .records import ClientFrame
from .script import ScriptWord, TurnEnded, TurnEvent, TurnProgress
from .session import Session

NOT_AUTHORIZED = (4001, "Not Authorized")
AUDIO_TOO_FAST = (4029, "Client sent audio too fast")
IDLE = (4031, "Session idle for too long")
TOO_SHORT = (4032, "Audio duration is too short")
TOO_LONG = (4033, "Audio duration is too long")
INVALID_JSON = (4100, "Endpoint received invalid JSON")
INVALID_SCHEMA = (4101, "Endpoint received a message with an invalid schema")

#: During silence v2 kept sending empty partials; the emulator sends one per this much audio.
SILENCE_PARTIAL_MS = 500


def _timestamp(moment: Optional[datetime.datetime] = None) -> str:
    """v2 timestamps: ISO-8601 without a zone, e.g. ``2023-05-24T08:09:10.161850``."""
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.replace(tzinfo=None).isoformat(timespec="microseconds")


def _words(words: Sequence[ScriptWord], *, formatted: bool) -> List[Dict[str, Any]]:
    return [
        {"start": w.start, "end": w.end, "confidence": w.confidence, "text": w.text if formatted else w.plain}
        for w in words
    ]


def _confidence(words: Sequence[ScriptWord]) -> float:
    return round(sum(w.confidence for w in words) / len(words), 4) if words else 0.0


class V2Session(Session):
    endpoint = "v2"
    frame_ms_range = (100.0, 2000.0)

    def __init__(self, ws, ctx) -> None:
        super().__init__(ws, ctx)
        self.config: Dict[str, Any] = {}
        self._silence_partials = 0

    async def authenticate(self) -> bool:
        header, token = self.authorization()
        self.ctx.log.update(self.record, auth_present=bool(header or token))
        if token is not None:
            self.ctx.log.update(self.record, auth="token_query")
            ok = self.ctx.tokens.redeem(token)[0]
        elif header is not None:
            self.ctx.log.update(self.record, auth="header")
            ok = self.settings.key_ok(header)
        else:
            ok = False
        if not ok:
            await self.close(*NOT_AUTHORIZED)
        return ok

    async def begin(self) -> bool:
        try:
            self.config = v2_settings(self.query)
        except V2ParamError as error:
            await self.close(error.code, error.reason)
            return False
        self.ctx.log.update(self.record, settings=dict(self.config))
        expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=self.session_expires_in())
        return await self.send(
            {"message_type": "SessionBegins", "session_id": self.record.id, "expires_at": _timestamp(expires)}
        )

    def error_payload(self, code: int, reason: str) -> Dict[str, Any]:
        return {"error": reason}

    # ----------------------------------------------------------------- audio

    async def on_binary(self, data: bytes) -> None:
        frame = ClientFrame(
            kind="binary",
            size=len(data),
            at=self.now(),
            audio_ms=self._ms(len(data)),
            after_terminate=self.terminating,
        )
        self.record_frame(frame)
        await self._transcribe(frame)

    def _ms(self, size: int) -> float:
        return audio_duration_ms(size, self.config["sample_rate"], self.config["encoding"])

    async def _transcribe(self, frame: ClientFrame) -> None:
        """Audio in either framing, already recorded."""
        if not self.terminating and not self.silent:
            await self.accept_audio(frame)

    async def frame_duration_violation(self, audio_ms: float) -> None:
        await self.close(*(TOO_SHORT if audio_ms < self.frame_ms_range[0] else TOO_LONG))

    async def rate_violation(self, audio_ms: float, elapsed_ms: float) -> None:
        await self.close(*AUDIO_TOO_FAST)

    async def on_audio(self, audio_ms: float) -> None:
        await self.send_events(self.tracker.advance(audio_ms))
        if self.tracker.cursor >= self._heard_or_in_progress():
            mark = int(audio_ms // SILENCE_PARTIAL_MS)
            if mark > self._silence_partials and not self.config["disable_partial_transcripts"]:
                self._silence_partials = mark
                await self.send(self._partial([], None, audio_ms))

    def _heard_or_in_progress(self) -> int:
        """Index past the last word that has at least started (v2 partials show such words)."""
        words = self.ctx.settings.script.words
        count = self.tracker.cursor
        while count < len(words) and words[count].start < self.tracker.audio_ms:
            count += 1
        return count

    # ----------------------------------------------------------------- JSON messages

    async def on_text(self, text: str, payload: Any, parsed: bool) -> None:
        if parsed and isinstance(payload, dict) and isinstance(payload.get("audio_data"), str):
            await self._json_audio(text, payload)
            return
        self.text_frame(text, payload, parsed)
        if (
            self.silent
            and not self.terminating
            and isinstance(payload, dict)
            and payload.get("terminate_session") is True
        ):
            self.begin_terminate()  # noted for the record; a silent server never answers it
        if self.terminating or self.silent:
            return
        if not parsed:
            await self.close(*INVALID_JSON)
            return
        if not isinstance(payload, dict) or len(payload) != 1:
            await self.close(*INVALID_SCHEMA)
            return
        ((name, value),) = payload.items()
        self.touch()
        if name == "terminate_session" and value is True:
            self.begin_terminate()
            self.start_task(self._terminate())
        elif name == "force_end_utterance" and value is True:
            await self.send_events(self.tracker.end_turn())
        elif (
            name == "end_utterance_silence_threshold"
            and isinstance(value, int)
            and not isinstance(value, bool)
            and 0 <= value <= 20000
        ):
            # Recorded; the scripted turns keep their own pace so v2 and v3 runs stay comparable.
            self.config["end_utterance_silence_threshold"] = value
            self.ctx.log.update(self.record, settings=dict(self.config))
        else:
            await self.close(*INVALID_SCHEMA)

    async def _json_audio(self, text: str, payload: Dict[str, Any]) -> None:
        try:
            audio = base64.b64decode(payload["audio_data"], validate=True)
        except (binascii.Error, ValueError):
            self.text_frame(text, payload, True)
            if not self.terminating:
                await self.close(*INVALID_SCHEMA)
            return
        await self._transcribe(self.text_frame(text, payload, True, audio_ms=self._ms(len(audio))))

    async def _terminate(self) -> None:
        await asyncio.sleep(self.settings.terminate_delay_ms / 1000.0)
        await self.send_events(self.tracker.end_turn())
        if self.config["enable_extra_session_information"]:
            await self.send(
                {
                    "message_type": "SessionInformation",
                    "audio_duration_seconds": round(self.tracker.audio_ms / 1000.0, 3),
                }
            )
        await self.send({"message_type": "SessionTerminated"})
        await self.close(1000, "")

    # ----------------------------------------------------------------- timers

    def deadline(self) -> Optional[float]:
        return self.inactivity_deadline(self.settings.v2_idle_seconds)

    async def on_deadline(self) -> None:
        await self.close(*IDLE)

    # ----------------------------------------------------------------- transcripts

    async def send_events(self, events: List[TurnEvent]) -> None:
        for event in events:
            if isinstance(event, TurnProgress):
                if not self.config["disable_partial_transcripts"]:
                    await self.send(self._partial(event.final_words, event.in_progress, self.tracker.audio_ms))
            else:
                await self.send(self._final(event))

    def _partial(self, final_words: Sequence[ScriptWord], in_progress: Optional[ScriptWord], audio_ms: float):
        words = list(final_words) + ([in_progress] if in_progress is not None else [])
        return {
            "message_type": "PartialTranscript",
            "audio_start": words[0].start if words else int(audio_ms),
            "audio_end": words[-1].end if words else int(audio_ms),
            "confidence": _confidence(words),
            "text": " ".join(w.plain for w in words),
            "words": _words(words, formatted=False),
            "created": _timestamp(),
        }

    def _final(self, event: TurnEnded) -> Dict[str, Any]:
        words = list(event.words)
        return {
            "message_type": "FinalTranscript",
            "audio_start": words[0].start,
            "audio_end": words[-1].end,
            "confidence": _confidence(words),
            "text": event.formatted,
            "words": _words(words, formatted=True),
            "created": _timestamp(),
            "punctuated": True,
            "text_formatted": True,
        }
