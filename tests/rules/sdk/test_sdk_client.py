import pytest

from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

SELECT = {"select": ["STT021"]}
IMPORTS = "from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions, StreamingEvents, StreamingParameters\n"
OPTIONS = '    StreamingClientOptions(api_key=aai.settings.api_key, api_host="streaming.assemblyai.com")\n'
PARAMETERS = (
    '    StreamingParameters(sample_rate=16_000, format_turns=True, speech_model="universal-streaming-english")\n'
)


def migrate(source: str):
    return migrate_source(source, **SELECT)


def test_constructor_becomes_options_registrations_and_connect_parameters():
    check_transformed(
        """\
        import assemblyai as aai
        transcriber = aai.RealtimeTranscriber(on_data=on_data, on_error=on_error, sample_rate=16_000)
        transcriber.connect()
        """,
        "import assemblyai as aai\n"
        + IMPORTS
        + "transcriber = StreamingClient(\n"
        + OPTIONS
        + ")\n"
        + "transcriber.on(StreamingEvents.Turn, on_data)\n"
        + "transcriber.on(StreamingEvents.Error, on_error)\n"
        + "transcriber.connect(\n"
        + PARAMETERS
        + ")\n",
        **SELECT,
    )


def test_keyword_order_does_not_matter():
    result = migrate(
        "import assemblyai as aai\n"
        "t = aai.RealtimeTranscriber(on_close=c, on_error=e, sample_rate=16_000, on_open=o, on_data=d)\nt.connect()\n"
    )
    registrations = [line for line in result.code.splitlines() if ".on(" in line]
    assert registrations == [
        "t.on(StreamingEvents.Begin, o)",
        "t.on(StreamingEvents.Turn, d)",
        "t.on(StreamingEvents.Termination, c)",
        "t.on(StreamingEvents.Error, e)",
    ]


def test_api_key_from_settings_is_passed_explicitly():
    result = migrate(
        'import assemblyai as aai\naai.settings.api_key = "k"\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n'
    )
    assert "StreamingClientOptions(api_key=aai.settings.api_key, " in result.code


def test_without_the_module_alias_the_settings_come_from_assemblyai():
    result = migrate(
        "from assemblyai import RealtimeTranscriber\nt = RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\nt.connect()\n"
    )
    assert result.code.startswith("import assemblyai\n")
    assert "StreamingClientOptions(api_key=assemblyai.settings.api_key, " in result.code


def test_api_key_set_after_the_constructor_creates_the_client_at_connect():
    check_transformed(
        """\
        import assemblyai as aai

        transcriber = aai.RealtimeTranscriber(on_data=on_data, on_error=on_error, sample_rate=16_000)
        aai.settings.api_key = "KEY"
        transcriber.connect()
        """,
        "import assemblyai as aai\n"
        + IMPORTS
        + "\n"
        + 'aai.settings.api_key = "KEY"\n'
        + "transcriber = StreamingClient(\n"
        + OPTIONS
        + ")\n"
        + "transcriber.on(StreamingEvents.Turn, on_data)\n"
        + "transcriber.on(StreamingEvents.Error, on_error)\n"
        + "transcriber.connect(\n"
        + PARAMETERS
        + ")\n",
        **SELECT,
    )


def test_api_key_set_after_the_constructor_elsewhere_gets_a_note():
    result = migrate(
        "import assemblyai as aai\n"
        "transcriber = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n"
        "def main():\n"
        '    aai.settings.api_key = "KEY"\n'
        "    transcriber.connect()\n"
    )
    assert note_codes(result) == [(3, "STT021")]
    assert "set aai.settings.api_key before this" in result.notes[0].message


def test_api_key_set_before_the_constructor_needs_nothing_more():
    result = migrate(
        'import assemblyai as aai\naai.settings.api_key = "k"\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\nt.connect()\n'
    )
    assert result.notes == []


def test_a_literal_token_replaces_the_api_key():
    result = migrate(
        'import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000, token="tok")\nt.connect()\n'
    )
    assert 'StreamingClientOptions(token="tok", api_host="streaming.assemblyai.com")' in result.code


