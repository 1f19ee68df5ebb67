import re

import pytest

from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

SELECT = {"select": ["STT022"]}
#: With the constructor migrated too, the session asks for format_turns=True.
WITH_CLIENT = {"select": ["STT021", "STT022"]}


def migrate(source: str, **options):
    return migrate_source(source, **(options or SELECT))


def body_of(result, name: str) -> str:
    """The ``def name`` block of the migrated code."""
    code = result.code
    start = code.index(f"def {name}(")
    end = re.search(r"\n(?=\S)", code[start:])
    return code[start : start + end.start() + 1] if end else code[start:]


def test_module_function_gets_a_client_parameter():
    check_transformed(
        """\
        import assemblyai as aai
        def on_data(transcript):
            print(transcript.text)
        t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)
        """,
        """\
        import assemblyai as aai
        def on_data(client, transcript):
            print(transcript.transcript)
        t = aai.RealtimeTranscriber(on_data=on_data, on_error=lambda client, event: print(event), sample_rate=16_000)
        """,
        **SELECT,
    )


def test_bound_method_gets_the_client_after_self():
    result = migrate(
        "import assemblyai as aai\n"
        "class Captions:\n"
        "    def on_data(self, transcript: aai.RealtimeTranscript):\n"
        "        print(transcript.text)\n"
        "    def start(self):\n"
        "        self.t = aai.RealtimeTranscriber(on_data=self.on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert (
        "    def on_data(self, client, transcript: aai.RealtimeTranscript):\n        print(transcript.transcript)\n"
        in result.code
    )


def test_closure_gets_a_client_parameter():
    result = migrate(
        "import assemblyai as aai\n"
        "async def run(ws):\n"
        "    def on_data(transcript):\n"
        "        ws.send(transcript.text)\n"
        "    t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "    def on_data(client, transcript):\n        ws.send(transcript.transcript)\n" in result.code


def test_lambda_gets_a_client_parameter():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=lambda t: print(t.text), on_error=print, sample_rate=16_000)\n"
    )
    assert "on_data=lambda client, t: print(t.transcript)" in result.code


def test_on_close_gets_client_and_event_parameters():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_close():\n    print('closed')\n"
        "t = aai.RealtimeTranscriber(on_data=print, on_error=print, on_close=on_close, sample_rate=16_000)\n"
        "u = aai.RealtimeTranscriber(on_data=print, on_error=print, on_close=lambda: print('bye'), sample_rate=16_000)\n"
    )
    assert "def on_close(client, event):\n" in result.code
    assert "on_close=lambda client, event: print('bye')" in result.code


def test_session_id_becomes_id_in_the_open_callback():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_open(session_opened):\n    print(session_opened.session_id)\n"
        "t = aai.RealtimeTranscriber(on_data=print, on_error=print, on_open=on_open, sample_rate=16_000)\n"
    )
    assert "def on_open(client, session_opened):\n    print(session_opened.id)\n" in result.code


def test_final_check_becomes_end_of_turn_of_the_formatted_turn():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n"
        "    if isinstance(transcript, aai.RealtimeFinalTranscript):\n"
        "        print(transcript.text)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
        "t.connect()\n",
        **WITH_CLIENT,
    )
    assert (
        "    if transcript.end_of_turn and transcript.turn_is_formatted:\n        print(transcript.transcript)\n"
        in result.code
    )


def test_partial_check_becomes_the_negated_final_check():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n"
        "    if isinstance(transcript, aai.RealtimePartialTranscript):\n"
        "        return\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\nt.connect()\n",
        **WITH_CLIENT,
    )
    assert "    if not (transcript.end_of_turn and transcript.turn_is_formatted):\n        return\n" in result.code


def test_negated_final_check_keeps_its_meaning():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(t):\n"
        "    if not isinstance(t, aai.RealtimeFinalTranscript) or done:\n"
        "        return\n"
        "x = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\nx.connect()\n",
        **WITH_CLIENT,
    )
    assert "    if not (t.end_of_turn and t.turn_is_formatted) or done:\n" in result.code


