import pytest

from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed

URL = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'
GUARD = (
    "    try:\n        m = json.loads(message)\n    except json.JSONDecodeError as error:\n"
    '        print(f"Error decoding message: {error}")\n        return\n'
)
TERMINATION = (
    '    elif m["type"] == "Termination":\n'
    '        print("Session terminated:", f"{m.get(\'audio_duration_seconds\')} s of audio,", '
    "f\"{m.get('session_duration_seconds')} s of session\")\n"
)


def migrate(body: str, **options):
    return migrate_source("import json\n" + URL + body, **options)


def test_final_transcript_check_becomes_end_of_turn_and_formatted():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    if m["message_type"] == "FinalTranscript":\n        print(m["text"])\n'
    )
    assert result.code.endswith(
        "def f(message):\n"
        + GUARD
        + '    if m["type"] == "Turn" and m.get("end_of_turn") and m.get("turn_is_formatted"):\n'
        + '        print(m.get("transcript", ""))\n'
        + TERMINATION
    )


def test_partial_transcript_check_becomes_not_end_of_turn():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    if m["message_type"] == "PartialTranscript":\n        print(m["text"])\n'
    )
    assert 'if m["type"] == "Turn" and not m.get("end_of_turn"):' in result.code


def test_final_without_format_turns_is_end_of_turn_only():
    source = (
        'import json\nURL = "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000"\n'
        'def f(message):\n    m = json.loads(message)\n    if m["message_type"] == "FinalTranscript":\n        print(m["text"])\n'
    )
    result = migrate_source(source)
    assert 'if m["type"] == "Turn" and m.get("end_of_turn"):' in result.code


def test_final_in_a_file_without_url_gets_a_note():
    source = 'import json\ndef f(message):\n    m = json.loads(message)\n    if m.get("message_type") == "FinalTranscript":\n        print(m.get("text"))\n'
    result = migrate_source(source)
    assert 'm.get("type") == "Turn" and m.get("end_of_turn")' in result.code
    assert [note.code for note in result.notes] == ["STT003"]


def test_get_forms_are_renamed():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    t = m.get("message_type")\n    print(m.get("text", ""), m.get("session_id"))\n'
    )
    assert 't = m.get("type")' in result.code
    assert 'print(m.get("transcript", ""), m.get("id"))' in result.code


def test_text_read_before_type_check_does_not_raise_on_begin():
    result = migrate('def f(message):\n    m = json.loads(message)\n    text = m["text"]\n')
    assert 'text = m.get("transcript", "")' in result.code


def test_text_printed_for_every_message_prints_each_transcript_once():
    result = migrate('def f(r):\n    print(json.loads(r)["text"])\n')
    assert result.code.endswith(
        "def f(r):\n    message = json.loads(r)\n"
        '    if message.get("type") == "Turn" and (not message.get("end_of_turn") or message.get("turn_is_formatted")):\n'
        '        print(message.get("transcript", ""))\n'
    )


def test_text_consumer_on_a_variable_is_guarded_without_hoisting():
    result = migrate('def f(r):\n    m = json.loads(r)\n    callback(m.get("text"))\n')
    assert (
        '    if m.get("type") == "Turn" and (not m.get("end_of_turn") or m.get("turn_is_formatted")):\n        callback(m.get("transcript"))\n'
        in result.code
    )


def test_text_membership_means_a_transcript_update():
    result = migrate('def f(r):\n    m = json.loads(r)\n    if "text" in m and m["text"]:\n        print(m["text"])\n')
    assert (
        'if (m.get("type") == "Turn" and (not m.get("end_of_turn") or m.get("turn_is_formatted"))) and m.get("transcript", ""):'
        in result.code
    )


def test_text_consumer_inside_a_type_check_is_not_guarded_again():
    result = migrate(
        'def f(r):\n    m = json.loads(r)\n    if m["message_type"] == "FinalTranscript":\n        print(m["text"])\n'
    )
    assert "(not m.get(" not in result.code
    assert (
        'if m["type"] == "Turn" and m.get("end_of_turn") and m.get("turn_is_formatted"):\n        print(m.get("transcript", ""))'
        in result.code
    )


def test_type_variable_comparisons_use_the_message():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    kind = m["message_type"]\n    if kind == "FinalTranscript":\n        pass\n    elif kind == "SessionBegins":\n        pass\n'
    )
    assert 'if kind == "Turn" and m.get("end_of_turn") and m.get("turn_is_formatted"):' in result.code
    assert 'elif kind == "Begin":' in result.code
    assert 'elif kind == "Termination":' in result.code


