"""The byte strings that make a file worth parsing, and the rule codes they belong to.

Deciding that a file has nothing to migrate must cost no more than ``grep``, so this table
imports nothing: not libcst, not the rules. It is the one source of the markers (each rule's
``markers`` attribute and ``FactCollector.markers`` read it) and of the list of rule codes
``--select``/``--ignore`` are checked against; a test keeps it in step with the rule modules.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Optional

#: What marks a file as v2 streaming code whichever rules are selected (the fact collector's
#: markers, always part of the test); rules that act only on such code need not repeat them.
STREAMING_V2_MARKERS = (
    b"/v2/realtime",
    b"SessionBegins",
    b"PartialTranscript",
    b"FinalTranscript",
    b"SessionTerminated",
    b"RealtimeTranscriber",
    b"terminate_session",
    b"audio_data",
)

#: Every file the engine can change mentions one of these. It rewrites only code tied to
#: AssemblyAI (``ScriptFacts.is_assemblyai_code``: the endpoint, a v2 message or control name,
#: the SDK), and each of those ties is spelled with one of these bytes; so websocket code for
#: other services that shares v2 words (``message_type``, ``run_forever`` ...) is skipped
#: without being parsed. ``tests/test_markers.py`` checks this against the fixtures.
ASSEMBLYAI_EVIDENCE = (
    b"assemblyai",
    b"SessionBegins",
    b"PartialTranscript",
    b"FinalTranscript",
    b"SessionTerminated",
    b"terminate_session",
    b"force_end_utterance",
    b"end_utterance_silence_threshold",
    b"RealtimeTranscri",
)

#: Each rule's own markers, by code; the comment names the rule's module.
RULE_MARKERS = {
    "STT001": (b"/v2/realtime", b"/v3/ws"),  # endpoint
    "STT002": (b"/v2/realtime/token",),  # auth
    "STT003": (
        b"message_type",
        b"SessionBegins",
        b"PartialTranscript",
        b"FinalTranscript",
        b"SessionTerminated",
    ),  # message_fields
    "STT004": (b"audio_data",),  # binary_audio: chunk sizes change only in v2 code, which STREAMING_V2_MARKERS finds
    "STT005": (b"WebSocketApp",),  # stop_event
    "STT006": (b"terminate_session", b"force_end_utterance", b"end_utterance_silence_threshold"),  # control_messages
    "STT007": (b"run_forever",),  # session_shutdown
    "STT008": (
        b"audio_start",
        b"audio_end",
        b"punctuated",
        b"text_formatted",
    ),  # v2_only_fields, and any v2 streaming file
    "STT009": (b"ConnectionClosed",),  # close_codes
    "STT010": (b"extra_headers", b"additional_headers"),  # websockets_headers
    "STT011": (b"/v2/realtime", b"terminate_session"),  # async_shutdown: acts only on v2 code, see STREAMING_V2_MARKERS
    "STT020": (b"assemblyai",),  # sdk_names
    "STT021": (b"RealtimeTranscriber",),  # sdk_client
    "STT022": (b"assemblyai",),  # sdk_handlers
    "STT023": (
        b"RealtimeTranscriber",
        b"StreamingClient",
        b"force_end_utterance",
        b"configure_end_utterance_silence_threshold",
    ),  # sdk_methods
    "STT024": (b"MicrophoneStream", b"stream_file"),  # sdk_microphone
    "STT025": (b"RealtimeTranscriber",),  # sdk_subclass
    # dependency_pins: edits manifests, never Python, acting on the needs of the rewrites that
    # record one (the SDK's v3 names, websockets' additional_headers)
    "STT030": (b"RealtimeTranscriber", b"extra_headers"),
}
#: The rule that brings dependency manifests up to date (:mod:`migrator.manifests`).
MANIFEST_RULE = "STT030"


def split_codes(values: Optional[Iterable[str]]) -> tuple:
    """The codes given to ``--select`` or ``--ignore`` (each value may list several, comma-separated)."""
    return tuple(code for value in values or () for code in value.split(",") if code.strip())


class UnknownRuleError(ValueError):
    pass


def select_codes(select: Optional[Iterable[str]] = None, ignore: Optional[Iterable[str]] = None) -> tuple:
    """Rule codes after ``--select``/``--ignore``, sorted; codes match by prefix (``STT00``
    selects STT001-STT009)."""

    def expand(codes: Iterable[str]) -> set:
        chosen = set()
        for raw in codes:
            code = raw.strip().upper()
            if not code:
                continue
            matches = {known for known in RULE_MARKERS if known.startswith(code)}
            if not matches:
                raise UnknownRuleError(f"unknown rule code: {raw!r} (see --list-rules)")
            chosen |= matches
        return chosen

    chosen = expand(select) if select else set(RULE_MARKERS)
    if ignore:
        chosen -= expand(ignore)
    return tuple(sorted(chosen))


def smallest_set(markers: Iterable[bytes]) -> tuple:
    """The same test with fewer strings: a marker that contains another one is implied by it."""
    unique = set(markers)
    return tuple(sorted(m for m in unique if not any(other != m and other in m for other in unique)))


def selected_markers(select: Optional[Iterable[str]] = None, ignore: Optional[Iterable[str]] = None) -> tuple:
    """Every byte string the prefilter looks for when these rules run: a file mentioning none
    of them is left alone without being parsed. Raises :class:`UnknownRuleError`."""
    return smallest_set(
        [*STREAMING_V2_MARKERS, *(m for code in select_codes(select, ignore) for m in RULE_MARKERS[code])]
    )


def mentions(source: bytes, markers: Iterable[bytes]) -> bool:
    """The prefilter: the source is tied to AssemblyAI and mentions something a rule looks for."""
    return any(evidence in source for evidence in ASSEMBLYAI_EVIDENCE) and any(marker in source for marker in markers)
