from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

VERSION_NOTE = (
    "# migrate-stt(STT020, info): the migrated code needs assemblyai>=0.64.16 (StreamingClient, force_endpoint, "
    "and a disconnect(terminate=True) that waits for the last turn)"
)
SELECT = {"select": ["STT020"]}


def test_isinstance_guard_on_the_transcriber_class_becomes_streaming_client():
    check_transformed(
        """\
        import assemblyai as aai
        def stop(transcriber):
            if isinstance(transcriber, aai.RealtimeTranscriber):
                transcriber.close()
        """,
        f"""\
        {VERSION_NOTE}
        from assemblyai.streaming.v3 import StreamingClient
        def stop(transcriber):
            if isinstance(transcriber, StreamingClient):
                transcriber.close()
        """,
        **SELECT,
    )


def test_event_annotations_become_v3_event_types():
    check_transformed(
        """\
        import assemblyai as aai
        def on_open(session_opened: aai.RealtimeSessionOpened): ...
        def on_data(transcript: aai.RealtimeTranscript): ...
        def on_error(error: aai.RealtimeError): ...
        def on_info(info: aai.RealtimeSessionInformation): ...
        """,
        f"""\
        {VERSION_NOTE}
        from assemblyai.streaming.v3 import BeginEvent, StreamingError, TerminationEvent, TurnEvent
        def on_open(session_opened: BeginEvent): ...
        def on_data(transcript: TurnEvent): ...
        def on_error(error: StreamingError): ...
        def on_info(info: TerminationEvent): ...
        """,
        **SELECT,
    )


def test_partial_and_final_types_are_both_turn_events():
    result = migrate_source(
        "import assemblyai as aai\nPARTIAL, FINAL = aai.RealtimePartialTranscript, aai.RealtimeFinalTranscript\n",
        **SELECT,
    )
    assert result.code.endswith(
        "from assemblyai.streaming.v3 import TurnEvent\nPARTIAL, FINAL = TurnEvent, TurnEvent\n"
    )


def test_names_imported_from_assemblyai_are_renamed_and_reimported():
    check_transformed(
        """\
        from assemblyai import RealtimeTranscriber, RealtimeTranscript
        def on_data(transcript: RealtimeTranscript): ...
        CLIENT_TYPE = RealtimeTranscriber
        """,
        f"""\
        {VERSION_NOTE}
        from assemblyai.streaming.v3 import StreamingClient, TurnEvent
        def on_data(transcript: TurnEvent): ...
        CLIENT_TYPE = StreamingClient
        """,
        **SELECT,
    )


def test_names_imported_from_assemblyai_types_are_renamed():
    result = check_transformed(
        """\
        from assemblyai.types import AudioEncoding, RealtimeWord
        ENCODING = AudioEncoding.pcm_mulaw
        WORD = RealtimeWord
        """,
        f"""\
        {VERSION_NOTE}
        from assemblyai.streaming.v3 import Encoding, Word
        ENCODING = Encoding.pcm_mulaw
        WORD = Word
        """,
        **SELECT,
    )
    assert result.rules_applied == ["STT020"]


def test_a_v2_name_imported_under_another_name_is_renamed():
    result = migrate_source(
        "from assemblyai import RealtimeTranscript as Transcript\ndef f(t: Transcript): ...\n", **SELECT
    )
    assert result.code.endswith("from assemblyai.streaming.v3 import TurnEvent\ndef f(t: TurnEvent): ...\n")


def test_other_names_in_the_same_import_are_kept():
    result = migrate_source(
        "from assemblyai import Transcriber, RealtimeError\nERRORS = (RealtimeError,)\nT = Transcriber\n", **SELECT
    )
    assert "from assemblyai import Transcriber\nfrom assemblyai.streaming.v3 import StreamingError\n" in result.code
    assert "ERRORS = (StreamingError,)\n" in result.code


def test_module_alias_stays_while_the_script_still_uses_it():
    result = migrate_source(
        'import assemblyai as aai\naai.settings.api_key = "k"\nT = aai.RealtimeTranscript\n', **SELECT
    )
    assert result.code.endswith(
        'import assemblyai as aai\nfrom assemblyai.streaming.v3 import TurnEvent\naai.settings.api_key = "k"\nT = TurnEvent\n'
    )


