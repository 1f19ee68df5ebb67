from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

V3 = '"wss://streaming.assemblyai.com/v3/ws?"'
ADDED = '"speech_model": "universal-streaming-english", "format_turns": True'


def test_literal_url_becomes_v3_with_urlencoded_params():
    check_transformed(
        'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n',
        f'from urllib.parse import urlencode\nURL = {V3} + urlencode({{"sample_rate": 16000, {ADDED}}})\n',
        select=["STT001"],
    )


def test_fstring_keeps_the_sample_rate_variable():
    check_transformed(
        'import os\nURL = f"wss://api.assemblyai.com/v2/realtime/ws?sample_rate={RATE}"\n',
        f'import os\nfrom urllib.parse import urlencode\nURL = {V3} + urlencode({{"sample_rate": RATE, {ADDED}}})\n',
        select=["STT001"],
    )


def test_single_quoted_url_keeps_its_quotes():
    result = migrate_source("URL = 'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=8000'\n", select=["STT001"])
    assert "URL = 'wss://streaming.assemblyai.com/v3/ws?' + urlencode(" in result.code


def test_encoding_and_token_are_kept():
    result = migrate_source(
        'u = f"wss://api.assemblyai.com/v2/realtime/ws?sample_rate=8000&encoding=pcm_mulaw&token={token}"\n',
        select=["STT001"],
    )
    assert 'urlencode({"sample_rate": 8000, "encoding": "pcm_mulaw", "token": token, ' in result.code


def test_base_constant_plus_query_keeps_the_constant():
    check_transformed(
        'BASE = "wss://api.assemblyai.com/v2/realtime/ws"\nURL = BASE + "?sample_rate=" + str(RATE)\n',
        f'from urllib.parse import urlencode\nBASE = "wss://streaming.assemblyai.com/v3/ws"\nURL = BASE + "?" + urlencode({{"sample_rate": RATE, {ADDED}}})\n',
        select=["STT001"],
    )


def test_implicit_concatenation_over_lines():
    result = migrate_source(
        'URL = ("wss://api.assemblyai.com/v2/realtime/ws"\n       "?sample_rate=16000")\n', select=["STT001"]
    )
    assert f'URL = ({V3} + urlencode({{"sample_rate": 16000, {ADDED}}}))' in result.code


def test_class_attribute_and_self_attribute():
    result = migrate_source(
        'class T:\n    URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'
        '    def __init__(self):\n        self.uri = f"wss://api.assemblyai.com/v2/realtime/ws?sample_rate={self.RATE}"\n',
        select=["STT001"],
    )
    assert result.code.count("wss://streaming.assemblyai.com/v3/ws?") == 2
    assert '"sample_rate": self.RATE' in result.code


def test_urlencode_dict_is_edited_in_place():
    check_transformed(
        'from urllib.parse import urlencode\nparams = {\n    "sample_rate": 16000,\n    "word_boost": json.dumps(["AssemblyAI"]),\n}\n'
        'URL = f"wss://api.assemblyai.com/v2/realtime/ws?{urlencode(params)}"\n',
        'from urllib.parse import urlencode\nparams = {\n    "sample_rate": 16000,\n    "keyterms_prompt": json.dumps(["AssemblyAI"]),\n'
        '    "speech_model": "universal-streaming-english",\n    "format_turns": True,\n}\n'
        "# migrate-stt(STT001): word_boost became keyterms_prompt: v3 takes at most 100 terms of at most 50 characters each and boosts differently; review the list\n"
        'URL = f"wss://streaming.assemblyai.com/v3/ws?{urlencode(params)}"\n',
        select=["STT001"],
    )


def test_word_boost_becomes_keyterms_prompt_with_a_note():
    result = migrate_source(
        'U = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000&word_boost=%5B%22foo%22%5D"\n',
        select=["STT001"],
    )
    assert '"keyterms_prompt": \'["foo"]\'' in result.code
    assert note_codes(result) == [(2, "STT001")]


def test_unknown_and_v2_only_parameters_are_dropped_and_named():
    result = migrate_source(
        'U = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000&disable_partial_transcripts=true&language=tr"\n',
        select=["STT001"],
    )
    assert "disable_partial_transcripts" not in result.code.splitlines()[-1]
    assert '"language"' not in result.code
    (note,) = result.notes
    assert "disable_partial_transcripts" in note.message and "language" in note.message


def test_existing_format_turns_is_not_duplicated():
    result = migrate_source(
        'U = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000&format_turns=false"\n', select=["STT001"]
    )
    assert result.code.count("format_turns") == 1
    assert '"format_turns": False' in result.code


def test_reuses_an_existing_urlencode_import():
    result = migrate_source(
        'from urllib.parse import urlencode as enc\nU = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1"\n',
        select=["STT001"],
    )
    assert "+ enc({" in result.code
    assert result.code.count("import") == 1


def test_session_resume_url_gets_a_note_and_is_left():
    result = migrate_source('u = f"wss://api.assemblyai.com/v2/realtime/ws/{session_id}"\n', select=["STT001"])
    assert "wss://api.assemblyai.com/v2/realtime/ws/{session_id}" in result.code
    assert note_codes(result) == [(1, "STT001")]


def test_unreadable_query_swaps_the_host_and_notes():
    result = migrate_source('u = f"wss://api.assemblyai.com/v2/realtime/ws?{query}"\n', select=["STT001"])
    assert 'f"wss://streaming.assemblyai.com/v3/ws?{query}"' in result.code
    assert note_codes(result) == [(1, "STT001")]


def test_leaves_url_in_docstring_alone():
    check_noop('"""Talks to wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000."""\n', select=["STT001"])


def test_leaves_url_in_print_alone():
    check_noop('print("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000")\n', select=["STT001"])


def test_leaves_url_in_comment_alone():
    check_noop("# wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000\nx = 1\n", select=["STT001"])


def test_leaves_other_hosts_alone():
    check_noop('U = "wss://example.com/v2/realtime/ws?sample_rate=16000"\n', select=["STT001"])


def test_leaves_lookalike_path_alone():
    check_noop('U = "wss://api.assemblyai.com/v2/realtime/wsx?sample_rate=16000"\n', select=["STT001"])


def test_leaves_v3_url_alone():
    check_noop('U = "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000"\n', select=["STT001"])


def test_a_template_filled_outside_the_literal_keeps_its_fields_in_the_text():
    # urlencode() would percent-encode the field: "%25s", which % then reads as a width.
    for template, filled in (("sample_rate=%s", "% (RATE,)"), ("sample_rate={}", ".format(RATE)")):
        result = migrate_source(
            f'import os\nURL = os.environ.get("URL", "wss://api.assemblyai.com/v2/realtime/ws?{template}&word_boost=x"){filled}\n',
            select=["STT001"],
        )
        assert result.code.endswith(
            'URL = os.environ.get("URL", "wss://streaming.assemblyai.com/v3/ws?'
            f'{template}&keyterms_prompt=x&speech_model=universal-streaming-english&format_turns=true"){filled}\n'
        )
        assert note_codes(result) == [(2, "STT001")]
        check_noop(result.code, select=["STT001"])
