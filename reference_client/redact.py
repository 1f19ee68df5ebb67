"""Keep credentials out of everything the client prints.

The API key travels in a header and a temporary token in the query string; neither may
appear in output, logs or exception text. Exceptions from the socket layer can echo the
URL or request details, so every message passes through a :class:`Redactor` first.
"""

from __future__ import annotations

import logging
from typing import Iterable, Optional, Tuple
from urllib.parse import quote, quote_plus

MASK = "***"
#: Shorter strings are not real credentials (keys are 32 characters) and masking them
#: would garble ordinary words in messages.
MIN_SECRET_LENGTH = 4


class Redactor:
    """Replaces each known secret, raw or URL-encoded, with ``***``."""

    def __init__(self, secrets: Iterable[Optional[str]]) -> None:
        forms = set()
        for secret in secrets:
            if secret and len(secret) >= MIN_SECRET_LENGTH:
                forms.update({secret, quote(secret, safe=""), quote_plus(secret)})
        # Longest first, so a secret that contains another is masked whole.
        self._forms: Tuple[str, ...] = tuple(sorted(forms, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for form in self._forms:
            text = text.replace(form, MASK)
        return text


class RedactingFilter(logging.Filter):
    """Masks secrets in records of a logger (websocket-client logs exception texts).

    Installed on the ``websocket`` logger while a session runs, so an application that
    turns on logging still never writes a credential to its log.
    """

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self._redact = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self._redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