def test_not_equal_final_is_negated_as_a_whole():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    if m["message_type"] != "FinalTranscript":\n        return\n'
    )
    assert 'if not (m["type"] == "Turn" and m.get("end_of_turn") and m.get("turn_is_formatted")):' in result.code


def test_session_terminated_becomes_termination_and_no_branch_is_added():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    if m["message_type"] == "SessionTerminated":\n        print("bye")\n'
    )
    assert 'if m["type"] == "Termination":' in result.code
    assert result.code.count("Termination") == 1


def test_termination_branch_goes_before_else():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    if m["message_type"] == "SessionBegins":\n        a = 1\n    else:\n        a = 2\n'
    )
    assert result.code.index('elif m["type"] == "Termination":') < result.code.index("    else:")


def test_membership_of_both_transcript_types_means_a_transcript_update():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    if m["message_type"] in ("PartialTranscript", "FinalTranscript"):\n        pass\n'
    )
    assert 'if m.get("type") == "Turn" and (not m.get("end_of_turn") or m.get("turn_is_formatted")):' in result.code


def test_membership_with_begin_maps_each_name():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    if m["message_type"] in ("SessionBegins", "PartialTranscript", "FinalTranscript"):\n        pass\n'
    )
    assert 'if m["type"] in ("Begin", "Turn"):' in result.code


def test_existing_try_is_not_wrapped_again():
    result = migrate(
        'def f(message):\n    try:\n        m = json.loads(message)\n    except ValueError:\n        return\n    print(m["text"])\n'
    )
    assert result.code.count("try:") == 1


def test_loop_guard_uses_continue():
    result = migrate(
        'async def f(ws):\n    while True:\n        m = json.loads(await ws.recv())\n        print(m["text"])\n'
    )
    assert (
        '        except json.JSONDecodeError as error:\n            print(f"Error decoding message: {error}")\n            continue\n'
        in result.code
    )


def test_assignment_to_text_key_is_left_alone():
    result = migrate('def f(message):\n    m = json.loads(message)\n    m["text"] = "x"\n')
    assert 'm["text"] = "x"' in result.code


def test_word_text_is_left_alone():
    result = migrate(
        'def f(message):\n    m = json.loads(message)\n    for w in m["words"]:\n        print(w["text"])\n'
    )
    assert 'print(w["text"])' in result.code


def test_leaves_json_in_unrelated_files_alone():
    check_noop(
        'import json\ndef f(message):\n    m = json.loads(message)\n    print(m["text"], m.get("message_type"))\n'
    )


def test_leaves_v3_handling_alone():
    check_noop(
        'import json\nURL = "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000"\n'
        'def f(message):\n    m = json.loads(message)\n    if m["type"] == "Turn" and m["end_of_turn"]:\n        print(m["transcript"])\n'
    )


def test_uses_the_files_json_alias():
    result = migrate_source(
        "import json as j\n" + URL + 'def f(message):\n    m = j.loads(message)\n    print(m["text"])\n'
    )
    assert "except j.JSONDecodeError as error:" in result.code


def test_whole_dispatch_is_idempotent():
    check_transformed(
        "import json\n"
        + URL
        + 'def f(message):\n    m = json.loads(message)\n    if m["message_type"] == "FinalTranscript":\n        print(m["text"])\n',
        "import json\nfrom urllib.parse import urlencode\n"
        'URL = "wss://streaming.assemblyai.com/v3/ws?" + urlencode({"sample_rate": 16000, "speech_model": "universal-streaming-english", "format_turns": True})\n'
        "def f(message):\n"
        + GUARD
        + '    if m["type"] == "Turn" and m.get("end_of_turn") and m.get("turn_is_formatted"):\n'
        + '        print(m.get("transcript", ""))\n'
        + TERMINATION,
    )


def test_leaves_json_read_from_files_and_responses_alone():
    for source in (
        'cfg = json.loads(open("c.json").read())',
        "cfg = json.loads(path.read_text())",
        "cfg = json.loads(response.text)",
        'cfg = json.loads(os.environ["CFG"])',
    ):
        result = migrate(f'def f():\n    {source}\n    print(cfg["text"])\n')
        assert 'print(cfg["text"])' in result.code, source


# --- values followed by the model -----------------------------------------------------------------
SESSION_END = (
    'print("Session terminated:", f"{data.get(\'audio_duration_seconds\')} s of audio,", '
    "f\"{data.get('session_duration_seconds')} s of session\")"
)


