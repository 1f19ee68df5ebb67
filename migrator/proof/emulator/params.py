"""Validation of connection query parameters and of ``UpdateConfiguration`` messages.

The rules follow docs/protocol.md §2.3 (v2) and §2.4/§4.3 (v3). Where the real service is lenient in
a way documented code relies on, so is the emulator: booleans are matched case-insensitively
because the official cookbook sends Python's ``True`` through ``urlencode``, and the pre-2026
name ``min_end_of_turn_silence_when_confident`` is accepted beside ``min_turn_silence``.
Unknown query parameters are ignored (and left visible in the session record), as the service
does. ``UpdateConfiguration`` is strict about field names on purpose: a v2 field such as
``end_utterance_silence_threshold`` arriving there is a migration bug worth a loud 3006.
"""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List, Mapping, Optional, Sequence

ENCODINGS = ("pcm_s16le", "pcm_mulaw")
SPEECH_MODELS = (
    "universal-streaming-english",
    "universal-streaming-multilingual",
    "whisper-rt",
    "u3-rt-pro",
    "u3-pro",
    "u3-rt-pro-beta-1",
    "universal-3-5-pro",
    "universal-3-6",
    "universal-3-6-pro",
)
MAX_KEYTERMS = 100
MAX_KEYTERM_CHARS = 50

#: v2-only query parameters: harmless to the v3 service (ignored), but a sign of an
#: incomplete migration, so checks look for them.
V2_ONLY_QUERY_PARAMS = ("word_boost", "disable_partial_transcripts", "enable_extra_session_information")

_BOOLEAN_WORDS = {"true": True, "false": False}


class ParamError(ValueError):
    """A connection parameter or configuration field is invalid."""


def parse_bool(name: str, raw: str) -> bool:
    try:
        return _BOOLEAN_WORDS[raw.strip().lower()]
    except KeyError:
        raise ParamError(f"{name} must be true or false, got {raw!r}") from None


def parse_int(name: str, raw: str, low: Optional[int] = None, high: Optional[int] = None) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise ParamError(f"{name} must be an integer, got {raw!r}") from None
    _check_range(name, value, low, high)
    return value


def parse_float(name: str, raw: str, low: float, high: float) -> float:
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ParamError(f"{name} must be a number, got {raw!r}") from None
    if not math.isfinite(value):
        raise ParamError(f"{name} must be a finite number")
    _check_range(name, value, low, high)
    return value


def _check_range(name: str, value: float, low: Optional[float], high: Optional[float]) -> None:
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise ParamError(f"{name} must be {bounds}, got {value}")


def parse_keyterms(values: Sequence[str]) -> Dict[str, List[str]]:
    """Parse ``keyterms_prompt``: each occurrence a JSON array of strings, as the docs and SDK send.

    Terms over 50 characters are ignored, as the service documents; more than 100 is an error.
    """
    terms: List[str] = []
    for raw in values:
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise ParamError("keyterms_prompt must be a JSON array of strings") from None
        terms.extend(_string_list("keyterms_prompt", parsed))
    return _split_keyterms(terms)