def test_unaliased_import_of_assemblyai_is_understood():
    result = migrate_source("import assemblyai\nT = assemblyai.RealtimeTranscript\n", **SELECT)
    assert result.code.endswith("from assemblyai.streaming.v3 import TurnEvent\nT = TurnEvent\n")


def test_names_under_aai_types_are_renamed():
    result = migrate_source("import assemblyai as aai\nW = aai.types.RealtimeWord\n", **SELECT)
    assert result.code.endswith("from assemblyai.streaming.v3 import Word\nW = Word\n")


def test_string_annotations_are_renamed():
    result = migrate_source(
        'import assemblyai as aai\nfrom typing import Optional\nT: "Optional[aai.RealtimeTranscriber]" = None\n',
        **SELECT,
    )
    assert 'T: "Optional[StreamingClient]" = None' in result.code
    assert "from assemblyai.streaming.v3 import StreamingClient\n" in result.code


def test_names_only_string_annotations_use_stay_under_type_checking():
    check_transformed(
        """\
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from assemblyai import RealtimeTranscript


        def on_data(transcript: "RealtimeTranscript") -> None:
            print(transcript)
        """,
        f"""\
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            {VERSION_NOTE}
            from assemblyai.streaming.v3 import TurnEvent


        def on_data(transcript: "TurnEvent") -> None:
            print(transcript)
        """,
        **SELECT,
    )


def test_v2_names_imported_inside_a_function_are_imported_at_the_top():
    check_transformed(
        """\
        import assemblyai as aai
        def on_data(transcript):
            from assemblyai import RealtimeError
            return isinstance(transcript, RealtimeError)
        """,
        f"""\
        {VERSION_NOTE}
        from assemblyai.streaming.v3 import StreamingError
        def on_data(transcript):
            return isinstance(transcript, StreamingError)
        """,
        **SELECT,
    )


def test_existing_v3_import_is_extended_not_repeated():
    result = migrate_source(
        "import assemblyai as aai\nfrom assemblyai.streaming.v3 import StreamingClient\n"
        "C = StreamingClient\ndef f(t: aai.RealtimeTranscript): ...\n",
        **SELECT,
    )
    assert result.code.count("from assemblyai.streaming.v3 import") == 1
    assert "from assemblyai.streaming.v3 import StreamingClient, TurnEvent\n" in result.code


def test_error_mapping_and_message_types_get_notes():
    result = migrate_source(
        "import assemblyai as aai\nA = aai.RealtimeErrorMapping\nB = aai.RealtimeMessageTypes\n", **SELECT
    )
    assert note_codes(result) == [(1, "STT020"), (3, "STT020"), (5, "STT020")]
    assert "A = StreamingErrorCodes\n" in result.code and "B = StreamingEvents\n" in result.code


def test_the_version_note_is_reported():
    result = migrate_source("import assemblyai as aai\nT = aai.RealtimeTranscript\n", **SELECT)
    assert [note.message for note in result.notes] == [VERSION_NOTE.split(": ", 1)[1]]


def test_streaming_names_are_emitted_never_the_1x_realtime_names():
    result = migrate_source("import assemblyai as aai\nT = aai.RealtimeTranscriber\n", **SELECT)
    assert "StreamingClient" in result.code and "RealTime" not in result.code


# --- leaves alone -------------------------------------------------------------------------


def test_leaves_an_already_v3_script_alone():
    check_noop(
        """\
        from assemblyai.streaming.v3 import StreamingClient, TurnEvent
        def on_turn(client: StreamingClient, event: TurnEvent):
            print(event.transcript)
        """,
        **SELECT,
    )


def test_leaves_the_1x_realtime_names_alone():
    check_noop(
        """\
        from assemblyai.streaming.v3 import RealTimeTranscriber, RealTimeEvents
        client = RealTimeTranscriber(api_key="k")
        """,
        **SELECT,
    )


def test_leaves_a_class_of_the_same_name_from_another_package_alone():
    check_noop(
        """\
        from mylib import RealtimeTranscriber
        t = RealtimeTranscriber()
        """,
        **SELECT,
    )


def test_leaves_attributes_of_other_modules_alone():
    check_noop(
        """\
        import assemblyai as aai
        import mylib
        T = mylib.RealtimeTranscript
        transcriber = aai.Transcriber()
        """,
        **SELECT,
    )


