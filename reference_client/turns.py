"""Deciding when a turn is final, and reporting it once (docs/protocol.md §4.5).

Two server behaviours exist with ``format_turns=true``:

* classic (2025): the end of turn arrives unformatted, then a second end-of-turn message
  with the same ``turn_order`` carries the formatted text;
* current (2026-03): every message of the turn is formatted and there is one end of turn.

A turn is final when ``end_of_turn and (turn_is_formatted or not format_turns)``, the rule
pipecat and LiveKit use. An unformatted end of turn under ``format_turns`` is held back
(and shown as the partial) until its formatted copy replaces it; if no copy comes, it is
released when the next turn starts or the session ends, so no turn is ever lost. A second
end of turn for a turn already reported is a replacement of something already printed and
is dropped, which is what "printed once" means for text output.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Set, Union

from .events import FinalTranscript, PartialTranscript

TurnEvent = Union[PartialTranscript, FinalTranscript]


def partial_text(message: Dict[str, Any]) -> str:
    """The transcript so far plus the word still being spoken (v3 keeps it only in ``words``)."""
    transcript = str(message.get("transcript") or "")
    words = message.get("words") or []
    if words and isinstance(words[-1], dict) and not words[-1].get("word_is_final", True):
        in_progress = str(words[-1].get("text") or "")
        if in_progress:
            return f"{transcript} {in_progress}".strip()
    return transcript


def _final(message: Dict[str, Any]) -> FinalTranscript:
    confidence = message.get("end_of_turn_confidence")
    return FinalTranscript(
        turn_order=int(message.get("turn_order", 0)),
        transcript=str(message.get("transcript") or ""),
        turn_is_formatted=bool(message.get("turn_is_formatted", False)),
        end_of_turn_confidence=float(confidence) if isinstance(confidence, (int, float)) else None,
        words=[word for word in message.get("words") or [] if isinstance(word, dict)],
        message=message,
    )


class TurnAssembler:
    """Turns the stream of ``Turn`` messages into partials and once-only finals."""

    def __init__(self, format_turns: bool) -> None:
        self.format_turns = format_turns
        self._reported: Set[int] = set()
        self._held: Optional[Dict[str, Any]] = None

    def on_turn(self, message: Dict[str, Any]) -> List[TurnEvent]:
        """Events caused by one ``Turn`` message, in order."""
        turn_order = int(message.get("turn_order", 0))
        events: List[TurnEvent] = []
        if self._held is not None and int(self._held.get("turn_order", 0)) != turn_order:
            events.extend(self.flush())
        if turn_order in self._reported:
            return events
        if not message.get("end_of_turn"):
            events.append(PartialTranscript(turn_order, partial_text(message), message))
        elif message.get("turn_is_formatted") or not self.format_turns:
            self._held = None
            self._reported.add(turn_order)
            events.append(_final(message))
        else:
            self._held = message
            events.append(PartialTranscript(turn_order, partial_text(message), message))
        return events

    def flush(self) -> List[TurnEvent]:
        """Release a held unformatted end of turn (next turn began, or the session ended)."""
        held, self._held = self._held, None
        if held is None:
            return []
        self._reported.add(int(held.get("turn_order", 0)))
        return [_final(held)]
