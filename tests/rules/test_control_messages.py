from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed


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


def test_force_end_utterance_becomes_force_endpoint():
    check_transformed("m = {'force_end_utterance': True}\n", "m = {'type': 'ForceEndpoint'}\n", select=["STT006"])


def test_silence_threshold_becomes_update_configuration_with_a_note():
    result = migrate_source('m = {"end_utterance_silence_threshold": 700}\n', select=["STT006"])
    assert '{"type": "UpdateConfiguration", "max_turn_silence": 700}' in result.code
    assert [note.code for note in result.notes] == ["STT006"]


def test_leaves_v3_terminate_alone():
    check_noop('m = {"type": "Terminate"}\n', select=["STT006"])


def test_leaves_unrelated_dicts_alone():
    check_noop('m = {"terminate": True}\n', select=["STT006"])