def test_leaves_async_transcription_code_alone():
    check_noop(
        """\
        import assemblyai as aai
        aai.settings.api_key = "k"
        transcript = aai.Transcriber().transcribe("audio.mp3")
        print(transcript.text)
        """,
        **SELECT,
    )


def test_leaves_strings_that_are_not_annotations_alone():
    check_noop(
        """\
        import assemblyai as aai
        print("aai.RealtimeTranscriber is gone")
        """,
        **SELECT,
    )


def test_leaves_comments_and_docstrings_alone():
    check_noop(
        '''\
        """Uses aai.RealtimeTranscriber."""
        import assemblyai as aai  # RealtimeTranscript
        ''',
        **SELECT,
    )


def test_leaves_a_local_name_that_shadows_nothing_alone():
    check_noop(
        """\
        import assemblyai as aai
        def RealtimeTranscript():
            return aai.Transcriber()
        """,
        **SELECT,
    )


def test_leaves_keyword_names_alone():
    check_noop(
        """\
        from mylib import build
        build(RealtimeTranscriber=1)
        """,
        **SELECT,
    )


def test_leaves_a_script_without_assemblyai_alone():
    check_noop("RealtimeTranscript = dict\nx = RealtimeTranscript()\n", **SELECT)


def test_leaves_f_strings_alone():
    check_noop('import assemblyai as aai\nname = "x"\nprint(f"{name}: aai.RealtimeTranscriber")\n', **SELECT)


def test_leaves_attributes_of_self_with_v2_names_alone():
    check_noop(
        """\
        import assemblyai as aai
        class Holder:
            def __init__(self):
                self.RealtimeTranscript = None
                print(self.RealtimeTranscript)
        """,
        **SELECT,
    )


def test_leaves_a_star_import_alone():
    check_noop("from assemblyai import *\nT = RealtimeTranscript\n", **SELECT)


def test_leaves_string_annotations_naming_nothing_imported_alone():
    check_noop('import assemblyai as aai\ndef f(t: "RealtimeTranscript"): ...\n', **SELECT)


def test_leaves_strings_passed_to_cast_alone():
    check_noop('import assemblyai as aai\nfrom typing import cast\nt = cast("aai.RealtimeTranscript", x)\n', **SELECT)


def test_leaves_v3_module_attributes_alone():
    check_noop("import assemblyai as aai\nClient = aai.streaming.v3.StreamingClient\n", **SELECT)


def test_leaves_types_of_another_package_alone():
    check_noop("import assemblyai as aai\nimport mylib\nW = mylib.types.RealtimeWord\n", **SELECT)


def test_leaves_non_streaming_imports_from_assemblyai_alone():
    check_noop(
        "from assemblyai import Transcriber, TranscriptionConfig\nconfig = TranscriptionConfig(speaker_labels=True)\n",
        **SELECT,
    )


def test_leaves_a_constructor_the_client_rule_cannot_migrate_visibly_v2():
    result = migrate_source("import assemblyai as aai\nt = aai.RealtimeTranscriber(**settings)\n")
    assert "t = aai.RealtimeTranscriber(**settings)\n" in result.code
    assert "not migrated" in result.notes[-1].message


def test_leaves_constructors_to_the_client_rule():
    check_noop(
        "from assemblyai import RealtimeTranscriber\nt = RealtimeTranscriber(on_data=print, on_error=print, sample_rate=16_000)\n",
        **SELECT,
    )


def test_leaves_the_base_of_a_subclass_to_the_subclass_rule():
    check_noop("import assemblyai as aai\nclass T(aai.RealtimeTranscriber):\n    pass\n", **SELECT)


def test_a_local_of_the_same_name_is_not_the_v2_name():
    check_transformed(
        """\
        from assemblyai import RealtimeTranscript
        def show(t: RealtimeTranscript):
            print(t)
        def other():
            RealtimeTranscript = dict
            return RealtimeTranscript(text="x")
        """,
        f"""\
        {VERSION_NOTE}
        from assemblyai.streaming.v3 import TurnEvent
        def show(t: TurnEvent):
            print(t)
        def other():
            RealtimeTranscript = dict
            return RealtimeTranscript(text="x")
        """,
        **SELECT,
    )