def test_a_token_that_may_be_none_falls_back_to_the_api_key():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000, token=token)\nt.connect()\n"
    )
    assert (
        'StreamingClientOptions(api_key=aai.settings.api_key, token=token, api_host="streaming.assemblyai.com")'
        in result.code
    )


def test_mulaw_encoding_maps_to_the_v3_encoding():
    result = migrate(
        "import assemblyai as aai\n"
        "t = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=8000, encoding=aai.AudioEncoding.pcm_mulaw)\nt.connect()\n"
    )
    assert "        encoding=Encoding.pcm_mulaw,\n" in result.code
    assert "from assemblyai.streaming.v3 import (\n    Encoding,\n" in result.code


def test_word_boost_becomes_keyterms_prompt_with_a_note():
    result = migrate(
        'import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000, word_boost=["aai"])\nt.connect()\n'
    )
    assert 'keyterms_prompt=["aai"]' in result.code
    assert note_codes(result) == [(3, "STT021")]
    assert "keyterms_prompt" in result.notes[0].message


def test_end_utterance_silence_threshold_becomes_max_turn_silence_with_a_note():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000, end_utterance_silence_threshold=700)\nt.connect()\n"
    )
    assert "max_turn_silence=700" in result.code
    assert "end_utterance_silence_threshold" not in result.code.split("\n", 2)[2].split("#")[0]
    assert "max_turn_silence" in result.notes[0].message


def test_disable_partial_transcripts_is_dropped_with_a_note():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000, disable_partial_transcripts=True)\nt.connect()\n"
    )
    assert "disable_partial_transcripts=" not in result.code
    assert "partial" in result.notes[0].message


def test_on_close_runs_on_termination_with_a_note():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, on_close=c, sample_rate=16_000)\nt.connect()\n"
    )
    assert "t.on(StreamingEvents.Termination, c)\n" in result.code
    assert "Termination" in result.notes[0].message


def test_extra_session_information_runs_on_termination():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, on_extra_session_information=i, sample_rate=16_000)\nt.connect()\n"
    )
    assert "t.on(StreamingEvents.Termination, i)\n" in result.code
    assert result.notes == []


def test_connect_in_another_method_reads_the_same_settings():
    result = migrate(
        "import assemblyai as aai\n"
        "class Captions:\n"
        "    def start(self):\n"
        "        self.t = aai.RealtimeTranscriber(on_data=self.d, on_error=self.e, sample_rate=self.rate)\n"
        "    def run(self):\n"
        "        self.t.connect()\n"
    )
    assert "self.t.connect(\n            StreamingParameters(sample_rate=self.rate, " in result.code


def test_settings_local_to_the_constructor_are_kept_for_connect():
    result = migrate(
        "import assemblyai as aai\n"
        "class Captions:\n"
        "    def __init__(self, rate):\n"
        "        self.t = aai.RealtimeTranscriber(on_data=self.d, on_error=self.e, sample_rate=rate)\n"
        "    def run(self):\n"
        "        self.t.connect()\n"
    )
    assert (
        "        self.t_parameters = StreamingParameters(\n            sample_rate=rate, format_turns=True,"
        in result.code
    )
    assert "        self.t.connect(self.t_parameters)\n" in result.code


def test_a_transcriber_never_connected_keeps_its_parameters_with_a_note():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n"
    )
    assert "t_parameters = StreamingParameters(\n    sample_rate=16_000, " in result.code
    assert "pass t_parameters to t.connect()" in result.notes[0].message


def test_a_connect_timeout_gets_a_note():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\nt.connect(timeout=5)\n"
    )
    assert "t.connect(\n" + PARAMETERS + ")" in result.code
    assert note_codes(result) == [(8, "STT021")]


def test_an_annotated_assignment_keeps_its_annotation():
    result = migrate(
        "import assemblyai as aai\nt: Client = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\nt.connect()\n"
    )
    assert "t: Client = StreamingClient(\n" in result.code


def test_a_constructor_in_a_nested_block_keeps_its_indentation():
    result = migrate(
        "import assemblyai as aai\n"
        "def main():\n"
        "    if ready:\n"
        "        t = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n"
        "        t.connect()\n"
    )
    assert "        t = StreamingClient(\n            StreamingClientOptions(" in result.code
    assert "        t.on(StreamingEvents.Turn, d)\n" in result.code


