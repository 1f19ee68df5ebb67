"""Fault injection: make the emulator misbehave on purpose so client error paths get exercised.

A `Fault` fires once per session, at a point given by ``after_frames``: ``0`` (the default)
right after the session begins, ``N`` once the N-th audio frame has been received.
``refuse_auth`` always fires during the handshake, before the session begins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

FAULT_KINDS = ("refuse_auth", "close", "error_frame", "malformed_json", "silent", "drop")

#: What each fault kind does when no code/reason is given, per endpoint.
DEFAULT_CLOSE = {
    ("refuse_auth", "v3"): (1008, "Unauthorized Connection: Invalid API key"),
    ("refuse_auth", "v2"): (4001, "Not Authorized"),
    ("close", "v3"): (3005, "Session Cancelled: An error occurred"),
    ("close", "v2"): (4002, "Insufficient Funds"),
    ("error_frame", "v3"): (3005, "Session Cancelled: An error occurred"),
    ("error_frame", "v2"): (4002, "Insufficient Funds"),
}

#: The text frame sent by ``malformed_json``: a Turn cut off mid-object.
MALFORMED_JSON = '{"type": "Turn", "turn_order": 0, "transcript": "hel'


@dataclass(frozen=True)
class Fault:
    """One injected misbehaviour.

    kind:
        ``refuse_auth``: reject the handshake's credentials (1008 on v3, 4001 on v2).
        ``close``: close the socket with ``code``/``reason``.
        ``error_frame``: send ``{"type": "Error", "error_code": code, "error": reason}``
        (v2: ``{"error": reason}``), then close with ``code``/``reason``.
        ``malformed_json``: send one text frame that is not valid JSON, then carry on.
        ``silent``: from then on send nothing and ignore everything (the socket stays open).
        ``drop``: drop the TCP connection without a close frame.
    code, reason:
        Close code and reason for ``refuse_auth``/``close``/``error_frame``; None picks the
        documented default of the endpoint.
    after_frames:
        Fire once this many audio frames have been received (0: right after Begin).
    endpoint:
        ``"v3"`` or ``"v2"`` to limit the fault to one endpoint; None for both.
    """

    kind: str
    code: Optional[int] = None
    reason: Optional[str] = None
    after_frames: int = 0
    endpoint: Optional[str] = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.after_frames < 0:
            raise ValueError("after_frames must not be negative")
        if self.endpoint not in (None, "v3", "v2"):
            raise ValueError("endpoint must be 'v3', 'v2' or None")
        if self.code is not None and not (1000 <= self.code <= 4999):
            raise ValueError("close code must be between 1000 and 4999")

    def applies_to(self, endpoint: str) -> bool:
        return self.endpoint is None or self.endpoint == endpoint

    def close_for(self, endpoint: str) -> "tuple[int, str]":
        """Close code and reason this fault uses on ``endpoint``."""
        default_code, default_reason = DEFAULT_CLOSE.get((self.kind, endpoint), (3005, ""))
        return (
            default_code if self.code is None else self.code,
            default_reason if self.reason is None else self.reason,
        )