def test_final_check_without_known_format_turns_tests_end_of_turn_with_a_note():
    result = migrate(
        "import assemblyai as aai\ndef is_final(t):\n    return isinstance(t, aai.RealtimeFinalTranscript)\n"
    )
    assert "    return t.end_of_turn\n" in result.code
    assert note_codes(result) == [(3, "STT022")]


def test_final_check_follows_format_turns_of_a_v3_connect():
    result = migrate(
        "import assemblyai as aai\n"
        "from assemblyai.streaming.v3 import StreamingParameters\n"
        "client.connect(StreamingParameters(sample_rate=16000, format_turns=False))\n"
        "def is_final(t):\n    return isinstance(t, aai.RealtimeFinalTranscript)\n"
    )
    assert "    return t.end_of_turn\n" in result.code
    assert result.notes == []


def test_event_handed_to_a_helper_is_renamed_there_too():
    result = migrate(
        "import assemblyai as aai\n"
        "class Agent:\n"
        "    def on_data(self, transcript):\n"
        "        self.reply(transcript)\n"
        "    def reply(self, transcript):\n"
        "        print(transcript.text)\n"
        "    def start(self):\n"
        "        self.t = aai.RealtimeTranscriber(on_data=self.on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "    def reply(self, transcript):\n        print(transcript.transcript)\n" in result.code


def test_partial_with_positional_arguments_gets_the_client_before_the_event():
    result = migrate(
        "import assemblyai as aai\nfrom functools import partial\n"
        "def on_data(ws, transcript, loop=None):\n    ws.send(transcript.text)\n"
        "t = aai.RealtimeTranscriber(on_data=partial(on_data, ws, loop=loop), on_error=print, sample_rate=16_000)\n"
    )
    assert "def on_data(ws, client, transcript, loop=None):\n    ws.send(transcript.transcript)\n" in result.code
    assert "on_data=partial(on_data, ws, loop=loop)" in result.code


def test_partial_with_keyword_arguments_gets_the_client_first():
    result = migrate(
        "import assemblyai as aai\nimport functools\n"
        "def on_data(transcript, websocket):\n    websocket.send(transcript.text)\n"
        "t = aai.RealtimeTranscriber(on_data=functools.partial(on_data, websocket=ws), on_error=print, sample_rate=16_000)\n"
    )
    assert "def on_data(client, transcript, websocket):\n" in result.code


def test_partial_of_a_bound_method():
    result = migrate(
        "import assemblyai as aai\nfrom functools import partial\n"
        "class Relay:\n"
        "    def on_data(self, transcript, websocket):\n        websocket.send(transcript.text)\n"
        "    def start(self, ws):\n"
        "        self.t = aai.RealtimeTranscriber(on_data=partial(self.on_data, websocket=ws), on_error=print, sample_rate=16_000)\n"
    )
    assert "    def on_data(self, client, transcript, websocket):\n" in result.code


def test_callback_the_script_also_calls_is_wrapped_in_an_adapter():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    print(transcript.text)\n"
        "on_data(FAKE)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "def on_data(transcript):\n    print(transcript.transcript)\n" in result.code
    assert "on_data=lambda client, event: on_data(event)" in result.code


def test_callback_defined_elsewhere_is_wrapped_with_a_note():
    result = migrate(
        "import assemblyai as aai\nfrom handlers import show\nt = aai.RealtimeTranscriber(on_data=show, on_error=print, sample_rate=16_000)\n"
    )
    assert "on_data=lambda client, event: show(event)" in result.code
    assert "show cannot be followed to a function here: it now receives a v3 TurnEvent" in result.notes[0].message


def test_adapter_avoids_names_the_callback_uses():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=client.handle, on_error=print, sample_rate=16_000)\n"
    )
    assert "on_data=lambda _client, event: client.handle(event)" in result.code


def test_client_parameter_avoids_names_the_callback_uses():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    client.send(transcript.text)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "def on_data(streaming_client, transcript):\n" in result.code


