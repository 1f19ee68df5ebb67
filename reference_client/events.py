"""What a session reports to its listener, in the client's own terms.

The server speaks in ``Begin``/``Turn``/``Termination`` messages; a listener (the CLI's
renderers, the migrator's verify harness) wants "a partial changed" and "this turn is
final, once". These small immutable records are that interface. Each keeps the server
message it came from in ``message`` for anything not lifted into a field.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Dict, List, Optional


@dataclasses.dataclass(frozen=True)
class SessionBegan:
    """The server's ``Begin``: the session exists (and is billed) from here on."""

    session_id: str
    expires_at: Optional[int]
    message: Dict[str, Any]


@dataclasses.dataclass(frozen=True)
class PartialTranscript:
    """The text of the turn in progress changed. ``text`` includes the word still being spoken."""

    turn_order: int
    text: str
    message: Dict[str, Any]


@dataclasses.dataclass(frozen=True)
class FinalTranscript:
    """A finished turn, reported exactly once per ``turn_order``.

    ``latency_ms`` is set when latency measurement is on: the time from sending the audio
    that holds the turn's last word to receiving this turn.
    """

    turn_order: int
    transcript: str
    turn_is_formatted: bool
    end_of_turn_confidence: Optional[float]
    words: List[Dict[str, Any]]
    message: Dict[str, Any]
    latency_ms: Optional[float] = None

    @property
    def last_word_end_ms(self) -> Optional[int]:
        ends = [word.get("end") for word in self.words if isinstance(word.get("end"), (int, float))]
        return int(max(ends)) if ends else None


@dataclasses.dataclass(frozen=True)
class SessionTerminated:
    """The server's ``Termination``, with the durations used for billing."""

    audio_duration_seconds: Optional[float]
    session_duration_seconds: Optional[float]
    message: Dict[str, Any]


@dataclasses.dataclass(frozen=True)
class ServerWarning:
    """A non-fatal ``Warning`` message (2026 SDK vocabulary); shown, never acted on."""

    code: Optional[int]
    text: str
    message: Dict[str, Any]
