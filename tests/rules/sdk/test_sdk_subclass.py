import types

from migrator import migrate_source
from tests.migration_checks import check_noop, note_codes

SELECT = {"select": ["STT025"]}
TWILIO = """\
import assemblyai as aai

class TwilioTranscriber(aai.RealtimeTranscriber):
    def __init__(self):
        super().__init__(
            on_data=on_data,
            on_error=on_error,
            sample_rate=8000,
            encoding=aai.AudioEncoding.pcm_mulaw
        )
"""


def migrate(source: str, **options):
    return migrate_source(source, **(options or SELECT))


def test_twilio_subclass_is_built_on_streaming_client():
    result = migrate(TWILIO)
    assert "class TwilioTranscriber(StreamingClient):\n" in result.code
    assert (
        "        super().__init__(\n"
        '            StreamingClientOptions(api_key=aai.settings.api_key, api_host="streaming.assemblyai.com")\n'
        "        )\n"
        "        self.on(StreamingEvents.Turn, on_data)\n"
        "        self.on(StreamingEvents.Error, on_error)\n"
    ) in result.code
    assert "sample_rate=8000, encoding=Encoding.pcm_mulaw, format_turns=True" in result.code


def test_the_subclass_still_offers_connect_stream_and_close():
    result = migrate(TWILIO)
    assert "    def connect(self):\n" in result.code
    assert "    def stream(self, data):\n" in result.code
    assert "    def close(self):\n" in result.code
    assert "        self.disconnect(terminate=True)\n" in result.code


def _instance(code: str):
    """The migrated class on a fake StreamingClient that records what it is asked to do."""
    calls = []

    class FakeStreamingClient:
        def __init__(self, options):
            calls.append(("options", options))

        def on(self, event, handler):
            calls.append(("on", event))

        def connect(self, parameters):
            calls.append(("connect", parameters))

        def stream(self, data):
            calls.append(("stream", data if not isinstance(data, bytes) else len(data)))

        def disconnect(self, terminate=False):
            calls.append(("disconnect", terminate))

    def parameters(**settings):
        return types.SimpleNamespace(**settings)

    namespace = {
        "aai": types.SimpleNamespace(settings=types.SimpleNamespace(api_key="k")),
        "StreamingClient": FakeStreamingClient,
        "StreamingClientOptions": lambda **options: options,
        "StreamingParameters": parameters,
        "StreamingEvents": types.SimpleNamespace(Turn="Turn", Error="Error", Begin="Begin", Termination="Termination"),
        "Encoding": types.SimpleNamespace(pcm_mulaw="pcm_mulaw", pcm_s16le="pcm_s16le"),
        "on_data": print,
        "on_error": print,
    }
    body = code.split("\n", 1)[1]
    body = body[body.index("\nclass ") :]
    exec(compile(body, "<migrated>", "exec"), namespace)
    return namespace["TwilioTranscriber"](), calls


def test_twenty_ms_frames_go_out_as_100_ms_messages():
    transcriber, calls = _instance(migrate(TWILIO).code)
    transcriber.connect()
    for _ in range(12):
        transcriber.stream(b"\xff" * 160)  # 20 ms of 8 kHz mu-law
    transcriber.close()
    assert [call for call in calls if call[0] == "stream"] == [("stream", 800), ("stream", 800)]
    assert calls[-1] == ("disconnect", True)
    assert calls[3][0] == "connect" and calls[3][1].sample_rate == 8000


def test_a_long_enough_remainder_is_sent_at_close():
    transcriber, calls = _instance(migrate(TWILIO).code)
    for _ in range(8):
        transcriber.stream(b"\xff" * 160)
    transcriber.close()
    assert [call for call in calls if call[0] == "stream"] == [("stream", 800), ("stream", 480)]


def test_iterables_pass_straight_through():
    transcriber, calls = _instance(migrate(TWILIO).code)
    chunks = iter([b"a", b"b"])
    transcriber.stream(chunks)
    assert ("stream", chunks) in calls


def test_pcm16_buffers_by_bytes_of_16_bit_samples():
    result = migrate(TWILIO.replace("            encoding=aai.AudioEncoding.pcm_mulaw\n", ""))
    assert "if len(self._audio_buffer) >= self._session_parameters.sample_rate // 5:" in result.code


def test_bound_method_callbacks_of_the_subclass_are_adapted():
    result = migrate(
        "import assemblyai as aai\n"
        "class Service(aai.RealtimeTranscriber):\n"
        "    def __init__(self, rate):\n"
        "        super().__init__(on_data=self.on_data, on_error=self.on_error, sample_rate=rate)\n"
        "    def on_data(self, transcript):\n        print(transcript.text)\n"
        "    def on_error(self, error):\n        print(error)\n",
        select=["STT022", "STT025"],
    )
    assert "        self.on(StreamingEvents.Turn, self.on_data)\n" in result.code
    assert "    def on_data(self, client, transcript):\n        print(transcript.transcript)\n" in result.code
    assert "sample_rate=rate, format_turns=True" in result.code