def _string_list(name: str, value: Any) -> List[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ParamError(f"{name} must be a JSON array of strings")
    return value


def _split_keyterms(terms: List[str]) -> Dict[str, List[str]]:
    if len(terms) > MAX_KEYTERMS:
        raise ParamError(f"keyterms_prompt allows at most {MAX_KEYTERMS} terms, got {len(terms)}")
    return {
        "keyterms_prompt": [t for t in terms if len(t) <= MAX_KEYTERM_CHARS],
        "keyterms_ignored": [t for t in terms if len(t) > MAX_KEYTERM_CHARS],
    }


def first_values(query: Mapping[str, Sequence[str]]) -> Dict[str, str]:
    return {name: values[0] for name, values in query.items() if values}


def v3_settings(query: Mapping[str, Sequence[str]]) -> Dict[str, Any]:
    """Validate v3 ``/v3/ws`` query parameters; return settings with documented defaults filled in."""
    q = first_values(query)
    settings: Dict[str, Any] = {
        "encoding": "pcm_s16le",
        "speech_model": None,
        "format_turns": False,
        "end_of_turn_confidence_threshold": 0.4,
        "min_turn_silence": 400,
        "max_turn_silence": 1280,
        "vad_threshold": 0.4,
        "keyterms_prompt": [],
        "keyterms_ignored": [],
        "inactivity_timeout": None,
        "language_detection": False,
        "speaker_labels": False,
        "max_speakers": None,
        "filter_profanity": False,
        "language": None,
        "prompt": None,
    }
    if "sample_rate" not in q:
        raise ParamError("sample_rate is required")
    settings["sample_rate"] = parse_int("sample_rate", q["sample_rate"], low=1)
    if "encoding" in q:
        if q["encoding"] not in ENCODINGS:
            raise ParamError(f"encoding must be one of {', '.join(ENCODINGS)}, got {q['encoding']!r}")
        settings["encoding"] = q["encoding"]
    if "speech_model" in q:
        if q["speech_model"] not in SPEECH_MODELS:
            raise ParamError(f"unknown speech_model {q['speech_model']!r}")
        settings["speech_model"] = q["speech_model"]
    if "language" in q:
        if q["language"] not in ("en", "multi"):
            raise ParamError(f"language must be en or multi, got {q['language']!r}")
        settings["language"] = q["language"]
    for name in ("format_turns", "language_detection", "speaker_labels", "filter_profanity"):
        if name in q:
            settings[name] = parse_bool(name, q[name])
    for name in ("end_of_turn_confidence_threshold", "vad_threshold"):
        if name in q:
            settings[name] = parse_float(name, q[name], 0.0, 1.0)
    for name in ("min_end_of_turn_silence_when_confident", "min_turn_silence"):
        if name in q:
            settings["min_turn_silence"] = parse_int(name, q[name], low=0)
    if "max_turn_silence" in q:
        settings["max_turn_silence"] = parse_int("max_turn_silence", q["max_turn_silence"], low=0)
    if "inactivity_timeout" in q:
        settings["inactivity_timeout"] = parse_int("inactivity_timeout", q["inactivity_timeout"], 5, 3600)
    if "max_speakers" in q:
        settings["max_speakers"] = parse_int("max_speakers", q["max_speakers"], 1, 10)
    if "keyterms_prompt" in query:
        settings.update(parse_keyterms(query["keyterms_prompt"]))
    if "prompt" in q:
        settings["prompt"] = q["prompt"]
    return settings


def v2_settings(query: Mapping[str, Sequence[str]]) -> Dict[str, Any]:
    """Validate v2 ``/v2/realtime/ws`` query parameters.

    Raises `V2ParamError` carrying the v2 close code of the failure.
    """
    q = first_values(query)
    settings: Dict[str, Any] = {
        "encoding": "pcm_s16le",
        "word_boost": [],
        "disable_partial_transcripts": False,
        "enable_extra_session_information": False,
    }
    try:
        settings["sample_rate"] = parse_int("sample_rate", q.get("sample_rate", ""), low=1)
    except ParamError:
        raise V2ParamError(4000, "Sample rate must be a positive integer") from None
    if "word_boost" in q:
        try:
            settings["word_boost"] = _string_list("word_boost", json.loads(q["word_boost"]))
        except (ValueError, ParamError):
            raise V2ParamError(4104, "Could not parse word boost parameter") from None
    try:
        if "encoding" in q:
            if q["encoding"] not in ENCODINGS:
                raise ParamError(f"encoding {q['encoding']!r}")
            settings["encoding"] = q["encoding"]
        for name in ("disable_partial_transcripts", "enable_extra_session_information"):
            if name in q:
                settings[name] = parse_bool(name, q[name])
    except ParamError:
        raise V2ParamError(4101, "Endpoint received a message with an invalid schema") from None
    return settings


class V2ParamError(ParamError):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


#: ``UpdateConfiguration`` fields: name -> (kind, low, high). "ms" fields are non-negative ints.
_UPDATE_FIELDS: Dict[str, tuple] = {
    "end_of_turn_confidence_threshold": ("float", 0.0, 1.0),
    "vad_threshold": ("float", 0.0, 1.0),
    "min_turn_silence": ("int", 0, None),
    "min_end_of_turn_silence_when_confident": ("int", 0, None),
    "max_turn_silence": ("int", 0, None),
    "interruption_delay": ("int", 0, None),
    "turn_left_pad_ms": ("int", 0, None),
    "keyterms_prompt": ("strings", None, None),
    "language_codes": ("strings", None, None),
    "prompt": ("str", None, None),
    "agent_context": ("str", None, None),
    "format_turns": ("bool", None, None),
    "filter_profanity": ("bool", None, None),
    "session_heartbeat": ("bool", None, None),
    "acknowledge_silence": ("bool", None, None),
}


def update_configuration(message: Mapping[str, Any]) -> Dict[str, Any]:
    """Validate an ``UpdateConfiguration`` message; return the settings it changes.

    ``null`` means "unchanged", as in the SDK's ``exclude_none`` serialisation.
    """
    changes: Dict[str, Any] = {}
    for name, value in message.items():
        if name == "type" or value is None:
            continue
        if name not in _UPDATE_FIELDS:
            raise ParamError(f"UpdateConfiguration has no field {name!r}")
        kind, low, high = _UPDATE_FIELDS[name]
        if kind == "bool" and not isinstance(value, bool):
            raise ParamError(f"{name} must be a boolean")
        if kind == "str" and not isinstance(value, str):
            raise ParamError(f"{name} must be a string")
        if kind == "strings":
            _string_list(name, value)
        if kind in ("int", "float"):
            numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
            if not numeric or (kind == "int" and value != int(value)):
                raise ParamError(f"{name} must be {'an integer' if kind == 'int' else 'a number'}")
            _check_range(name, value, low, high)
        if name == "keyterms_prompt":
            changes.update(_split_keyterms(list(value)))
        elif name == "min_end_of_turn_silence_when_confident":
            changes["min_turn_silence"] = int(value)
        else:
            changes[name] = value
    return changes


def audio_duration_ms(size: int, sample_rate: int, encoding: str) -> float:
    """Milliseconds of mono audio in ``size`` bytes."""
    bytes_per_sample = 1 if encoding == "pcm_mulaw" else 2
    return size / bytes_per_sample / sample_rate * 1000.0