def test_disabled_partials_are_skipped_in_the_turn_handler():
    result = migrate(
        "import assemblyai as aai\n"
        'def on_data(transcript):\n    """Finals only."""\n    print(transcript.text)\n'
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000, disable_partial_transcripts=True)\nt.connect()\n",
        **WITH_CLIENT,
    )
    assert body_of(result, "on_data") == (
        'def on_data(client, transcript):\n    """Finals only."""\n'
        "    if not (transcript.end_of_turn and transcript.turn_is_formatted):\n"
        "        return  # v3 has no disable_partial_transcripts\n"
        "    print(transcript.transcript)\n"
    )


def test_disabled_partials_are_skipped_in_a_lambda_and_an_adapter():
    result = migrate(
        "import assemblyai as aai\n"
        "a = aai.RealtimeTranscriber(on_data=lambda t: print(t.text), on_error=print, sample_rate=1, disable_partial_transcripts=True)\n"
        "b = aai.RealtimeTranscriber(on_data=show, on_error=print, sample_rate=1, disable_partial_transcripts=True)\n",
        **WITH_CLIENT,
    )
    assert (
        "a.on(StreamingEvents.Turn, lambda client, t: print(t.transcript) if t.end_of_turn and t.turn_is_formatted else None)"
        in result.code
    )
    assert (
        "b.on(StreamingEvents.Turn, lambda client, event: show(event) if event.end_of_turn and event.turn_is_formatted else None)"
        in result.code
    )


def test_message_level_confidence_and_timing_get_notes():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(t):\n"
        "    print(t.confidence)\n"
        "    print(t.audio_start, t.audio_end)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert note_codes(result) == [(3, "STT022"), (5, "STT022"), (6, "STT022")]
    assert "    print(t.confidence)\n" in result.code


def test_punctuated_becomes_turn_is_formatted():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(t):\n    print(t.punctuated, t.text_formatted)\n"
        "x = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "    print(t.turn_is_formatted, t.turn_is_formatted)\n" in result.code


def test_annotated_event_parameters_are_renamed_outside_callbacks_too():
    result = migrate("import assemblyai as aai\ndef show(t: aai.RealtimeTranscript):\n    print(t.text)\n")
    assert "def show(t: aai.RealtimeTranscript):\n    print(t.transcript)\n" in result.code


def test_a_v2_callback_registered_with_client_on_gets_the_client():
    result = migrate(
        "from assemblyai.streaming.v3 import StreamingEvents\n"
        "def on_turn(transcript):\n    print(transcript.text)\n"
        "def on_terminated():\n    print('done')\n"
        "client.on(StreamingEvents.Turn, on_turn)\n"
        "client.on(StreamingEvents.Termination, on_terminated)\n"
    )
    assert "def on_turn(client, transcript):\n    print(transcript.transcript)\n" in result.code
    assert "def on_terminated(client, event):\n" in result.code


def test_handler_taking_star_args_gets_a_note():
    result = migrate(
        "import assemblyai as aai\ndef on_data(*args):\n    print(args)\nt = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=1)\n"
    )
    assert "def on_data(*args):" in result.code
    assert "*args" in result.notes[0].message


# --- leaves alone -------------------------------------------------------------------------


def test_leaves_v3_handlers_alone():
    check_noop(
        """\
        from assemblyai.streaming.v3 import StreamingEvents
        def on_turn(client, event):
            print(event.transcript)
        class Captions:
            def on_begin(self, client, event):
                print(event.id)
        client.on(StreamingEvents.Turn, on_turn)
        client.on(StreamingEvents.Begin, Captions().on_begin)
        client.on(StreamingEvents.Error, lambda client, error: print(error))
        """,
        **SELECT,
    )


def test_leaves_text_of_other_objects_in_a_callback_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n"
        "    reply = llm.complete(transcript.text)\n"
        "    print(reply.text)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "    reply = llm.complete(transcript.transcript)\n    print(reply.text)\n" in result.code


def test_leaves_word_text_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    print(transcript.words[0].text)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "print(transcript.words[0].text)" in result.code


def test_leaves_a_same_named_parameter_of_another_function_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    print(transcript.text)\n"
        "def summarise(transcript):\n    return transcript.text\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "def summarise(transcript):\n    return transcript.text\n" in result.code


def test_leaves_a_shadowing_parameter_in_a_nested_function_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n"
        "    def later(transcript):\n        return transcript.text\n"
        "    return later(other)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "        return transcript.text\n" in result.code