def test_match_on_the_type_gets_v3_values_and_turn_guards():
    result = migrate(
        "def f(ws, message):\n"
        "    data = json.loads(message)\n"
        '    match data["message_type"]:\n'
        '        case "SessionBegins":\n'
        '            print(data["session_id"])\n'
        '        case "PartialTranscript":\n'
        '            print(data["text"], end="\\r")\n'
        '        case "FinalTranscript" if data["text"]:\n'
        '            print(data["text"])\n'
        "        case _:\n"
        "            pass\n"
    )
    assert result.code.endswith(
        '    match data["type"]:\n'
        '        case "Begin":\n'
        '            print(data["id"])\n'
        '        case "Turn" if not data.get("end_of_turn"):\n'
        '            print(data.get("transcript", ""), end="\\r")\n'
        '        case "Turn" if data.get("transcript", "") and data.get("end_of_turn") and data.get("turn_is_formatted"):\n'
        '            print(data.get("transcript", ""))\n'
        '        case "Termination":\n'
        f"            {SESSION_END}\n"
        "        case _:\n"
        "            pass\n"
    )


def test_match_mapping_patterns_over_the_message():
    result = migrate(
        "def f(ws, message):\n"
        "    data = json.loads(message)\n"
        "    match data:\n"
        '        case {"message_type": "FinalTranscript", "text": text}:\n'
        "            print(text)\n"
        '        case {"message_type": "PartialTranscript", "text": text}:\n'
        '            print(text, end="\\r")\n'
    )
    assert result.code.endswith(
        "    match data:\n"
        '        case {"type": "Turn", "end_of_turn": True, "turn_is_formatted": True, "transcript": text}:\n'
        "            print(text)\n"
        '        case {"type": "Turn", "end_of_turn": False, "transcript": text}:\n'
        '            print(text, end="\\r")\n'
        '        case {"type": "Termination"}:\n'
        f"            {SESSION_END}\n"
    )


def test_a_message_checked_in_a_helper_is_migrated_where_it_is_used():
    result = migrate(
        "def show(msg):\n"
        '    if msg["message_type"] == "FinalTranscript":\n'
        '        print(msg["text"])\n'
        "\n"
        "def on_message(ws, message):\n"
        "    show(json.loads(message))\n"
    )
    assert (
        'def show(msg):\n    if msg["type"] == "Turn" and msg.get("end_of_turn") and msg.get("turn_is_formatted"):\n'
        '        print(msg.get("transcript", ""))\n'
    ) in result.code


def test_a_type_held_by_a_walrus_reads_end_of_turn_from_its_message():
    result = migrate(
        "def on_message(ws, message):\n"
        "    data: dict = json.loads(message)\n"
        '    if (kind := data.get("message_type")) == "FinalTranscript":\n'
        '        print(kind, data["text"])\n'
    )
    assert (
        '    if (kind := data.get("type")) == "Turn" and data.get("end_of_turn") and data.get("turn_is_formatted"):\n'
        '        print(kind, data.get("transcript", ""))\n'
    ) in result.code


def test_a_dict_of_another_origin_keeps_its_keys():
    result = migrate(
        "def f(path):\n"
        "    settings = json.loads(open(path).read())\n"
        '    print(settings["text"], settings["message_type"])\n'
    )
    assert 'print(settings["text"], settings["message_type"])' in result.code


def test_a_dispatch_table_keyed_by_v2_types_gets_v3_keys_and_lookups():
    result = migrate(
        'HANDLERS = {"SessionBegins": begin, "PartialTranscript": partial, "FinalTranscript": final}\n'
        "\n"
        "def on_message(ws, message):\n"
        "    m = json.loads(message)\n"
        '    handler = HANDLERS.get(m["message_type"])\n'
        "    if handler is not None:\n"
        "        handler(m)\n"
    )
    assert 'HANDLERS = {"Begin": begin, "PartialTurn": partial, "Turn": final}\n' in result.code
    assert (
        '    handler = HANDLERS.get(m["type"] if m["type"] != "Turn" else "PartialTurn" '
        'if not m.get("end_of_turn") else "Turn" if m.get("turn_is_formatted") else None)\n'
    ) in result.code