def test_a_new_session_for_every_turn_gets_a_note():
    result = migrate(
        "import assemblyai as aai\n"
        "class Agent:\n"
        "    def start(self):\n"
        "        self.t = aai.RealtimeTranscriber(on_data=self.on_data, on_error=print, sample_rate=16_000)\n"
        "        self.t.connect()\n"
        "    def on_data(self, transcript):\n"
        "        self.reply(transcript)\n"
        "    def reply(self, transcript):\n"
        "        self.t.close()\n"
        "        self.start()\n"
    )
    assert any("new session for every turn" in note.message for note in result.notes)


def test_other_keyword_arguments_are_dropped_with_a_note():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000, boost_param='high', client=c)\nt.connect()\n"
    )
    assert "boost_param" not in result.code.split("StreamingClient(")[1]
    assert sorted(note.message.split(":")[0] for note in result.notes) == [
        "RealtimeTranscriber never took boost_param; dropped",
        "v3 has no shared aai.Client",
    ]


# --- leaves alone -------------------------------------------------------------------------


def test_leaves_a_v3_client_alone():
    check_noop(
        """\
        from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions, StreamingParameters
        client = StreamingClient(StreamingClientOptions(api_key=KEY, api_host="streaming.assemblyai.com"))
        client.connect(StreamingParameters(sample_rate=16000))
        """,
        **SELECT,
    )


def test_leaves_settings_passed_with_double_star_alone_with_a_note():
    result = migrate("import assemblyai as aai\nt = aai.RealtimeTranscriber(**settings)\nt.connect()\n")
    assert "aai.RealtimeTranscriber(**settings)\nt.connect()\n" in result.code
    assert "not migrated" in result.notes[0].message


def test_a_factory_returns_the_v3_client_and_its_caller_connects_it():
    result = migrate_source(
        "import assemblyai as aai\ndef make():\n    return aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n"
        "\nt = make()\nt.connect()\nt.close()\n"
    )
    assert (
        "    client = StreamingClient(\n"
        '        StreamingClientOptions(api_key=aai.settings.api_key, api_host="streaming.assemblyai.com")\n'
        "    )\n"
        "    client.on(StreamingEvents.Turn, lambda client, event: d(event))\n"
        "    client.on(StreamingEvents.Error, lambda client, event: e(event))\n"
        "    return client\n"
    ) in result.code
    assert (
        "t.connect(\n"
        '    StreamingParameters(sample_rate=16_000, format_turns=True, speech_model="universal-streaming-english")\n'
        ")\nt.disconnect(terminate=True)\n"
    ) in result.code


def test_a_factory_whose_client_is_connected_elsewhere_says_what_connect_needs():
    result = migrate(
        "import assemblyai as aai\ndef make():\n    return aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n"
    )
    assert "    return client\n" in result.code
    assert "_parameters" not in result.code
    assert any(
        "the caller must pass StreamingParameters(sample_rate=16_000," in note.message
        for note in result.notes
        if note.code == "STT021"
    )


def test_leaves_a_constructor_that_is_not_assigned_alone_with_a_note():
    result = migrate(
        "import assemblyai as aai\nprint(aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000))\n"
    )
    assert "print(aai.RealtimeTranscriber(" in result.code
    assert [code for _, code in note_codes(result)].count("STT021") == 1


def test_leaves_positional_arguments_alone_with_a_note():
    result = migrate("import assemblyai as aai\nt = aai.RealtimeTranscriber(d, e)\n")
    assert "t = aai.RealtimeTranscriber(d, e)" in result.code
    assert "keyword arguments only" in result.notes[0].message


def test_leaves_connect_on_other_objects_alone():
    check_noop(
        """\
        import assemblyai as aai
        import sqlite3
        db = sqlite3.connect("x.db")
        db.connect()
        """,
        **SELECT,
    )


def test_leaves_a_same_named_class_from_another_package_alone():
    check_noop(
        "from mylib import RealtimeTranscriber\nt = RealtimeTranscriber(on_data=d, sample_rate=16_000)\nt.connect()\n",
        **SELECT,
    )


def test_leaves_async_transcription_alone():
    check_noop("import assemblyai as aai\ntranscriber = aai.Transcriber()\ntranscriber.transcribe('a.mp3')\n", **SELECT)