def test_leaves_other_isinstance_checks_alone():
    check_noop("import assemblyai as aai\ndef f(t):\n    return isinstance(t, str)\n", **SELECT)


def test_leaves_callbacks_of_other_libraries_alone():
    check_noop(
        """\
        import assemblyai as aai
        import socketio
        def on_data(message):
            print(message.text)
        sio = socketio.Client(on_data=on_data)
        sio.on("transcript", on_data)
        """,
        **SELECT,
    )


def test_leaves_a_script_without_assemblyai_alone():
    check_noop("def on_data(transcript):\n    print(transcript.text)\nRealtimeTranscriber(on_data=on_data)\n", **SELECT)


def test_leaves_a_constructor_it_cannot_read_alone():
    check_noop(
        """\
        import assemblyai as aai
        def on_data(transcript):
            print(transcript)
        t = aai.RealtimeTranscriber(**settings)
        """,
        **SELECT,
    )


def test_leaves_session_id_in_a_turn_callback_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    print(transcript.session_id)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "    print(transcript.session_id)\n" in result.code


def test_leaves_fields_of_the_error_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_error(error):\n    print(error.text, error.code)\n"
        "t = aai.RealtimeTranscriber(on_data=print, on_error=on_error, sample_rate=16_000)\n"
    )
    assert "def on_error(client, error):\n    print(error.text, error.code)\n" in result.code


def test_leaves_lambdas_that_are_not_callbacks_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "ordered = sorted(items, key=lambda t: t.text)\n"
        "t = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=16_000)\n"
    )
    assert "ordered = sorted(items, key=lambda t: t.text)\n" in result.code


def test_leaves_a_same_named_method_of_another_class_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "class Other:\n    def on_data(self, message):\n        print(message.text)\n"
        "class Captions:\n"
        "    def on_data(self, transcript):\n        print(transcript.text)\n"
        "    def start(self):\n"
        "        self.t = aai.RealtimeTranscriber(on_data=self.on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "class Other:\n    def on_data(self, message):\n        print(message.text)\n" in result.code


def test_leaves_a_module_function_named_like_the_method_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(message):\n    print(message.text)\n"
        "class Captions:\n"
        "    def on_data(self, transcript):\n        print(transcript.text)\n"
        "    def start(self):\n"
        "        self.t = aai.RealtimeTranscriber(on_data=self.on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "def on_data(message):\n    print(message.text)\n" in result.code


def test_leaves_isinstance_with_a_tuple_of_classes_alone():
    check_noop("import assemblyai as aai\ndef f(t):\n    return isinstance(t, (str, bytes))\n", **SELECT)


def test_leaves_the_base_transcript_type_to_the_names_rule():
    check_noop("import assemblyai as aai\ndef f(t):\n    return isinstance(t, aai.RealtimeTranscript)\n", **SELECT)


def test_leaves_text_of_an_attribute_chain_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    print(transcript.text, self.transcript.text)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "print(transcript.transcript, self.transcript.text)" in result.code


def test_leaves_subscripts_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    print(transcript['text'])\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "    print(transcript['text'])\n" in result.code


def test_leaves_registrations_with_another_event_enum_alone():
    check_noop(
        """\
        import assemblyai as aai
        from emitter import Events
        def on_turn(message):
            print(message.text)
        bus.on(Events.Turn, on_turn)
        """,
        **SELECT,
    )


def test_leaves_registrations_of_other_v3_events_alone():
    check_noop(
        """\
        from assemblyai.streaming.v3 import StreamingEvents
        def on_warning(warning):
            print(warning)
        client.on(StreamingEvents.Warning, on_warning)
        """,
        **SELECT,
    )


def test_leaves_word_confidence_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    print(transcript.words[0].confidence)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert result.notes == []


def test_leaves_module_level_reads_of_a_same_named_variable_alone():
    result = migrate(
        "import assemblyai as aai\n"
        "def on_data(transcript):\n    pass\n"
        "transcript = load()\nprint(transcript.text)\n"
        "t = aai.RealtimeTranscriber(on_data=on_data, on_error=print, sample_rate=16_000)\n"
    )
    assert "print(transcript.text)\n" in result.code


