import json
import textwrap

import pytest

from migrator import migrate_source
from migrator.rules.shared.v2_only_fields import EVENT_NOTES, MESSAGE_NOTES, V2OnlyFields
from tests.migration_checks import check_noop, check_transformed, note_codes

HEAD = 'import json\nURL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'


def note(field: str) -> str:
    return f"# migrate-stt(STT008): {MESSAGE_NOTES[field]}"


def event_note(field: str) -> str:
    return f"# migrate-stt(STT008): {EVENT_NOTES[field]}"


def handler(*body: str) -> str:
    return (
        HEAD + "def on_message(ws, message):\n    m = json.loads(message)\n" + "".join(f"    {line}\n" for line in body)
    )


# --- websocket messages: one test per field and form --------------------------------------


@pytest.mark.parametrize(
    "before, after, field",
    [
        ('c = m["confidence"]', 'c = m.get("end_of_turn_confidence", 0.0)', "confidence"),
        ('c = m.get("confidence")', 'c = m.get("end_of_turn_confidence")', "confidence"),
        ('c = m.get("confidence", 1.0)', 'c = m.get("end_of_turn_confidence", 1.0)', "confidence"),
        ('s = m["audio_start"]', 's = (m.get("words") or [{}])[0].get("start", 0)', "audio_start"),
        ('s = m.get("audio_start")', 's = (m.get("words") or [{}])[0].get("start", 0)', "audio_start"),
        ('s = m.get("audio_start", -1)', 's = (m.get("words") or [{}])[0].get("start", -1)', "audio_start"),
        ('e = m["audio_end"]', 'e = (m.get("words") or [{}])[-1].get("end", 0)', "audio_end"),
        ('e = m.get("audio_end")', 'e = (m.get("words") or [{}])[-1].get("end", 0)', "audio_end"),
        ('p = m["punctuated"]', 'p = m.get("turn_is_formatted", False)', "punctuated"),
        ('p = m.get("punctuated")', 'p = m.get("turn_is_formatted")', "punctuated"),
        ('f = m["text_formatted"]', 'f = m.get("turn_is_formatted", False)', "text_formatted"),
        ('f = m.get("text_formatted", True)', 'f = m.get("turn_is_formatted", True)', "text_formatted"),
        ('t = m["created"]', 't = m.get("created")', "created"),
    ],
)
def test_message_field_becomes_its_running_v3_value(before, after, field):
    result = check_transformed(handler(before), handler(note(field), after), select=["STT008"])
    assert note_codes(result) == [(5, "STT008")]


def test_created_read_with_get_is_kept_with_a_note():
    result = check_transformed(
        handler('t = m.get("created")'), handler(note("created"), 't = m.get("created")'), select=["STT008"]
    )
    assert result.changed and note_codes(result) == [(5, "STT008")]


def test_single_quotes_are_kept():
    check_transformed(
        handler("s = m['audio_start']", "c = m['confidence']"),
        handler(
            note("audio_start"),
            "s = (m.get('words') or [{}])[0].get('start', 0)",
            note("confidence"),
            "c = m.get('end_of_turn_confidence', 0.0)",
        ),
        select=["STT008"],
    )


def test_fields_inside_an_f_string():
    check_transformed(
        handler("print(f\"{m['audio_start']}-{m['audio_end']}: {m['confidence']:.2f}\")"),
        handler(
            note("audio_start"),
            note("audio_end"),
            note("confidence"),
            "print(f\"{(m.get('words') or [{}])[0].get('start', 0)}-{(m.get('words') or [{}])[-1].get('end', 0)}: "
            "{m.get('end_of_turn_confidence', 0.0):.2f}\")",
        ),
        select=["STT008"],
    )


def test_field_in_an_if_test_gets_its_note_above_the_if():
    check_transformed(
        handler('if m["confidence"] > 0.8 and m["punctuated"]:', "    print(1)"),
        handler(
            note("confidence"),
            note("punctuated"),
            'if m.get("end_of_turn_confidence", 0.0) > 0.8 and m.get("turn_is_formatted", False):',
            "    print(1)",
        ),
        select=["STT008"],
    )


