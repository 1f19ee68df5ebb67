"""Where to connect and with which query parameters (docs/protocol.md §2).

The URL is always built with :func:`urllib.parse.urlencode`, never by string
concatenation, so keyterms with spaces, ``&`` or non-ASCII characters arrive intact.
Booleans are sent as ``true``/``false`` (the documented spelling; Python's ``True`` only
works because the server is lenient) and ``keyterms_prompt`` as one JSON array, which is
the form both the docs and the SDK use.
"""

from __future__ import annotations

import dataclasses
import json
from typing import List, Optional, Sequence, Tuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: ``us`` is the edge-routed default host, ``eu`` the EU data-zone host (docs/protocol.md §2.1).
REGION_HOSTS = {
    "us": "streaming.assemblyai.com",
    "eu": "streaming.eu.assemblyai.com",
}
V3_PATH = "/v3/ws"
ENCODINGS = ("pcm_s16le", "pcm_mulaw")
SPEECH_MODELS = (
    "universal-streaming-english",
    "universal-streaming-multilingual",
    "u3-rt-pro",
    "whisper-rt",
)
#: Same choice as the migrator's rewrites: current docs give the API no default model.
DEFAULT_SPEECH_MODEL = "universal-streaming-english"
MAX_KEYTERMS = 100
MAX_KEYTERM_CHARS = 50


@dataclasses.dataclass(frozen=True)
class StreamingParameters:
    """Every documented v3 connection parameter; ``None`` means "leave to the server".

    ``sample_rate`` and ``encoding`` describe the audio this client sends, so they are
    always sent.
    """

    sample_rate: int = 16000
    encoding: str = "pcm_s16le"
    speech_model: Optional[str] = DEFAULT_SPEECH_MODEL
    format_turns: Optional[bool] = True
    end_of_turn_confidence_threshold: Optional[float] = None
    min_turn_silence: Optional[int] = None
    max_turn_silence: Optional[int] = None
    keyterms_prompt: Tuple[str, ...] = ()
    language_detection: Optional[bool] = None
    inactivity_timeout: Optional[int] = None

    def __post_init__(self) -> None:
        problems = self.problems()
        if problems:
            raise ValueError("; ".join(problems))

    def problems(self) -> List[str]:
        """Values the server would reject, as messages (the CLI reports them as usage errors)."""
        found = []
        if self.sample_rate <= 0:
            found.append(f"sample_rate must be positive, got {self.sample_rate}")
        if self.encoding not in ENCODINGS:
            found.append(f"encoding must be one of {', '.join(ENCODINGS)}, got {self.encoding!r}")
        threshold = self.end_of_turn_confidence_threshold
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            found.append(f"end_of_turn_confidence_threshold must be within 0..1, got {threshold}")
        for name in ("min_turn_silence", "max_turn_silence"):
            value = getattr(self, name)
            if value is not None and value < 0:
                found.append(f"{name} must not be negative, got {value}")
        if self.inactivity_timeout is not None and not 5 <= self.inactivity_timeout <= 3600:
            found.append(f"inactivity_timeout must be within 5..3600 s, got {self.inactivity_timeout}")
        if len(self.keyterms_prompt) > MAX_KEYTERMS:
            found.append(f"at most {MAX_KEYTERMS} keyterms are allowed, got {len(self.keyterms_prompt)}")
        long_terms = [term for term in self.keyterms_prompt if len(term) > MAX_KEYTERM_CHARS]
        if long_terms:
            found.append(
                f"keyterms must be at most {MAX_KEYTERM_CHARS} characters (the server ignores longer ones): "
                + ", ".join(repr(term) for term in long_terms)
            )
        return found

    def query(self) -> List[Tuple[str, str]]:
        """The query pairs in a stable order, omitting parameters left to the server."""
        pairs: List[Tuple[str, str]] = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None or value == ():
                continue
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, tuple):
                text = json.dumps(list(value))
            else:
                text = str(value)
            pairs.append((field.name, text))
        return pairs

    @property
    def bytes_per_sample(self) -> int:
        return 1 if self.encoding == "pcm_mulaw" else 2


def endpoint_url(
    params: StreamingParameters,
    *,
    region: str = "us",
    url: Optional[str] = None,
    token: Optional[str] = None,
) -> str:
    """The full ``wss://.../v3/ws?...`` URL.

    ``url`` (e.g. ``ws://127.0.0.1:8765/v3/ws`` for the emulator) replaces the regional
    endpoint; query parameters already in it are kept, ours are appended. A temporary
    ``token`` goes in the query string, as documented.
    """
    if url is None:
        if region not in REGION_HOSTS:
            raise ValueError(f"region must be one of {', '.join(REGION_HOSTS)}, got {region!r}")
        url = f"wss://{REGION_HOSTS[region]}{V3_PATH}"
    try:
        parts = urlsplit(url)
        port = parts.port  # raises for a port that is not a number in 0..65535
    except ValueError as error:
        raise ValueError(f"URL is not valid ({error}): {url!r}") from None
    if parts.scheme not in ("ws", "wss"):
        raise ValueError(f"URL must start with ws:// or wss://, got {url!r}")
    if not parts.hostname:
        raise ValueError(f"URL has no host: {url!r}")
    if port == 0:
        raise ValueError(f"URL has port 0: {url!r}")
    pairs: Sequence[Tuple[str, str]] = parse_qsl(parts.query, keep_blank_values=True) + params.query()
    if token:
        pairs = list(pairs) + [("token", token)]
    return urlunsplit(parts._replace(query=urlencode(pairs)))