def test_other_statements_of_init_are_kept():
    result = migrate(
        "import assemblyai as aai\n"
        "class T(aai.RealtimeTranscriber):\n"
        "    def __init__(self, ws):\n"
        "        self.ws = ws\n"
        "        super().__init__(on_data=print, on_error=print, sample_rate=16_000)\n"
        "        self.count = 0\n"
    )
    assert "        self.ws = ws\n        super().__init__(\n" in result.code
    assert "        self._audio_buffer = bytearray()\n        self.count = 0\n" in result.code


def test_settings_notes_land_on_the_super_call():
    result = migrate(
        "import assemblyai as aai\n"
        "class T(aai.RealtimeTranscriber):\n"
        "    def __init__(self):\n"
        "        super().__init__(on_data=print, on_error=print, sample_rate=16_000, word_boost=['x'])\n"
    )
    assert note_codes(result) == [(5, "STT025")]
    assert "keyterms_prompt=['x']" in result.code


# --- leaves alone (with a note where the shape is not the known one) -----------------------


def test_leaves_a_subclass_without_super_init_alone_with_a_note():
    result = migrate("import assemblyai as aai\nclass T(aai.RealtimeTranscriber):\n    pass\n")
    assert "class T(aai.RealtimeTranscriber):\n    pass\n" in result.code
    assert note_codes(result) == [(2, "STT025")]


def test_leaves_a_subclass_with_its_own_close_alone_with_a_note():
    result = migrate(
        "import assemblyai as aai\n"
        "class T(aai.RealtimeTranscriber):\n"
        "    def __init__(self):\n        super().__init__(on_data=print, on_error=print, sample_rate=16_000)\n"
        "    def close(self):\n        super().close()\n"
    )
    assert "class T(aai.RealtimeTranscriber):" in result.code
    assert "its own close" in result.notes[0].message


def test_leaves_a_super_call_with_double_star_alone_with_a_note():
    result = migrate(
        "import assemblyai as aai\n"
        "class T(aai.RealtimeTranscriber):\n    def __init__(self, **kw):\n        super().__init__(**kw)\n"
    )
    assert "super().__init__(**kw)" in result.code
    assert note_codes(result) == [(2, "STT025")]


def test_leaves_a_super_call_without_sample_rate_alone_with_a_note():
    result = migrate(
        "import assemblyai as aai\n"
        "class T(aai.RealtimeTranscriber):\n    def __init__(self):\n        super().__init__(on_data=print, on_error=print)\n"
    )
    assert "super().__init__(on_data=print, on_error=print)" in result.code
    assert "sample_rate" in result.notes[0].message


def test_leaves_subclasses_of_other_classes_alone():
    check_noop(
        """\
        import assemblyai as aai
        class T(aai.Transcriber):
            def __init__(self):
                super().__init__(config=None)
        class U(Base):
            def __init__(self):
                super().__init__(on_data=print, sample_rate=8000)
        """,
        **SELECT,
    )


def test_leaves_a_v3_subclass_alone():
    check_noop(
        """\
        from assemblyai.streaming.v3 import StreamingClient
        class T(StreamingClient):
            def close(self):
                self.disconnect(terminate=True)
        """,
        **SELECT,
    )


def test_leaves_a_same_named_base_of_another_package_alone():
    check_noop(
        """\
        from mylib import RealtimeTranscriber
        class T(RealtimeTranscriber):
            def __init__(self):
                super().__init__(on_data=print, sample_rate=8000)
        """,
        **SELECT,
    )


def test_leaves_the_migrated_class_alone_on_a_second_run():
    result = migrate(TWILIO, select=["STT020", "STT025"])
    check_noop(result.code, select=["STT020", "STT025"])


def test_leaves_a_subclass_with_its_own_connect_alone_with_a_note():
    result = migrate(
        "import assemblyai as aai\n"
        "class T(aai.RealtimeTranscriber):\n"
        "    def __init__(self):\n        super().__init__(on_data=print, on_error=print, sample_rate=16_000)\n"
        "    def connect(self):\n        super().connect(timeout=5)\n"
    )
    assert "super().connect(timeout=5)" in result.code
    assert "its own connect" in result.notes[0].message


def test_leaves_a_class_that_only_uses_a_transcriber_alone():
    check_noop(
        """\
        import assemblyai as aai
        class Session:
            def __init__(self):
                super().__init__()
                self.kind = aai.RealtimeTranscriber
        """,
        **SELECT,
    )