def test_leaves_a_subclass_to_its_own_rule():
    check_noop(
        """\
        import assemblyai as aai
        class T(aai.RealtimeTranscriber):
            def __init__(self):
                super().__init__(on_data=d, on_error=e, sample_rate=8000)
        """,
        **SELECT,
    )


def test_leaves_the_constructor_name_in_strings_alone():
    check_noop('import assemblyai as aai\nprint("aai.RealtimeTranscriber(on_data=d)")\n', **SELECT)


def test_leaves_a_1x_client_alone():
    check_noop(
        """\
        from assemblyai.streaming.v3 import RealTimeTranscriber, RealTimeParameters
        client = RealTimeTranscriber(api_key=KEY)
        client.connect(RealTimeParameters(sample_rate=16000))
        """,
        **SELECT,
    )


def test_leaves_the_constructor_in_a_docstring_alone():
    check_noop(
        '"""Run aai.RealtimeTranscriber(on_data=..., sample_rate=16_000)."""\nimport assemblyai as aai\n', **SELECT
    )


def test_leaves_a_commented_out_constructor_alone():
    check_noop(
        "import assemblyai as aai\n# t = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n", **SELECT
    )


def test_leaves_a_reference_to_the_class_that_is_not_a_call_alone():
    check_noop("import assemblyai as aai\nfactory = aai.RealtimeTranscriber\n", **SELECT)


def test_leaves_connect_on_a_same_named_attribute_of_another_class_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "class A:\n"
        "    def start(self):\n"
        "        self.transcriber = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n"
        "        self.transcriber.connect()\n"
        "class B:\n"
        "    def start(self):\n"
        "        self.transcriber.connect()\n"
    )
    assert result.code.endswith("class B:\n    def start(self):\n        self.transcriber.connect()\n")


def test_leaves_a_constructor_assigned_to_several_targets_alone_with_a_note():
    result = migrate(
        "import assemblyai as aai\na, b = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000), 1\n"
    )
    assert "a, b = aai.RealtimeTranscriber(" in result.code
    assert note_codes(result) == [(2, "STT021")]


def test_leaves_a_constructor_inside_a_lambda_alone_with_a_note():
    result = migrate(
        "import assemblyai as aai\nmake = lambda: aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n"
    )
    assert "make = lambda: aai.RealtimeTranscriber(" in result.code
    assert "not migrated" in result.notes[0].message


def test_leaves_a_known_key_setting_alone_when_it_comes_first():
    result = migrate(
        "import os\nimport assemblyai as aai\n"
        'aai.settings.api_key = os.environ["ASSEMBLYAI_API_KEY"]\n'
        "t = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\nt.connect()\n"
    )
    assert 'aai.settings.api_key = os.environ["ASSEMBLYAI_API_KEY"]\nt = StreamingClient(\n' in result.code


def test_leaves_the_session_settings_out_of_the_client_options():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\nt.connect()\n"
    )
    options = result.code.split("StreamingClientOptions(")[1].split(")")[0]
    assert "sample_rate" not in options and "on_data" not in options


def test_leaves_a_script_without_v2_sdk_code_alone():
    check_noop("import assemblyai as aai\nimport websocket\nws = websocket.WebSocketApp(URL)\nws.connect()\n", **SELECT)


def test_leaves_the_callbacks_themselves_to_the_handler_rule():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    print(transcript.text)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\nt.connect()\n"
    )
    assert "def on_data(transcript):\n    print(transcript.text)\n" in result.code


def test_leaves_stream_calls_alone():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\nt.connect()\nt.stream(audio)\n"
    )
    assert result.code.endswith("t.stream(audio)\n")


def test_connect_in_a_function_defined_before_the_constructor_gets_its_settings():
    result = migrate(
        "import assemblyai as aai\n"
        "def start():\n    transcriber.connect()\n"
        "transcriber = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\n"
    )
    assert "    transcriber.connect(\n        StreamingParameters(sample_rate=16_000," in result.code


def test_leaves_connect_of_a_subclass_instance_alone():
    check_noop(
        """\
        import assemblyai as aai
        from twilio_transcriber import TwilioTranscriber
        transcriber = TwilioTranscriber()
        transcriber.connect()
        """,
        **SELECT,
    )


