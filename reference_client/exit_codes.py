"""Exit codes of ``stt-client`` and the one-line messages that go with them.

Every way a session can end maps to exactly one code, so a script (or the migrator's
``--verify`` harness) can tell *why* a run failed without parsing stderr.

====  ===================  ==========================================================
Code  Name                 When
====  ===================  ==========================================================
0     OK                   Session ended cleanly (Ctrl-C, end of a WAV file, Termination)
1     INTERNAL             Unexpected bug or an output handler failed (e.g. broken pipe)
2     USAGE                Bad command line: missing credentials, invalid option value
3     AUDIO_UNAVAILABLE    No audio: pyaudio or the input device missing, WAV unreadable
10    CONNECT_FAILED       Connection refused, DNS failure, TLS or HTTP handshake error
11    CONNECT_TIMEOUT      No ``Begin`` from the server within ``--connect-timeout``
12    CONNECTION_LOST      Connection dropped without a WebSocket close frame
13    NO_TERMINATION       No ``Termination`` within ``--terminate-timeout`` after ``Terminate``
14    PROTOCOL_ERROR       The server sent something that is not a valid v3 message
20    UNAUTHORIZED         Close 1008 / HTTP 401 or 403: bad key or token, account problem
21    SERVER_ERROR         Close 3005, or an error frame without a known code
22    INVALID_MESSAGE      Close 3006: the server rejected a text frame from this client
23    AUDIO_REJECTED       Close 3007: chunk duration outside 50..1000 ms or sent too fast
24    SESSION_EXPIRED      Close 3008: maximum session duration reached
25    TOO_MANY_SESSIONS    Close 3009 (or 1008 with that reason): concurrency limit
26    SERVER_UNAVAILABLE   Close 1013: temporary server condition, retry later
27    SERVER_CLOSED        Any other close code, or an unexpected close during streaming
130   INTERRUPTED          A second Ctrl-C cut the graceful shutdown short
====  ===================  ==========================================================

Codes 2 and 130 follow shell conventions (usage error; 128 + SIGINT). The ``Error`` frame
that the server may send before closing is preferred over the close reason, because the
close reason is capped at 123 bytes (docs/protocol.md §4.4).
"""

from __future__ import annotations

import enum
from typing import Optional, Tuple

from .printable import printable


class ExitCode(enum.IntEnum):
    """Process exit status of a client run (see the module docstring for the table)."""

    OK = 0
    INTERNAL = 1
    USAGE = 2
    AUDIO_UNAVAILABLE = 3
    CONNECT_FAILED = 10
    CONNECT_TIMEOUT = 11
    CONNECTION_LOST = 12
    NO_TERMINATION = 13
    PROTOCOL_ERROR = 14
    UNAUTHORIZED = 20
    SERVER_ERROR = 21
    INVALID_MESSAGE = 22
    AUDIO_REJECTED = 23
    SESSION_EXPIRED = 24
    TOO_MANY_SESSIONS = 25
    SERVER_UNAVAILABLE = 26
    SERVER_CLOSED = 27
    INTERRUPTED = 130


#: One short description per code, used by ``--help`` so the table has one source.
EXIT_CODE_MEANINGS = {
    ExitCode.OK: "session ended cleanly",
    ExitCode.INTERNAL: "internal error or output failure",
    ExitCode.USAGE: "bad command line or missing credentials",
    ExitCode.AUDIO_UNAVAILABLE: "audio source unavailable (pyaudio, device, WAV file)",
    ExitCode.CONNECT_FAILED: "could not connect (refused, DNS, TLS, HTTP handshake)",
    ExitCode.CONNECT_TIMEOUT: "no Begin within --connect-timeout",
    ExitCode.CONNECTION_LOST: "connection dropped without a close frame",
    ExitCode.NO_TERMINATION: "no Termination within --terminate-timeout",
    ExitCode.PROTOCOL_ERROR: "server sent an invalid message",
    ExitCode.UNAUTHORIZED: "close 1008 / HTTP 401, 403: key, token or account problem",
    ExitCode.SERVER_ERROR: "close 3005 or a server error frame",
    ExitCode.INVALID_MESSAGE: "close 3006: server rejected a client message",
    ExitCode.AUDIO_REJECTED: "close 3007: bad chunk duration or audio sent too fast",
    ExitCode.SESSION_EXPIRED: "close 3008: maximum session duration exceeded",
    ExitCode.TOO_MANY_SESSIONS: "close 3009: too many concurrent sessions",
    ExitCode.SERVER_UNAVAILABLE: "close 1013: server temporarily unavailable",
    ExitCode.SERVER_CLOSED: "any other close code or an unexpected close",
    ExitCode.INTERRUPTED: "second Ctrl-C: shutdown cut short",
}

#: What each documented v3 close code means (docs/protocol.md §6.2), phrased for a user.
_CLOSE_CODES = {
    1008: (ExitCode.UNAUTHORIZED, "not authorized; check the API key or token and the account"),
    1013: (ExitCode.SERVER_UNAVAILABLE, "server temporarily unavailable; retry later"),
    3005: (ExitCode.SERVER_ERROR, "the server cancelled the session"),
    3006: (ExitCode.INVALID_MESSAGE, "the server rejected a message from this client"),
    3007: (ExitCode.AUDIO_REJECTED, "the server rejected the audio (chunk size or pace)"),
    3008: (ExitCode.SESSION_EXPIRED, "the session expired"),
    3009: (ExitCode.TOO_MANY_SESSIONS, "too many concurrent sessions"),
}

#: The concurrency limit is documented as both 1008 and 3009; the reason text decides.
_CONCURRENCY_REASON = "too many concurrent sessions"


def exit_code_table() -> str:
    """The exit-code table as plain text lines, for ``--help``."""
    return "\n".join(f"{int(code):>3}  {EXIT_CODE_MEANINGS[code]}" for code in ExitCode)


def describe_close(code: Optional[int], reason: str = "") -> Tuple[ExitCode, str]:
    """Exit code and one-line message for a server close ``code`` with ``reason``.

    1000 is not handled here: whether a normal close is a success depends on whether the
    client asked for it, which the session knows and this table does not.
    """
    reason = one_line(reason)
    if reason and _CONCURRENCY_REASON in reason.lower():
        exit_code, meaning = _CLOSE_CODES[3009]
    elif code in _CLOSE_CODES:
        exit_code, meaning = _CLOSE_CODES[code]
    else:
        exit_code, meaning = ExitCode.SERVER_CLOSED, "the server closed the connection"
    detail = f": {reason}" if reason else ""
    return exit_code, f"{meaning} (close code {code}){detail}"


def describe_error_frame(error_code: Optional[int], error: str) -> Tuple[ExitCode, str]:
    """Exit code and message for a server error frame (``{"type": "Error", ...}`` or ``{"error": ...}``)."""
    if error_code is not None:
        return describe_close(error_code, error)
    text = one_line(error) or "no details"
    if _CONCURRENCY_REASON in text.lower():
        return ExitCode.TOO_MANY_SESSIONS, f"too many concurrent sessions (server error): {text}"
    return ExitCode.SERVER_ERROR, f"server error: {text}"


def one_line(text: str, limit: int = 300) -> str:
    """Collapse whitespace so a message can never break the one-line-on-stderr promise, and
    escape control characters so server text in it can never drive the terminal."""
    collapsed = printable(" ".join(str(text).split()))
    return collapsed if len(collapsed) <= limit else collapsed[: limit - 3] + "..."
