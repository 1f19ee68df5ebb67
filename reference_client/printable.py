"""Server text made safe for a terminal.

Everything the server sends (transcripts, session ids, warnings, error and close reasons) is
data, and a terminal treats some characters as commands: ``ESC ] 0 ; ... BEL`` retitles the
window, ``ESC [ ...`` moves the cursor or recolours, a lone ``\\r`` overwrites the line. So
every string from the server is printed through `printable`, which writes control characters
(C0, DEL, C1) and the bidirectional overrides as visible escapes (``\\x1b``, ``\\u202e``)
and leaves all other text, accents and emoji included, as it is.
"""

from __future__ import annotations

import re

#: C0 controls, DEL, C1 controls, and the bidi embedding/override/isolate characters.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: "re.Match[str]") -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """``text`` with every terminal control character written as a visible escape."""
    return _UNSAFE.sub(_escape, str(text))


def printable_json(document: str) -> str:
    """A JSON document whose strings cannot drive a terminal: ``json.dumps`` escapes C0
    controls itself, but with ``ensure_ascii=False`` leaves C1 and bidi characters raw."""
    return _UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", document)
