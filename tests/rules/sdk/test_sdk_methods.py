from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

SELECT = {"select": ["STT023"]}
V2_CLIENT = "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=16_000)\n"


def migrate(source: str):
    return migrate_source(source, **SELECT)


def test_close_ends_the_session_with_terminate():
    check_transformed(
        """\
        import assemblyai as aai
        transcriber = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=16_000)
        transcriber.close()
        """,
        """\
        import assemblyai as aai
        transcriber = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=16_000)
        transcriber.disconnect(terminate=True)
        """,
        **SELECT,
    )


def test_close_on_an_attribute_holding_the_transcriber():
    result = migrate(
        "import assemblyai as aai\n"
        "class A:\n"
        "    def start(self):\n        self.t = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=1)\n"
        "    def stop(self):\n        self.t.close()\n"
    )
    assert "        self.t.disconnect(terminate=True)\n" in result.code


def test_close_after_an_isinstance_guard():
    result = migrate(
        "from assemblyai import RealtimeTranscriber\n"
        "def stop(session):\n"
        "    if isinstance(session.transcriber, RealtimeTranscriber):\n"
        "        session.transcriber.close()\n"
    )
    assert "        session.transcriber.disconnect(terminate=True)\n" in result.code


def test_close_on_an_annotated_parameter():
    result = migrate("import assemblyai as aai\ndef stop(t: aai.RealtimeTranscriber):\n    t.close()\n")
    assert "    t.disconnect(terminate=True)\n" in result.code


def test_close_on_a_v3_client_of_a_half_migrated_script():
    result = migrate(
        "from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions\n"
        "client = StreamingClient(StreamingClientOptions(api_key=KEY))\nclient.close()\n"
    )
    assert result.code.endswith("client.disconnect(terminate=True)\n")


def test_force_end_utterance_becomes_force_endpoint():
    result = migrate(V2_CLIENT + "t.force_end_utterance()\n")
    assert result.code.endswith("t.force_endpoint()\n")


def test_silence_threshold_becomes_set_params_with_a_note():
    result = migrate(V2_CLIENT + "t.configure_end_utterance_silence_threshold(500)\n")
    assert result.code.endswith("t.set_params(StreamingSessionParameters(max_turn_silence=500))\n")
    assert "from assemblyai.streaming.v3 import StreamingSessionParameters\n" in result.code
    assert note_codes(result) == [(4, "STT023")]


def test_temporary_token_becomes_the_v3_instance_call_capped_at_600_seconds():
    result = migrate(
        "import assemblyai as aai\ntoken = aai.RealtimeTranscriber.create_temporary_token(expires_in=3600)\n"
    )
    assert result.code.endswith(
        "token = StreamingClient(\n"
        '    StreamingClientOptions(api_key=aai.settings.api_key, api_host="streaming.assemblyai.com")\n'
        ").create_temporary_token(expires_in_seconds=600)\n"
    )
    assert "600 s (was 3600)" in result.notes[0].message


def test_temporary_token_within_600_seconds_is_kept():
    result = migrate(
        "from assemblyai import RealtimeTranscriber\ntoken = RealtimeTranscriber.create_temporary_token(60)\n"
    )
    assert ".create_temporary_token(expires_in_seconds=60)\n" in result.code
    assert result.notes == []


def test_temporary_token_with_a_computed_lifetime_gets_a_note():
    result = migrate(
        "import assemblyai as aai\ntoken = aai.RealtimeTranscriber.create_temporary_token(expires_in=ttl)\n"
    )
    assert ".create_temporary_token(expires_in_seconds=ttl)\n" in result.code
    assert "at most 600" in result.notes[0].message


def test_mulaw_audio_fed_as_bytes_gets_a_note_about_short_frames():
    result = migrate(
        "import assemblyai as aai\n"
        "t = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=8000, encoding=aai.AudioEncoding.pcm_mulaw)\n"
        "def on_media(payload):\n    t.stream(payload)\n"
    )
    assert note_codes(result) == [(4, "STT023")]
    assert "20 ms" in result.notes[0].message


# --- leaves alone -------------------------------------------------------------------------


def test_leaves_stream_alone():
    check_noop(V2_CLIENT + "t.stream(b'audio')\n", **SELECT)


def test_leaves_close_of_other_objects_alone():
    check_noop(V2_CLIENT + "microphone.close()\nfile = open('x')\nfile.close()\n", **SELECT)


def test_leaves_close_of_a_same_named_variable_in_a_file_without_transcribers_alone():
    check_noop("import assemblyai as aai\ntranscriber = aai.Transcriber()\ntranscriber.close()\n", **SELECT)


def test_leaves_close_of_a_subclass_instance_alone():
    check_noop(
        """\
        import assemblyai as aai
        class T(aai.RealtimeTranscriber):
            def __init__(self):
                super().__init__(on_data=print, on_error=print, sample_rate=8000)
        t = T()
        t.close()
        """,
        **SELECT,
    )


def test_leaves_v3_calls_alone():
    check_noop(
        """\
        from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions
        client = StreamingClient(StreamingClientOptions(api_key=KEY))
        client.force_endpoint()
        client.disconnect(terminate=True)
        """,
        **SELECT,
    )


def test_leaves_the_v3_token_call_alone():
    check_noop(
        """\
        from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions
        token = StreamingClient(StreamingClientOptions(api_key=KEY)).create_temporary_token(expires_in_seconds=60)
        """,
        **SELECT,
    )


def test_leaves_other_token_helpers_alone():
    check_noop("import assemblyai as aai\ntoken = auth.create_temporary_token(expires_in=3600)\n", **SELECT)


def test_leaves_close_of_a_transcriber_it_cannot_migrate_alone():
    check_noop("import assemblyai as aai\nt = aai.RealtimeTranscriber(**settings)\nt.close()\n", **SELECT)


def test_leaves_force_end_utterance_in_a_script_without_assemblyai_alone():
    check_noop("session.force_end_utterance()\n", **SELECT)


def test_leaves_a_16_khz_stream_without_a_note():
    result = migrate(V2_CLIENT + "t.stream(chunk)\n")
    assert result.notes == []


def test_leaves_a_threshold_call_with_extra_arguments_alone():
    check_noop(V2_CLIENT + "t.configure_end_utterance_silence_threshold(500, 1)\n", **SELECT)


def test_leaves_close_of_a_same_named_attribute_in_another_class_alone():
    check_noop(
        """\
        import assemblyai as aai
        class A:
            def start(self):
                self.t = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=1)
        class B:
            def stop(self):
                self.t.close()
        """,
        **SELECT,
    )