def test_leaves_an_adapted_lambda_alone_on_a_second_run():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=lambda t: print(t.text), on_error=print, sample_rate=1)\n"
    )
    check_noop(result.code, **SELECT)


def test_leaves_a_callback_whose_event_parameter_is_unclear_alone_with_a_note():
    result = migrate(
        "import assemblyai as aai\nfrom functools import partial\n"
        "def on_data(loop, transcript):\n    print(transcript.text)\n"
        "t = aai.RealtimeTranscriber(on_data=partial(on_data, loop=loop), on_error=print, sample_rate=1)\n"
    )
    assert "def on_data(loop, transcript):" in result.code
    assert note_codes(result) == [(5, "STT022")]
    assert "adapt it by hand" in result.notes[0].message


def test_leaves_unrelated_partials_alone():
    check_noop(
        """\
        import assemblyai as aai
        from functools import partial
        def show(prefix, message):
            print(prefix, message.text)
        printer = partial(show, ">")
        """,
        **SELECT,
    )


def test_leaves_handler_keywords_of_other_constructors_alone():
    check_noop(
        """\
        import assemblyai as aai
        import mylib
        def on_data(message):
            print(message.text)
        stream = mylib.Stream(on_data=on_data, sample_rate=16_000)
        """,
        **SELECT,
    )


def test_leaves_builtin_callbacks_without_a_note():
    result = migrate(
        "import assemblyai as aai\nt = aai.RealtimeTranscriber(on_data=print, on_error=print, sample_rate=16_000)\n"
    )
    assert "on_data=lambda client, event: print(event)" in result.code
    assert result.notes == []


def test_match_class_patterns_on_v2_transcript_types_test_end_of_turn():
    result = migrate_source(
        "import assemblyai as aai\n\n"
        "def on_data(transcript: aai.RealtimeTranscript):\n"
        "    match transcript:\n"
        "        case aai.RealtimeFinalTranscript():\n"
        "            print(transcript.text)\n"
        "        case aai.RealtimePartialTranscript(text=words):\n"
        "            print(words)\n\n"
        "transcriber = aai.RealtimeTranscriber(on_data=on_data, sample_rate=16_000)\n"
    )
    assert "        case TurnEvent(end_of_turn=True, turn_is_formatted=True):\n" in result.code
    assert "        case TurnEvent(transcript=words, end_of_turn=False):\n" in result.code


def test_an_override_in_a_subclass_changes_shape_with_the_callback():
    result = migrate_source(
        "import assemblyai as aai\n\n"
        "class Captions:\n"
        "    def on_data(self, transcript):\n        print(transcript.text)\n\n"
        "    def start(self):\n"
        "        self.transcriber = aai.RealtimeTranscriber(on_data=self.on_data, sample_rate=16_000)\n\n"
        "class LoudCaptions(Captions):\n"
        "    def on_data(self, transcript):\n        print(transcript.text.upper())\n"
    )
    assert result.code.count("    def on_data(self, client, transcript):\n") == 2
    assert "        print(transcript.transcript.upper())\n" in result.code


@pytest.mark.parametrize(
    ("test", "expected"),
    [
        ('t.message_type == "FinalTranscript"', "t.end_of_turn and t.turn_is_formatted"),
        ('t.message_type != "PartialTranscript"', "t.end_of_turn and t.turn_is_formatted"),
        ('"PartialTranscript" == t.message_type', "not (t.end_of_turn and t.turn_is_formatted)"),
        ("t.message_type == aai.RealtimeMessageTypes.final_transcript", "t.end_of_turn and t.turn_is_formatted"),
    ],
)
def test_a_test_of_the_message_type_of_a_transcript_becomes_the_final_test(test, expected):
    result = migrate_source(
        "import assemblyai as aai\n"
        f"def on_data(t):\n    if {test}:\n        print(t.text)\n"
        "tr = aai.RealtimeTranscriber(sample_rate=16_000, on_data=on_data, on_error=print)\ntr.connect()\n"
    )
    assert f"    if {expected}:\n        print(t.transcript)\n" in result.code
    assert "message_type" not in result.code