def test_arithmetic_on_times_and_parentheses():
    check_transformed(
        handler('d = (m["audio_end"]) - m["audio_start"]'),
        handler(
            note("audio_end"),
            note("audio_start"),
            'd = ((m.get("words") or [{}])[-1].get("end", 0)) - (m.get("words") or [{}])[0].get("start", 0)',
        ),
        select=["STT008"],
    )


def test_inline_json_loads_is_read_once():
    check_transformed(
        HEAD + 'def on_message(ws, message):\n    print(json.loads(message)["audio_end"])\n',
        HEAD
        + "def on_message(ws, message):\n"
        + f"    {note('audio_end')}\n"
        + '    print((json.loads(message).get("words") or [{}])[-1].get("end", 0))\n',
        select=["STT008"],
    )


def test_message_on_self_in_a_class():
    check_transformed(
        HEAD + "class C:\n    def on_message(self, ws, message):\n"
        '        self.last = json.loads(message)\n        return self.last["confidence"]\n',
        HEAD + "class C:\n    def on_message(self, ws, message):\n"
        "        self.last = json.loads(message)\n"
        f"        {note('confidence')}\n"
        '        return self.last.get("end_of_turn_confidence", 0.0)\n',
        select=["STT008"],
    )


def test_assigned_and_deleted_fields_keep_their_v2_form_with_a_note():
    result = check_transformed(
        handler('m["confidence"] = 1.0', 'del m["created"]', 'm["audio_end"] += 5'),
        handler(
            "# migrate-stt(STT008): confidence: v3 has no message-level confidence (end_of_turn_confidence means "
            "something else); average words[].confidence if you need one",
            'm["confidence"] = 1.0',
            "# migrate-stt(STT008): created: v3 messages carry no timestamp; stamp them on receipt",
            'del m["created"]',
            "# migrate-stt(STT008): audio_end: v3 Turns have no audio_end; use words[-1]['end']",
            'm["audio_end"] += 5',
        ),
        select=["STT008"],
    )
    assert note_codes(result) == [(5, "STT008"), (7, "STT008"), (9, "STT008")]


def test_with_every_rule_the_field_rewrite_joins_the_other_renames():
    result = migrate_source(handler('print(m["text"], m["confidence"])'))
    assert 'print(m.get("transcript", ""), m.get("end_of_turn_confidence", 0.0))' in result.code
    assert note("confidence") in result.code


# --- what is left alone ---------------------------------------------------------------------


def test_dicts_that_are_not_messages_are_left_alone():
    check_noop(
        HEAD + 'def f(message):\n    m = json.loads(message)\n    other = {"confidence": 1}\n'
        '    print(other["confidence"], other.get("audio_start"))\n',
        select=["STT008"],
    )


def test_json_loaded_from_a_file_is_not_a_message():
    check_noop(HEAD + 'config = json.loads(open("c.json").read())\nprint(config["confidence"])\n', select=["STT008"])


def test_other_functions_variable_of_the_same_name_is_left_alone():
    check_noop(
        HEAD + 'def f(message):\n    m = json.loads(message)\n    return m\ndef g(m):\n    return m["confidence"]\n',
        select=["STT008"],
    )


def test_leaves_fields_in_unrelated_files_alone():
    check_noop('import json\nm = json.loads(s)\nprint(m["confidence"], m["audio_start"])\n', select=["STT008"])
    check_noop('import json\nm = json.loads(s)\nprint(m["confidence"], m["audio_start"])\n')


def test_other_service_websocket_code_is_left_alone():
    check_noop(
        "import json, websocket\n"
        "def on_message(ws, message):\n    m = json.loads(message)\n"
        '    if m["message_type"] == "result":\n        print(m["confidence"], m["audio_start"], m["created"])\n'
        'ws = websocket.WebSocketApp("wss://example.com/stream", on_message=on_message)\nws.run_forever()\n'
    )


def test_already_v3_code_is_left_alone():
    check_noop(
        'import json\nURL = "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000"\n'
        "def on_message(ws, message):\n    m = json.loads(message)\n"
        '    print(m.get("end_of_turn_confidence"), m["words"][0]["start"], m.get("turn_is_formatted"))\n'
    )


