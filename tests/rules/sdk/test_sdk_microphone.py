import re
import types

from migrator import migrate_source
from tests.migration_checks import check_noop, note_codes

SELECT = {"select": ["STT024"]}


def migrate(source: str):
    return migrate_source(source, **SELECT)


def test_microphone_stream_becomes_a_generator_in_the_script():
    result = migrate(
        "import assemblyai as aai\naai.settings.api_key = KEY\nmic = aai.extras.MicrophoneStream(sample_rate=16_000)\n"
    )
    assert result.code.endswith("mic = microphone_chunks(sample_rate=16_000)\n")
    assert "\n\ndef microphone_chunks(sample_rate=16_000):\n" in result.code
    assert "import pyaudio\n" in result.code
    assert result.notes == []


def test_the_generator_yields_50_ms_chunks_and_ends_quietly_on_ctrl_c():
    result = migrate("import assemblyai as aai\nmic = aai.extras.MicrophoneStream(sample_rate=16_000)\n")
    generator = result.code.split("import pyaudio\n")[1].split("\nmic = ")[0]

    class FakeStream:
        reads = []

        def read(self, frames, exception_on_overflow=True):
            self.reads.append(frames)
            if len(self.reads) == 3:
                raise KeyboardInterrupt
            return b"\0" * frames * 2

        def stop_stream(self):
            pass

        def close(self):
            self.closed = True

    class FakePyAudio:
        def open(self, **options):
            self.options = options
            return FakeStream()

        def terminate(self):
            pass

    namespace = {"pyaudio": types.SimpleNamespace(PyAudio=FakePyAudio, paInt16=8)}
    exec(compile(generator, "<generated>", "exec"), namespace)
    chunks = list(namespace["microphone_chunks"](sample_rate=16_000))
    assert [len(chunk) for chunk in chunks] == [1600, 1600]
    assert FakeStream.reads == [800, 800, 800]


def test_the_generator_is_defined_right_after_the_imports():
    result = migrate(
        "import assemblyai as aai\n\nRATE = 16_000\n\n\ndef main():\n    mic = aai.extras.MicrophoneStream(sample_rate=RATE)\n"
    )
    assert re.search(
        r"import pyaudio\n\n\ndef microphone_chunks\(.*\n(.*\n)+?        audio.terminate\(\)\n\n\nRATE = 16_000\n",
        result.code,
    )


def test_imported_microphone_stream_is_replaced_and_its_import_dropped():
    result = migrate("from assemblyai.extras import MicrophoneStream\nmic = MicrophoneStream(sample_rate=16_000)\n")
    assert "MicrophoneStream" not in result.code.split('"""')[0] + result.code.split('"""')[-1]
    assert result.code.endswith("mic = microphone_chunks(sample_rate=16_000)\n")


def test_microphone_stream_imported_inside_a_function_loses_its_import():
    result = migrate(
        "import assemblyai as aai\n"
        "def main():\n    from assemblyai.extras import MicrophoneStream\n    return MicrophoneStream(16_000)\n"
    )
    assert "def main():\n    return microphone_chunks(16_000)\n" in result.code


def test_the_v2_default_rate_is_kept_explicitly_with_a_note():
    result = migrate("import assemblyai as aai\nmic = aai.extras.MicrophoneStream()\n")
    assert result.code.endswith("mic = microphone_chunks(sample_rate=44_100)\n")
    assert note_codes(result) == [(25, "STT024")]
    assert "16 kHz" in result.notes[0].message


def test_a_rate_other_than_16_khz_gets_a_note():
    result = migrate("import assemblyai as aai\nmic = aai.extras.MicrophoneStream(sample_rate=44_100)\n")
    assert result.code.endswith("mic = microphone_chunks(sample_rate=44_100)\n")
    assert note_codes(result) == [(25, "STT024")]


def test_a_device_index_reaches_pyaudio():
    result = migrate(
        "import assemblyai as aai\nmic = aai.extras.MicrophoneStream(sample_rate=16_000, device_index=2)\n"
    )
    assert "def microphone_chunks(sample_rate=16_000, device_index=None):\n" in result.code
    assert "frames_per_buffer=frames, input_device_index=device_index\n" in result.code
    assert result.code.endswith("mic = microphone_chunks(sample_rate=16_000, device_index=2)\n")


def test_the_generator_name_avoids_names_the_script_uses():
    result = migrate(
        "import assemblyai as aai\nmicrophone_chunks = []\nmic = aai.extras.MicrophoneStream(sample_rate=16_000)\n"
    )
    assert "def pyaudio_microphone_chunks(" in result.code


def test_stream_file_gets_a_note():
    result = migrate(
        "import assemblyai as aai\nchunks = aai.extras.stream_file(filepath='a.wav', sample_rate=16_000)\n"
    )
    assert note_codes(result) == [(2, "STT024")]
    assert "stream_file" in result.code


def test_an_existing_pyaudio_import_is_not_repeated():
    result = migrate(
        "import pyaudio\nimport assemblyai as aai\nmic = aai.extras.MicrophoneStream(sample_rate=16_000)\n"
    )
    assert result.code.count("import pyaudio") == 1


# --- leaves alone -------------------------------------------------------------------------


def test_leaves_a_script_without_the_microphone_alone():
    check_noop("import assemblyai as aai\ntranscriber.stream(chunks)\n", **SELECT)


def test_leaves_a_microphone_stream_of_another_package_alone():
    check_noop("from mic import MicrophoneStream\nmic = MicrophoneStream(sample_rate=16_000)\n", **SELECT)


def test_leaves_a_pyaudio_capture_alone():
    check_noop(
        """\
        import pyaudio
        import assemblyai as aai
        stream = pyaudio.PyAudio().open(format=pyaudio.paInt16, channels=1, rate=16000, input=True, frames_per_buffer=800)
        """,
        **SELECT,
    )


def test_leaves_the_name_in_comments_and_strings_alone():
    check_noop(
        'import assemblyai as aai\n# aai.extras.MicrophoneStream(sample_rate=16_000)\nprint("MicrophoneStream")\n',
        **SELECT,
    )


def test_leaves_an_already_migrated_generator_alone():
    result = migrate("import assemblyai as aai\nmic = aai.extras.MicrophoneStream(sample_rate=16_000)\n")
    check_noop(result.code, **SELECT)


def test_leaves_the_name_in_a_docstring_alone():
    check_noop('"""Reads aai.extras.MicrophoneStream(sample_rate=16_000)."""\nimport assemblyai as aai\n', **SELECT)


def test_leaves_a_call_with_star_arguments_alone():
    check_noop("import assemblyai as aai\nmic = aai.extras.MicrophoneStream(*settings)\n", **SELECT)


def test_leaves_stream_file_of_another_package_alone():
    check_noop("import assemblyai as aai\nfrom audio import stream_file\nchunks = stream_file('a.wav')\n", **SELECT)


def test_leaves_a_local_function_named_microphone_stream_alone():
    check_noop(
        "import assemblyai as aai\ndef MicrophoneStream(rate):\n    return []\nmic = MicrophoneStream(16_000)\n",
        **SELECT,
    )


def test_leaves_other_extras_references_without_a_rewrite():
    check_noop("import assemblyai as aai\nhelpers = aai.extras\n", **SELECT)


def test_leaves_an_async_transcription_script_alone():
    check_noop("import assemblyai as aai\ntranscript = aai.Transcriber().transcribe('a.mp3')\n", **SELECT)
