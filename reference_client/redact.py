"""Keep credentials out of everything the client prints.

The API key travels in a header and a temporary token in the query string; neither may
appear in output, logs or exception text. Exceptions from the socket layer can echo the
URL or request details, so every message passes through a :class:`Redactor` first.
"""

from __future__ import annotations

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