# --- the migrated handler runs on a real v3 Turn ------------------------------------------

#: A formatted end-of-turn message as v3 sends it (protocol notes: Turn fields and Word).
V3_TURN = {
    "type": "Turn",
    "turn_order": 0,
    "turn_is_formatted": True,
    "end_of_turn": True,
    "transcript": "Hello world.",
    "end_of_turn_confidence": 0.91,
    "words": [
        {"text": "Hello", "start": 320, "end": 640, "confidence": 0.98, "word_is_final": True},
        {"text": "world.", "start": 700, "end": 1010, "confidence": 0.95, "word_is_final": True},
    ],
    "utterance": "Hello world.",
}
V3_PARTIAL_WITHOUT_WORDS = {
    "type": "Turn",
    "turn_order": 1,
    "turn_is_formatted": False,
    "end_of_turn": False,
    "transcript": "",
    "end_of_turn_confidence": 0.02,
    "words": [],
    "utterance": "",
}
V2_HANDLER = """\
import json

URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


def on_message(ws, message):
    result = json.loads(message)
    return (
        result["confidence"],
        result["audio_start"],
        result.get("audio_end"),
        result["punctuated"],
        result.get("text_formatted"),
        result["created"],
    )
"""


def run_handler(code: str, message: dict):
    namespace: dict = {}
    exec(compile(code, "<migrated>", "exec"), namespace)
    return namespace["on_message"](None, json.dumps(message))


def test_migrated_handler_runs_on_a_v3_turn():
    with pytest.raises(KeyError):
        run_handler(V2_HANDLER, V3_TURN)  # what the v2 script does today
    migrated = migrate_source(V2_HANDLER, select=["STT008"]).code
    assert run_handler(migrated, V3_TURN) == (0.91, 320, 1010, True, True, None)
    assert run_handler(migrated, V3_PARTIAL_WITHOUT_WORDS) == (0.02, 0, 0, False, False, None)


def test_fully_migrated_handler_runs_on_a_v3_turn():
    migrated = migrate_source(V2_HANDLER).code
    assert run_handler(migrated, V3_TURN) == (0.91, 320, 1010, True, True, None)


# --- SDK transcript events ------------------------------------------------------------------

SDK_HEAD = "import assemblyai as aai\n\n\n"
SDK_TAIL = "\n\ntranscriber = aai.RealtimeTranscriber(on_data=on_data, sample_rate=16_000)\n"


def sdk(*body: str) -> str:
    return SDK_HEAD + "def on_data(t):\n" + "".join(f"    {line}\n" for line in body) + SDK_TAIL


@pytest.mark.parametrize(
    "before, after, field",
    [
        ("c = t.confidence", "c = t.end_of_turn_confidence", "confidence"),
        ("s = t.audio_start", "s = (t.words[0].start if t.words else 0)", "audio_start"),
        ("e = t.audio_end", "e = (t.words[-1].end if t.words else 0)", "audio_end"),
        ("p = t.punctuated", "p = t.turn_is_formatted", "punctuated"),
        ("f = t.text_formatted", "f = t.turn_is_formatted", "text_formatted"),
        ("w = t.created", "w = None", "created"),
    ],
)
def test_event_field_becomes_its_running_v3_value(before, after, field):
    result = check_transformed(sdk(before), sdk(event_note(field), after), select=["STT008"])
    assert note_codes(result) == [(5, "STT008")]


def test_event_fields_in_a_helper_the_event_is_handed_to():
    before = (
        SDK_HEAD + "def on_data(t):\n    show(t)\n\n\n"
        "def show(transcript):\n    print(transcript.audio_end - transcript.audio_start)\n" + SDK_TAIL
    )
    after = (
        SDK_HEAD + "def on_data(t):\n    show(t)\n\n\n"
        "def show(transcript):\n"
        f"    {event_note('audio_end')}\n"
        f"    {event_note('audio_start')}\n"
        "    print((transcript.words[-1].end if transcript.words else 0)"
        " - (transcript.words[0].start if transcript.words else 0))\n" + SDK_TAIL
    )
    check_transformed(before, after, select=["STT008"])