def test_leaves_constructors_in_a_comprehension_alone_with_a_note():
    result = migrate(
        "import assemblyai as aai\npool = [aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000) for _ in range(2)]\n"
    )
    assert "pool = [aai.RealtimeTranscriber(" in result.code
    assert note_codes(result) == [(2, "STT021")]


def test_leaves_the_settings_assignment_itself_alone():
    result = migrate(
        'import assemblyai as aai\naai.settings.api_key = "k"\nt = aai.RealtimeTranscriber(on_data=d, on_error=e, sample_rate=16_000)\nt.connect()\n'
    )
    assert "import assemblyai as aai\n" in result.code and '\naai.settings.api_key = "k"\n' in result.code


def test_leaves_handler_keywords_of_other_constructors_alone():
    check_noop(
        "import assemblyai as aai\nimport mylib\nstream = mylib.Stream(on_data=d, on_error=e, sample_rate=16_000)\nstream.connect()\n",
        **SELECT,
    )


def test_connect_handed_to_an_executor_or_a_thread_gets_the_session_settings():
    result = migrate_source(
        "import threading\nimport assemblyai as aai\n"
        "t = aai.RealtimeTranscriber(on_data=d, sample_rate=16_000)\n"
        "pool.submit(t.connect).result()\n"
        "threading.Thread(target=t.connect).start()\n"
    )
    parameters = (
        'StreamingParameters(sample_rate=16_000, format_turns=True, speech_model="universal-streaming-english")'
    )
    assert f"pool.submit(t.connect, {parameters}).result()\n" in result.code
    assert f"threading.Thread(target=t.connect, args=({parameters},)).start()\n" in result.code
    assert "t_parameters" not in result.code


def test_a_partial_of_the_v2_constructor_becomes_a_factory_def():
    result = migrate_source(
        "import functools\nimport assemblyai as aai\n"
        "client = object()\n"
        "make = functools.partial(aai.RealtimeTranscriber, on_data=d, sample_rate=16_000)\n"
        "t = make()\nt.connect()\n"
    )
    assert (
        "def make():\n"
        "    client_2 = StreamingClient(\n"
        '        StreamingClientOptions(api_key=aai.settings.api_key, api_host="streaming.assemblyai.com")\n'
        "    )\n"
        "    client_2.on(StreamingEvents.Turn, lambda client, event: d(event))\n"
        "    return client_2\n"
    ) in result.code
    assert "import functools" not in result.code
    assert "t.connect(\n" in result.code and "StreamingParameters(sample_rate=16_000," in result.code


def test_a_factory_reading_its_parameters_gets_them_from_its_call_at_connect():
    result = migrate(
        "import assemblyai as aai\n"
        "def make(rate, words=None):\n"
        "    return aai.RealtimeTranscriber(on_data=d, sample_rate=rate, word_boost=words)\n"
        "def run(rate):\n"
        "    t = make(rate, words=BOOST)\n"
        "    t.connect()\n"
    )
    assert (
        "    t.connect(\n"
        "        StreamingParameters(\n"
        "            sample_rate=rate,\n"
        "            format_turns=True,\n"
        '            speech_model="universal-streaming-english",\n'
        "            keyterms_prompt=BOOST,\n"
        "        )\n"
        "    )\n"
    ) in result.code
    assert not any("the caller must pass" in note.message for note in result.notes)


@pytest.mark.parametrize(
    "caller",
    [
        # the argument is rebound before connect(): it would not mean the same there
        "def run(rate):\n    t = make(rate)\n    rate = 8_000\n    t.connect()\n",
        # the factory is called in one function and its client connected in another
        "def run(rate):\n    global t\n    t = make(rate)\ndef go():\n    run(16_000)\n    t.connect()\n",
        # two calls: which one made the client connected here is not known
        "def run(rate):\n    t = make(rate)\n    make(8_000)\n    t.connect()\n",
    ],
)
def test_a_factory_whose_parameters_cannot_be_read_at_connect_says_what_connect_needs(caller):
    result = migrate(
        "import assemblyai as aai\n"
        "def make(rate):\n"
        "    return aai.RealtimeTranscriber(on_data=d, sample_rate=rate)\n" + caller
    )
    assert "StreamingParameters(" not in result.code.split("def make")[1].split("def run")[1]
    assert any("the caller must pass StreamingParameters(sample_rate=rate," in note.message for note in result.notes)


