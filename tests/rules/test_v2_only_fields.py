from migrator import migrate_source
from tests.migration_checks import note_codes

URL = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'


def test_message_confidence_gets_a_note_and_stays():
    source = (
        "import json\n"
        + URL
        + 'def f(message):\n    m = json.loads(message)\n    if m["confidence"] > 0.5:\n        pass\n'
    )
    result = migrate_source(source, select=["STT008"])
    assert note_codes(result) == [(5, "STT008")]
    assert "# migrate-stt(STT008): confidence: v3 has no message-level confidence" in result.code
    assert 'if m["confidence"] > 0.5:' in result.code


def test_audio_start_and_end_get_notes():
    source = (
        "import json\n"
        + URL
        + 'def f(message):\n    m = json.loads(message)\n    d = m.get("audio_end") - m["audio_start"]\n'
    )
    result = migrate_source(source, select=["STT008"])
    assert sorted(note.message.split(":")[0] for note in result.notes) == ["audio_end", "audio_start"]


def test_leaves_confidence_in_unrelated_files_alone():
    assert migrate_source('import json\nm = json.loads(s)\nprint(m["confidence"])\n', select=["STT008"]).notes == []