def test_event_fields_in_an_annotated_parameter_and_a_lambda():
    check_transformed(
        SDK_HEAD + "def show(t: aai.RealtimeFinalTranscript):\n    return t.confidence\n\n\n"
        "transcriber = aai.RealtimeTranscriber(on_data=lambda e: print(e.audio_start), sample_rate=16_000)\n",
        SDK_HEAD + "def show(t: aai.RealtimeFinalTranscript):\n"
        f"    {event_note('confidence')}\n"
        "    return t.end_of_turn_confidence\n\n\n"
        f"{event_note('audio_start')}\n"
        "transcriber = aai.RealtimeTranscriber(on_data=lambda e: print((e.words[0].start if e.words else 0)), "
        "sample_rate=16_000)\n",
        select=["STT008"],
    )


def test_with_every_rule_the_handler_reads_v3_fields():
    result = migrate_source(sdk("print(t.text, t.confidence, t.audio_end, t.punctuated)"))
    assert "def on_data(client, t):\n" in result.code
    assert (
        "    print(t.transcript, t.end_of_turn_confidence, (t.words[-1].end if t.words else 0), t.turn_is_formatted)\n"
        in result.code
    )
    assert event_note("confidence") in result.code


def test_other_events_and_other_objects_are_left_alone():
    check_noop(
        SDK_HEAD + "def on_open(session):\n    print(session.created)\n\n\n"
        "def on_data(t):\n    record = load()\n    print(record.confidence, t.text)\n\n\n"
        "transcriber = aai.RealtimeTranscriber(on_open=on_open, on_data=on_data, sample_rate=16_000)\n",
        select=["STT008"],
    )


def test_v3_handlers_are_left_alone():
    check_noop(
        "from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions, StreamingEvents\n\n\n"
        "def on_turn(client, event):\n    print(event.end_of_turn_confidence, event.turn_is_formatted)\n\n\n"
        'client = StreamingClient(StreamingClientOptions(api_key="k"))\n'
        "client.on(StreamingEvents.Turn, on_turn)\n"
    )


def test_migrated_sdk_handler_runs_on_a_v3_turn_event():
    from types import SimpleNamespace

    source = sdk("return (t.confidence, t.audio_start, t.audio_end, t.punctuated, t.text_formatted, t.created)")
    migrated = migrate_source(source, select=["STT008"]).code
    namespace: dict = {"aai": SimpleNamespace(RealtimeTranscriber=lambda **kwargs: None)}
    exec(compile(migrated.replace("import assemblyai as aai\n", ""), "<migrated>", "exec"), namespace)
    words = [SimpleNamespace(**word) for word in V3_TURN["words"]]
    event = SimpleNamespace(**{**V3_TURN, "words": words})
    assert namespace["on_data"](event) == (0.91, 320, 1010, True, True, None)
    empty = SimpleNamespace(**V3_PARTIAL_WITHOUT_WORDS)
    assert namespace["on_data"](empty) == (0.02, 0, 0, False, False, None)


# --- the analysis this rule shares with the SDK rules -------------------------------------


def test_same_result_with_and_without_the_sdk_rules_selected():
    source = sdk("print(t.audio_start)")
    alone = migrate_source(source, select=["STT008"]).code
    with_names = migrate_source(source, select=["STT008", "STT020"]).code
    assert "print((t.words[0].start if t.words else 0))" in alone
    assert "print((t.words[0].start if t.words else 0))" in with_names


def test_example_before_migrates_alone():
    before = textwrap.dedent(V2OnlyFields.example_before).lstrip("\n")
    after = textwrap.dedent(
        """\
        import json

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        def on_message(ws, message):
            result = json.loads(message)
            # migrate-stt(STT008): confidence is now end_of_turn_confidence: v3's confidence that the speaker has finished the turn, not transcript confidence; per-word confidence is in words[]['confidence']
            if result.get("end_of_turn_confidence", 0.0) > 0.8:
                # migrate-stt(STT008): audio_start is now the first word's start (words[0]['start'], ms; 0 before any word): v3 Turns have no audio_start
                print((result.get("words") or [{}])[0].get("start", 0), result["text"])
        """
    )
    check_transformed(before, after, select=["STT008"])