def test_a_token_passed_to_a_partial_becomes_a_parameter_of_its_factory():
    result = migrate(
        "import functools\nimport assemblyai as aai\n"
        "make = functools.partial(aai.RealtimeTranscriber, on_data=d, sample_rate=16_000)\n"
        "t = make(token=fetch_token())\nt.connect()\n"
    )
    assert (
        "def make(token=None):\n"
        "    client = StreamingClient(\n"
        '        StreamingClientOptions(api_key=aai.settings.api_key, token=token, api_host="streaming.assemblyai.com")\n'
        "    )\n"
    ) in result.code
    assert "t = make(token=fetch_token())\n" in result.code
    compile(result.code, "<migrated>", "exec")


def test_a_partial_called_with_settings_is_left_with_a_note():
    result = migrate(
        "import functools\nimport assemblyai as aai\n"
        "make = functools.partial(aai.RealtimeTranscriber, on_data=d)\n"
        "t = make(sample_rate=16_000)\nt.connect()\n"
    )
    assert "functools.partial(aai.RealtimeTranscriber, on_data=d)" in result.code
    assert any("called with sample_rate" in note.message for note in result.notes)


def test_settings_are_followed_through_a_factory_that_returns_another_factorys_client():
    result = migrate(
        "import assemblyai as aai\n"
        "def make(rate, silence=700):\n"
        "    return aai.RealtimeTranscriber(on_data=d, sample_rate=rate, end_utterance_silence_threshold=silence)\n"
        "def outer(rate):\n    return make(rate)\n"
        "def run():\n    t = outer(16_000)\n    pool.submit(t.connect)\n"
    )
    assert (
        "pool.submit(t.connect, StreamingParameters(sample_rate=16_000, format_turns=True, "
        'speech_model="universal-streaming-english", max_turn_silence=700))'
    ) in result.code


def test_callbacks_every_call_of_a_partial_passes_become_parameters_of_its_factory():
    result = migrate_source(
        "import functools\nimport assemblyai as aai\n"
        "def on_data(t):\n    print(t.text)\n"
        "def make_client():\n"
        "    make = functools.partial(aai.RealtimeTranscriber, sample_rate=16_000)\n"
        "    return make(on_data=on_data)\n"
        "t = make_client()\nt.connect()\n"
    )
    assert "def on_data(client, t):\n    print(t.transcript)\n" in result.code
    assert (
        "    def make(on_data):\n"
        "        client = StreamingClient(\n"
        '            StreamingClientOptions(api_key=aai.settings.api_key, api_host="streaming.assemblyai.com")\n'
        "        )\n"
        "        client.on(StreamingEvents.Turn, on_data)\n"
        "        return client\n"
    ) in result.code
    assert "    return make(on_data=on_data)\n" in result.code
    assert "t.connect(\n    StreamingParameters(sample_rate=16_000," in result.code


def test_a_callback_only_some_calls_of_a_partial_pass_is_left_with_a_note():
    result = migrate(
        "import functools\nimport assemblyai as aai\n"
        "make = functools.partial(aai.RealtimeTranscriber, sample_rate=16_000)\n"
        "a = make(on_data=print)\nb = make()\n"
    )
    assert "functools.partial(aai.RealtimeTranscriber, sample_rate=16_000)" in result.code
    assert any("called with on_data: move them into the partial" in note.message for note in result.notes)


def test_a_factory_that_returns_the_client_through_a_variable_gets_its_settings_at_the_callers_connect():
    result = migrate(
        "import assemblyai as aai\n"
        "def make(rate):\n"
        "    t = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=rate)\n"
        "    return t\n"
        "def run():\n    c = make(16000)\n    c.connect()\n"
    )
    assert "t_parameters" not in result.code
    assert (
        "    c.connect(\n"
        '        StreamingParameters(sample_rate=16000, format_turns=True, speech_model="universal-streaming-english")\n'
        "    )\n"
    ) in result.code