def test_the_lookup_key_maps_each_v3_message_to_the_v2_handler_it_replaces():
    """Evaluated: a partial, a turn's unformatted end, its formatted end, Begin and Termination."""
    result = migrate(
        'HANDLERS = {"SessionBegins": "begin", "PartialTranscript": "partial", "FinalTranscript": "final"}\n'
        "\ndef kind(message):\n    m = json.loads(message)\n    return HANDLERS.get(m['message_type'])\n"
    )
    namespace: dict = {}
    exec(compile(result.code, "<migrated>", "exec"), namespace)
    kind = namespace["kind"]
    assert kind('{"type": "Begin", "id": "x"}') == "begin"
    assert kind('{"type": "Turn", "end_of_turn": false, "transcript": "hel"}') == "partial"
    assert kind('{"type": "Turn", "end_of_turn": true, "turn_is_formatted": false}') is None
    assert kind('{"type": "Turn", "end_of_turn": true, "turn_is_formatted": true}') == "final"
    assert kind('{"type": "Termination"}') is None


def test_a_table_whose_lookups_cannot_be_followed_keeps_its_keys_with_a_note():
    result = migrate('HANDLERS = {"FinalTranscript": final}\n\ndef route(kind):\n    return HANDLERS[kind]\n')
    assert 'HANDLERS = {"FinalTranscript": final}' in result.code
    assert [note.code for note in result.notes] == ["STT003"]


@pytest.mark.parametrize(
    "built",
    [
        'getattr(self, "on_" + data["message_type"])(data)',
        "getattr(self, f\"on_{data['message_type']}\")(data)",
        'handlers["on_%s" % data["message_type"]](data)',
    ],
)
def test_a_name_built_from_the_message_type_is_noted(built):
    source = (
        "import json\nURL = 'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000'\n"
        f"class C:\n    def on_message(self, ws, message):\n        data = json.loads(message)\n        {built}\n"
    )
    result = migrate_source(source, select=["STT003"])
    (note,) = [note for note in result.notes if "builds a name" in note.message]
    assert note.severity == "error"
    assert result.code.splitlines()[note.line].strip().startswith(("getattr", "handlers"))
    assert 'data["type"]' in result.code or "data['type']" in result.code


def test_a_v3_script_building_a_name_from_its_type_gets_no_note():
    source = (
        "import json\nURL = 'wss://streaming.assemblyai.com/v3/ws?sample_rate=16000'\n"
        "def on_message(ws, message):  # v2 called it message_type\n"
        "    data = json.loads(message)\n    print('on_' + data['type'])\n"
    )
    assert not [note for note in migrate_source(source).notes if "builds a name" in note.message]


@pytest.mark.parametrize(
    "test",
    [
        'if data["message_type"].endswith("Transcript"):',
        'if data.get("message_type", "").startswith("Final"):',
        'if "Transcript" in data["message_type"]:',
    ],
)
def test_a_test_of_the_text_of_the_message_type_is_noted(test):
    source = (
        "import json\nURL = 'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000'\n"
        f"def on_message(ws, message):\n    data = json.loads(message)\n    {test}\n        print(data['text'])\n"
    )
    result = migrate_source(source, select=["STT003"])
    (note,) = [note for note in result.notes if "tests the text of a v2 message type" in note.message]
    assert note.severity == "error"
    assert result.code.splitlines()[note.line].strip().startswith("if ")


def test_a_function_dispatching_in_several_chains_reports_termination_once_in_the_first():
    result = migrate(
        "def describe(message):\n"
        '    kind = message.get("message_type")\n'
        '    if kind == "FinalTranscript":\n'
        '        return "final", message.get("text", "")\n'
        '    if kind == "PartialTranscript":\n'
        '        return "partial", message.get("text", "")\n'
        "    return None, None\n"
        "\n\ndef on_message(ws, raw):\n"
        "    print(describe(json.loads(raw)))\n"
    )
    assert result.code.count('"Termination"') == 1
    assert ('        return "final", message.get("transcript", "")\n    elif kind == "Termination":\n') in result.code
    assert result.code.endswith(
        '        return "final", message.get("transcript", "")\n'
        '    elif kind == "Termination":\n'
        '        print("Session terminated:", f"{message.get(\'audio_duration_seconds\')} s of audio,", '
        "f\"{message.get('session_duration_seconds')} s of session\")\n"
        '    if kind == "Turn" and not message.get("end_of_turn"):\n'
        '        return "partial", message.get("transcript", "")\n'
        "    return None, None\n"
        "\n\ndef on_message(ws, raw):\n"
        "    print(describe(json.loads(raw)))\n"
    )


def test_no_chain_reports_termination_when_another_chain_of_the_function_already_does():
    result = migrate(
        "def f(message):\n"
        "    m = json.loads(message)\n"
        '    if m["message_type"] == "FinalTranscript":\n'
        "        print(m['text'])\n"
        '    if m["message_type"] == "SessionTerminated":\n'
        '        print("bye")\n'
    )
    assert result.code.count('"Termination"') == 1
