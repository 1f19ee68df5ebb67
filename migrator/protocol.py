"""Facts about the two wire protocols that the rules rewrite between (see
``docs/protocol.md`` §5 for the mapping)."""

V2_HOST = "api.assemblyai.com"
V2_PATH = "/v2/realtime/ws"
V2_ENDPOINT = f"wss://{V2_HOST}{V2_PATH}"
V3_ENDPOINT = "wss://streaming.assemblyai.com/v3/ws"
V3_PATH = "/v3/ws"

#: v2 query parameters that mean the same in v3.
KEPT_PARAMETERS = frozenset({"sample_rate", "encoding", "token"})
#: Parameters only v3 knows; found in a URL (half-migrated code) they are kept as they are.
V3_PARAMETERS = frozenset(
    {
        "sample_rate",
        "encoding",
        "token",
        "format_turns",
        "speech_model",
        "end_of_turn_confidence_threshold",
        "min_turn_silence",
        "min_end_of_turn_silence_when_confident",
        "max_turn_silence",
        "keyterms_prompt",
        "language_detection",
        "inactivity_timeout",
        "vad_threshold",
        "speaker_labels",
        "max_speakers",
        "prompt",
    }
)
#: v2 parameters with a v3 counterpart under another name.
RENAMED_PARAMETERS = {"word_boost": "keyterms_prompt"}
#: Why a v2 (or invented) parameter is dropped.
DROPPED_PARAMETERS = {
    "disable_partial_transcripts": "v3 always streams partial Turns; act on end_of_turn instead",
    "enable_extra_session_information": "v3 always reports audio_duration_seconds in Termination",
    "boost_param": "v3 keyterms_prompt has no boost level",
}
#: Added to every migrated connection: formatted finals as v2 FinalTranscript had them, and
#: the English model v2 used (current v3 docs give the API no default model).
ADDED_PARAMETERS = (("speech_model", "universal-streaming-english"), ("format_turns", True))

#: v2 server message types and their v3 names (finals/partials need end_of_turn too).
MESSAGE_TYPES = {
    "SessionBegins": "Begin",
    "PartialTranscript": "Turn",
    "FinalTranscript": "Turn",
    "SessionTerminated": "Termination",
}
#: v2 message fields renamed in v3.
MESSAGE_FIELDS = {"message_type": "type", "session_id": "id", "text": "transcript"}
#: v2 message fields with no v3 counterpart, and what to do instead.
V2_ONLY_FIELDS = {
    "confidence": "v3 has no message-level confidence (end_of_turn_confidence means something else); average words[].confidence if you need one",
    "audio_start": "v3 Turns have no audio_start; use words[0]['start']",
    "audio_end": "v3 Turns have no audio_end; use words[-1]['end']",
    "punctuated": "v3 marks formatted turns with turn_is_formatted",
    "text_formatted": "v3 marks formatted turns with turn_is_formatted",
    "created": "v3 messages carry no timestamp; stamp them on receipt",
}
#: v2 close codes (docs/protocol.md §6): meaning, and the v3 code for the same situation.
V2_CLOSE_CODES = {
    4000: ("bad sample rate", None),
    4001: ("not authorized", 1008),
    4002: ("insufficient funds", 1008),
    4003: ("free tier", None),
    4004: ("session not found", None),
    4008: ("session expired", 3008),
    4010: ("session previously closed", None),
    4029: ("audio sent too fast", 3007),
    4030: ("session taken over", None),
    4031: ("session idle", None),
    4032: ("audio chunk too short", 3007),
    4033: ("audio chunk too long", 3007),
    4034: ("audio too small to transcode", None),
    4100: ("invalid JSON", 3006),
    4101: ("invalid schema", 3006),
    4102: ("too many streams", 3009),
    4103: ("session reconnected", None),
    4104: ("word boost parse error", None),
}

#: v3 wants 50..1000 ms of audio per message; the migration guide sends 50 ms.
CHUNK_MS = 50
MIN_CHUNK_MS, MAX_CHUNK_MS = 50, 1000


def final_turn_test(message: str, format_turns: bool) -> str:
    """The test that a v3 message (a dict named ``message``) ends a turn as v2's
    FinalTranscript did: ``end_of_turn``, and with ``format_turns`` on the formatted copy only
    (each turn's end then arrives twice, unformatted first)."""
    test = f'{message}.get("type") == "Turn" and {message}.get("end_of_turn")'
    return f'{test} and {message}.get("turn_is_formatted")' if format_turns else test
