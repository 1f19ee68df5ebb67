"""Temporary tokens: ``GET /v3/token`` minting and single-use redemption (docs/protocol.md §2.2).

Tokens are random and kept only in memory. The store remembers every token it ever issued so a
replayed or expired token is told apart from an API key and refused with 1008.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Callable, Dict, Mapping, Optional, Sequence, Tuple

from .params import ParamError, first_values, parse_int

TOKEN_PREFIX = "emu_tok_"


@dataclass
class IssuedToken:
    expires_at: float
    max_session_seconds: int
    used: bool = False


class TokenStore:
    """In-memory single-use tokens. Thread-safe: tests may mint while sessions redeem."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, timer_scale: float = 1.0) -> None:
        self._clock = clock
        self._scale = timer_scale
        self._lock = threading.Lock()
        self._tokens: Dict[str, IssuedToken] = {}

    def issue(self, expires_in_seconds: int, max_session_duration_seconds: int = 10800) -> str:
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = IssuedToken(
                expires_at=self._clock() + expires_in_seconds * self._scale,
                max_session_seconds=max_session_duration_seconds,
            )
        return token

    def is_token(self, value: str) -> bool:
        """True for any value this store issued, used or not."""
        with self._lock:
            return value in self._tokens

    def redeem(self, value: str) -> Tuple[bool, str, Optional[int]]:
        """Use a token once. Returns (ok, refusal reason, session cap in seconds)."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None:
                return False, "Unauthorized Connection: Invalid token", None
            if token.used:
                return False, "Unauthorized Connection: Token already used", None
            if self._clock() > token.expires_at:
                return False, "Unauthorized Connection: Token expired", None
            token.used = True
            return True, "", token.max_session_seconds


def token_response(
    store: TokenStore,
    query: Mapping[str, Sequence[str]],
    authorization: Optional[str],
    key_ok: Callable[[str], bool],
) -> Tuple[int, str]:
    """Answer ``GET /v3/token``: (HTTP status, JSON body)."""
    if not authorization or not key_ok(authorization):
        return 401, json.dumps({"error": "Unauthorized: missing or invalid Authorization header"})
    q = first_values(query)
    try:
        if "expires_in_seconds" not in q:
            raise ParamError("expires_in_seconds is required")
        expires = parse_int("expires_in_seconds", q["expires_in_seconds"], 1, 600)
        cap = 10800
        if "max_session_duration_seconds" in q:
            cap = parse_int("max_session_duration_seconds", q["max_session_duration_seconds"], 60, 10800)
    except ParamError as error:
        return 400, json.dumps({"error": str(error)})
    return 200, json.dumps({"token": store.issue(expires, cap), "expires_in_seconds": expires})
