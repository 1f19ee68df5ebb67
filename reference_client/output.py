"""How session events are shown: live terminal, plain finals, or JSON lines.

* :class:`TerminalRenderer` (stdout is a TTY): the partial transcript is rewritten in
  place on one line, trimmed to the terminal width so it never wraps (a wrapped line
  cannot be rewritten with ``\\r``); every final turn is printed once on its own line.
* :class:`FinalsRenderer` (stdout is a pipe or file): only final turns, one per line, no
  carriage returns, so ``stt-client --wav x.wav > out.txt`` gives a clean transcript.
* :class:`JsonRenderer` (``--json``): one JSON object per event on stdout, for scripts.

Session information, statistics and latency lines go to stderr in the text modes, so
stdout stays pure transcript. No Rich markup anywhere: transcripts are user text and may
contain brackets. Every string that came from the server goes through
:func:`reference_client.printable.printable` (JSON through ``printable_json``), so a
transcript or a session id can never drive the terminal.
"""

from __future__ import annotations

import json
import shutil
from typing import Any, Dict, Optional, TextIO

from .events import FinalTranscript, PartialTranscript, ServerWarning, SessionBegan, SessionTerminated
from .printable import printable, printable_json
from .session import SessionEvent, SessionResult

_CLEAR_LINE = "\r\x1b[2K"


def _seconds(value: Optional[float]) -> str:
    return "?" if value is None else f"{value:g} s"


def termination_summary(event: SessionTerminated, session_id: Optional[str], turns: int) -> str:
    """One stderr line with the durations the session is billed on."""
    name = f"session {printable(session_id)}" if session_id else "session"
    return (
        f"{name} ended: {_seconds(event.audio_duration_seconds)} of audio, "
        f"{_seconds(event.session_duration_seconds)} session duration, {turns} turn{'s' if turns != 1 else ''}"
    )


def latency_summary(latency: Dict[str, Any]) -> str:
    return (
        f"latency over {latency['turns']} turns: median {latency['median_ms']:.0f} ms, "
        f"p90 {latency['p90_ms']:.0f} ms, max {latency['max_ms']:.0f} ms"
    )


class Renderer:
    """Receives every session event (on the receiver thread) and the final result."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self.session_id: Optional[str] = None
        self.turns = 0

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, SessionBegan):
            self.session_id = event.session_id
            self.began(event)
        elif isinstance(event, PartialTranscript):
            self.partial(event)
        elif isinstance(event, FinalTranscript):
            self.turns += 1
            self.final(event)
        elif isinstance(event, SessionTerminated):
            self.terminated(event)
        elif isinstance(event, ServerWarning):
            self.warning(event)

    def began(self, event: SessionBegan) -> None:
        self._info(f"session {printable(event.session_id)} started; press Ctrl-C to stop")

    def partial(self, event: PartialTranscript) -> None:
        """Text modes other than the terminal ignore partials."""

    def final(self, event: FinalTranscript) -> None:
        self._write_final(event.transcript)
        if event.latency_ms is not None:
            self._info(f"turn {event.turn_order}: latency {event.latency_ms:.0f} ms")

    def terminated(self, event: SessionTerminated) -> None:
        self._info(termination_summary(event, self.session_id, self.turns))

    def warning(self, event: ServerWarning) -> None:
        code = f" {event.code}" if event.code is not None else ""
        self._info(f"server warning{code}: {printable(event.text)}")

    def finish(self, result: SessionResult) -> None:
        """Called once on the main thread after the session ended."""
        if result.latency:
            self._info(latency_summary(result.latency))

    def _write_final(self, text: str) -> None:
        self.out.write(printable(text) + "\n")
        self.out.flush()

    def _info(self, line: str) -> None:
        self.err.write(line + "\n")
        self.err.flush()


class FinalsRenderer(Renderer):
    """Finals only on stdout, one per line."""


class TerminalRenderer(Renderer):
    """Live partial line plus finals; stderr lines first clear the partial so they never collide."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        super().__init__(out, err)
        self._partial_shown = False

    def partial(self, event: PartialTranscript) -> None:
        width = max(10, shutil.get_terminal_size((80, 24)).columns - 1)
        text = printable(event.text)
        text = text if len(text) <= width else "..." + text[-(width - 3) :]
        self.out.write(_CLEAR_LINE + text)
        self.out.flush()
        self._partial_shown = bool(text)

    def _write_final(self, text: str) -> None:
        self.out.write(_CLEAR_LINE + printable(text) + "\n")
        self.out.flush()
        self._partial_shown = False

    def _info(self, line: str) -> None:
        self._clear_partial()
        super()._info(line)

    def finish(self, result: SessionResult) -> None:
        self._clear_partial()
        super().finish(result)

    def _clear_partial(self) -> None:
        if self._partial_shown:
            self.out.write(_CLEAR_LINE)
            self.out.flush()
            self._partial_shown = False


class JsonRenderer(Renderer):
    """One JSON object per line: begin, partial, final, termination, warning, end."""

    def _emit(self, payload: Dict[str, Any]) -> None:
        self.out.write(printable_json(json.dumps(payload, ensure_ascii=False)) + "\n")
        self.out.flush()

    def began(self, event: SessionBegan) -> None:
        self._emit({"event": "begin", "session_id": event.session_id, "expires_at": event.expires_at})

    def partial(self, event: PartialTranscript) -> None:
        self._emit({"event": "partial", "turn_order": event.turn_order, "text": event.text})

    def final(self, event: FinalTranscript) -> None:
        payload: Dict[str, Any] = {
            "event": "final",
            "turn_order": event.turn_order,
            "transcript": event.transcript,
            "turn_is_formatted": event.turn_is_formatted,
            "end_of_turn_confidence": event.end_of_turn_confidence,
            "words": event.words,
        }
        for key in ("language_code", "language_confidence", "speaker_label"):
            if key in event.message:
                payload[key] = event.message[key]
        if event.latency_ms is not None:
            payload["latency_ms"] = round(event.latency_ms, 1)
        self._emit(payload)

    def terminated(self, event: SessionTerminated) -> None:
        self._emit(
            {
                "event": "termination",
                "session_id": self.session_id,
                "audio_duration_seconds": event.audio_duration_seconds,
                "session_duration_seconds": event.session_duration_seconds,
                "turns": self.turns,
            }
        )

    def warning(self, event: ServerWarning) -> None:
        self._emit({"event": "warning", "code": event.code, "warning": event.text})

    def finish(self, result: SessionResult) -> None:
        self._emit(
            {
                "event": "end",
                "exit_code": int(result.exit_code),
                "exit_name": result.exit_code.name,
                "message": result.message,
                "session_id": result.session_id,
                "frames_sent": result.frames_sent,
                "latency": result.latency,
            }
        )


def make_renderer(out: TextIO, err: TextIO, *, as_json: bool) -> Renderer:
    """JSON when asked, the live view on a terminal, plain finals otherwise."""
    if as_json:
        return JsonRenderer(out, err)
    isatty = getattr(out, "isatty", None)
    if isatty is not None and isatty():
        return TerminalRenderer(out, err)
    return FinalsRenderer(out, err)
