from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

THRESHOLD_NOTE = (
    "# migrate-stt(STT006): v3 has no single silence threshold: max_turn_silence ends a turn after this much "
    "silence, but the model may end it sooner (set end_of_turn_confidence_threshold to 1 for silence-only turns)\n"
)
URL = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'


def transformed(before: str, after: str):
    return check_transformed(before, after, select=["STT006"])


# --- terminate_session -> Terminate -------------------------------------------------------


def test_terminate_session_becomes_terminate():
    check_transformed(
        'import json\nws.send(json.dumps({"terminate_session": True}))\n',
        'import json\nws.send(json.dumps({"type": "Terminate"}))\n',
        select=["STT006"],
    )


def test_terminate_session_in_a_class_constant_string():
    check_transformed(
        "class A:\n    CLOSE = '{\"terminate_session\": true}'\n",
        'class A:\n    CLOSE = \'{"type": "Terminate"}\'\n',
        select=["STT006"],
    )


def test_terminate_session_with_single_quotes_and_send_json():
    transformed(
        "async def stop(ws):\n    await ws.send_json({'terminate_session': True})\n",
        "async def stop(ws):\n    await ws.send_json({'type': 'Terminate'})\n",
    )


def test_terminate_session_as_a_queue_sentinel():
    transformed(
        'def stop(queue):\n    queue.put({"terminate_session": True})\n',
        'def stop(queue):\n    queue.put({"type": "Terminate"})\n',
    )


def test_multiline_dict_keeps_comments_and_trailing_comma():
    transformed(
        'message = {  # end the session\n    "terminate_session": True,\n}\n',
        'message = {  # end the session\n    "type": "Terminate",\n}\n',
    )


def test_json_string_with_spaces_is_normalised():
    transformed("ws.send('{ \"terminate_session\" : true }')\n", 'ws.send(\'{"type": "Terminate"}\')\n')


def test_json_string_in_double_quotes_is_escaped():
    transformed('ws.send("{\\"terminate_session\\": true}")\n', 'ws.send(\'{"type": "Terminate"}\')\n')


def test_nested_control_dict_is_rewritten():
    transformed(
        'payload = json.dumps({"session": {"terminate_session": True}})\n',
        'payload = json.dumps({"session": {"type": "Terminate"}})\n',
    )


# --- force_end_utterance -> ForceEndpoint -------------------------------------------------


def test_force_end_utterance_becomes_force_endpoint():
    check_transformed("m = {'force_end_utterance': True}\n", "m = {'type': 'ForceEndpoint'}\n", select=["STT006"])


def test_force_end_utterance_json_string():
    transformed(URL + "FORCE = '{\"force_end_utterance\": true}'\n", URL + 'FORCE = \'{"type": "ForceEndpoint"}\'\n')


def test_force_end_utterance_json_string_alone_ties_the_file():
    transformed("FORCE = '{\"force_end_utterance\": true}'\n", 'FORCE = \'{"type": "ForceEndpoint"}\'\n')


# --- end_utterance_silence_threshold -> UpdateConfiguration ------------------------------


def test_silence_threshold_becomes_update_configuration_with_a_note():
    result = migrate_source('m = {"end_utterance_silence_threshold": 700}\n', select=["STT006"])
    assert '{"type": "UpdateConfiguration", "max_turn_silence": 700}' in result.code
    assert [note.code for note in result.notes] == ["STT006"]


def test_silence_threshold_from_a_variable_exact():
    result = transformed(
        'import json\ndef tune(ws, ms):\n    ws.send(json.dumps({"end_utterance_silence_threshold": ms}))\n',
        "import json\ndef tune(ws, ms):\n"
        f"    {THRESHOLD_NOTE}"
        '    ws.send(json.dumps({"type": "UpdateConfiguration", "max_turn_silence": ms}))\n',
    )
    assert note_codes(result) == [(3, "STT006")]


def test_silence_threshold_json_string():
    result = transformed(
        URL + "ws.send('{\"end_utterance_silence_threshold\": 500}')\n",
        URL + THRESHOLD_NOTE + 'ws.send(\'{"type": "UpdateConfiguration", "max_turn_silence": 500}\')\n',
    )
    assert note_codes(result) == [(2, "STT006")]


def test_all_three_in_one_file():
    transformed(
        "import json\n"
        'END = {"terminate_session": True}\n'
        'FORCE = {"force_end_utterance": True}\n'
        'TUNE = {"end_utterance_silence_threshold": 300}\n',
        "import json\n"
        'END = {"type": "Terminate"}\n'
        'FORCE = {"type": "ForceEndpoint"}\n'
        + THRESHOLD_NOTE
        + 'TUNE = {"type": "UpdateConfiguration", "max_turn_silence": 300}\n',
    )


def test_with_every_rule_the_terminate_is_rewritten():
    result = migrate_source(
        'import json\nURL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'
        'def stop(ws):\n    ws.send(json.dumps({"terminate_session": True}))\n'
    )
    assert 'ws.send(json.dumps({"type": "Terminate"}))' in result.code


# --- left alone ---------------------------------------------------------------------------


def test_leaves_v3_terminate_alone():
    check_noop('m = {"type": "Terminate"}\n', select=["STT006"])


def test_leaves_v3_control_messages_alone():
    check_noop(
        'a = {"type": "ForceEndpoint"}\nb = {"type": "UpdateConfiguration", "max_turn_silence": 700}\n'
        'c = \'{"type": "Terminate"}\'\n'
    )


def test_leaves_unrelated_dicts_alone():
    check_noop('m = {"terminate": True}\n', select=["STT006"])


def test_control_word_in_prose_and_python_repr_strings_are_left_alone():
    check_noop(
        'HELP = "send terminate_session to stop"\nNOT_JSON = "{\'terminate_session\': True}"\n', select=["STT006"]
    )


def test_dict_call_form():
    transformed(
        "import json\n" + URL + "ws.send(json.dumps(dict(terminate_session=True)))\n",
        "import json\n" + URL + 'ws.send(json.dumps({"type": "Terminate"}))\n',
    )


def test_bytes_json_literal():
    transformed("ws.send(b'{\"terminate_session\": true}')\n", 'ws.send(b\'{"type": "Terminate"}\')\n')


def test_control_dict_with_an_extra_key_is_noted():
    result = migrate_source('m = {"terminate_session": True, "reason": "done"}\n', select=["STT006"])
    assert result.changed
