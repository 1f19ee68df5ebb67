"""Faults the idempotence fuzzer found (tests/fuzz), each pinned by its exact output and a
second run that changes nothing."""

from __future__ import annotations

import sysconfig
from pathlib import Path

import libcst as cst

from migrator import migrate_source
from migrator.engine.layout import Layout
from migrator.model import ValueModel
from tests.migration_checks import check_transformed

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
BASE64_SENDER = FIXTURES / "websocket_client" / "base64_sender"


def twice(source: str, **options) -> str:
    """The migrated code, after checking that migrating it again changes nothing."""
    first = migrate_source(source, **options).code
    assert migrate_source(first, **options).code == first, "a second run changed the output"
    return first


# --- a module the file uses without importing it -----------------------------------------------


def test_json_used_without_its_import_is_migrated_in_one_run():
    """Run 1 added ``import json`` (for Terminate) but left the messages; run 2 rewrote them.
    (Where the added import goes is the import step's business: compared apart.)"""
    source = (BASE64_SENDER / "input.py").read_text().replace("import json\n", "", 1)
    expected = (
        (BASE64_SENDER / "expected.py")
        .read_text()
        .replace("except json.JSONDecodeError as error:", "except ValueError as error:")
    )
    assert _apart(twice(source, layout=Layout())) == _apart(expected)


def _apart(code: str):
    """(the lines that are not imports, in order; the import lines, sorted)."""
    lines = code.splitlines()
    imports = sorted(line for line in lines if line.startswith(("import ", "from ")))
    return [line for line in lines if not line.startswith(("import ", "from "))], imports


def test_base64_used_without_its_import_becomes_a_binary_send():
    """Run 1 sent ``base64.b64decode`` of the base64 text it still made (with a relay note)."""
    source = (BASE64_SENDER / "input.py").read_text().replace("import base64\n", "", 1)
    assert twice(source, layout=Layout()) == (BASE64_SENDER / "expected.py").read_text()


# --- the tool's own code on a second run ---------------------------------------------------------


def test_the_sdk_microphone_helper_gets_no_chunk_note_on_a_second_run():
    """The helper STT024 writes reads ``sample_rate // 20`` frames; a file that still speaks v2
    after run 1 (a printed v2 word) got an STT004 note on it in run 2."""
    source = (FIXTURES / "sdk" / "docs_microphone" / "input.py").read_text() + 'print("SessionBegins")\n'
    first = migrate_source(source)
    assert "frames = sample_rate // 20" in first.code
    second = migrate_source(first.code)
    assert second.code == first.code
    assert [note.code for note in second.notes if note.code == "STT004"] == []


def test_a_note_above_the_first_statement_is_not_added_again():
    """libcst keeps comments above a module's first statement in the module header."""
    source = (
        'payload = json.dumps({"audio_data": base64.b64encode(chunk).decode("utf-8")})\n'
        "import base64\nimport json\n"
        'URL = "wss://api.assemblyai.com/v2/realtime/ws"\n'
    )
    assert twice(source) == (
        "# migrate-stt(STT004, error): v3 takes audio only as binary frames: send the raw bytes instead of this JSON message\n"
        + source.replace("api.assemblyai.com/v2/realtime/ws", "streaming.assemblyai.com/v3/ws")
    )


# --- what the remaining code still needs ---------------------------------------------------------

HEAD = 'import base64\nimport json\nimport websocket\nURL = "wss://api.assemblyai.com/v2/realtime/ws"\n'
HELPER = (
    "def encode_chunk(chunk):\n"
    "    encoded = base64.b64encode(chunk).decode()\n"
    '    return json.dumps({"audio_data": encoded})\n'
)


def test_a_payload_helper_still_called_elsewhere_keeps_its_body():
    """The send went binary and took the helper's ``encoded = ...`` line with it, though
    ``log`` still called the helper (``encoded`` undefined, ``import base64`` gone). The JSON
    the helper still builds gets the note in run 1 (run 2 gave it before)."""
    check_transformed(
        HEAD + HELPER + "\ndef send(ws, stream):\n    ws.send(encode_chunk(stream.read(3200)))\n\n"
        "def log(chunk):\n    print(encode_chunk(chunk))\n",
        HEAD
        + HELPER.replace(
            "    return",
            "    # migrate-stt(STT004, error): v3 takes audio only as binary frames: send the raw bytes instead of this JSON message\n"
            "    return",
        )
        + "\ndef send(ws, stream):\n    ws.send(stream.read(3200), websocket.ABNF.OPCODE_BINARY)\n\n"
        "def log(chunk):\n    print(encode_chunk(chunk))\n",
        select=["STT004"],
    )


def test_a_payload_helper_every_call_of_which_became_a_binary_send_goes():
    """With two sends through it, run 1 kept the unused helper, and run 2 noted its JSON."""
    check_transformed(
        HEAD + HELPER + "\ndef send(ws, stream):\n    ws.send(encode_chunk(stream.read(3200)))\n\n"
        "def resend(ws, chunk):\n    ws.send(encode_chunk(chunk))\n",
        "import websocket\n"
        'URL = "wss://api.assemblyai.com/v2/realtime/ws"\n'
        "\ndef send(ws, stream):\n    ws.send(stream.read(3200), websocket.ABNF.OPCODE_BINARY)\n\n"
        "def resend(ws, chunk):\n    ws.send(chunk, websocket.ABNF.OPCODE_BINARY)\n",
        select=["STT004"],
    )


ASYNC_INPUT = """\
import asyncio
import json

import websockets

URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


async def main():
    async with websockets.connect(URL) as ws:

        async def show():
            print(message)

        async def receive():
            while RUNNING:
                result = json.loads(await ws.recv())
                if result["message_type"] == "FinalTranscript":
                    print(result["text"])

        await asyncio.gather(show(), receive())


RUNNING = True
message = "hello"
asyncio.run(main())
"""

ASYNC_OUTPUT = """\
import asyncio
import json

import websockets

URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


async def main():
    async with websockets.connect(URL) as ws:

        async def show():
            print(message)

        async def receive():
            while RUNNING:
                result = json.loads(await ws.recv())
                if result["message_type"] == "FinalTranscript":
                    print(result["text"])

        try:
            await asyncio.gather(show(), receive())
        finally:
            # end the session (v3 bills until it ends), then read to Termination
            try:
                await ws.send(json.dumps({"type": "Terminate"}))
                while True:
                    message_2 = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))
                    if message_2.get("type") == "Termination":
                        break
                    if message_2.get("type") == "Turn" and message_2.get("end_of_turn"):
                        print(message_2.get("transcript", ""))
            except (websockets.exceptions.ConnectionClosed, asyncio.TimeoutError):
                pass


RUNNING = True
message = "hello"
try:
    asyncio.run(main())
except KeyboardInterrupt:
    pass
"""


def test_the_terminate_loop_does_not_capture_a_name_a_nested_coroutine_reads():
    """``message = ...`` in the shutdown made ``show``'s global ``message`` a closure variable,
    and run 2 then rewrote ``show`` as a reader of v2 messages."""
    assert twice(ASYNC_INPUT, select=["STT011"]) == ASYNC_OUTPUT


SDK_CONNECT_INPUT = """\
import functools

import assemblyai as aai

wraps = functools.wraps


def create_transcriber(self):
    make_transcriber = functools.partial(aai.RealtimeTranscriber, sample_rate=self.sample_rate, on_data=print)
    return make_transcriber()


class LiveCaptions:
    def start(self):
        self.transcriber = create_transcriber(self)
        self.transcriber.connect()
"""

SDK_CONNECT_OUTPUT = """\
import functools

import assemblyai as aai
from assemblyai.streaming.v3 import StreamingClient, StreamingClientOptions, StreamingEvents, StreamingParameters

wraps = functools.wraps


def create_transcriber(self):
    def make_transcriber():
        client = StreamingClient(
            StreamingClientOptions(api_key=aai.settings.api_key, api_host="streaming.assemblyai.com")
        )
        client.on(StreamingEvents.Turn, print)
        return client
    return make_transcriber()


class LiveCaptions:
    def start(self):
        self.transcriber = create_transcriber(self)
        self.transcriber.connect(
            StreamingParameters(
                sample_rate=self.sample_rate,
                format_turns=True,
                speech_model="universal-streaming-english",
            )
        )
"""


def test_an_sdk_connect_elsewhere_is_not_handed_a_local_of_the_factory():
    """It became ``connect(make_transcriber_parameters)``, a name only the factory sees; the
    settings are now written at connect() with the factory's ``self`` replaced by what its
    caller passes (the same ``self``), and a second run changes nothing."""
    assert twice(SDK_CONNECT_INPUT, select=["STT021"]) == SDK_CONNECT_OUTPUT


TYPE_CHECKING_INPUT = """\
from typing import TYPE_CHECKING

import assemblyai as aai

try:
    if TYPE_CHECKING:
        from assemblyai import RealtimeTranscript
except ImportError:
    pass


def received(transcript: "RealtimeTranscript") -> None:
    print(transcript.text)


transcriber = aai.RealtimeTranscriber(on_data=received, sample_rate=16_000)
"""

TYPE_CHECKING_OUTPUT = """\
from typing import TYPE_CHECKING

# migrate-stt(STT020, info): the migrated code needs assemblyai>=0.64.16 (StreamingClient, force_endpoint, and a disconnect(terminate=True) that waits for the last turn)
import assemblyai as aai
from assemblyai.streaming.v3 import TurnEvent

try:
    if TYPE_CHECKING:
        from assemblyai import RealtimeTranscript
except ImportError:
    pass


def received(transcript: "TurnEvent") -> None:
    print(transcript.text)


transcriber = aai.RealtimeTranscriber(on_data=received, sample_rate=16_000)
"""


def test_annotation_names_are_imported_when_type_checking_is_not_the_modules_own_block():
    """``"TurnEvent"`` was written, but the v3 import went nowhere (the TYPE_CHECKING block
    sits in a ``try``, which the import step does not edit)."""
    assert twice(TYPE_CHECKING_INPUT, select=["STT020"]) == TYPE_CHECKING_OUTPUT


# --- the value model on loops over attributes ----------------------------------------------------


def test_attribute_loops_do_not_grow_the_models_values_without_end():
    """``exc = exc.__cause__ or exc.__context__`` made qualified names one part longer on
    every round and twice as many: traceback.py with a v2 line ran out of memory."""
    source = (
        "import sys\n\n"
        "def chain(tb):\n"
        "    exc = sys.last_value\n"
        "    while exc is not None:\n"
        "        exc = exc.__cause__ or exc.__context__\n"
        "        tb = tb.tb_next or tb.tb_frame\n"
        "    return exc, tb\n"
    )
    model = ValueModel(cst.parse_module(source))
    sizes = [len(value) for value in model.solver.slots.values()]
    assert max(sizes) <= 40
    names = [tag[1] for value in model.solver.slots.values() for tag in value if tag[0] == "qualified"]
    assert max(name.count(".") for name in names) <= 5


def test_the_standard_library_traceback_module_with_a_v2_line_migrates():
    path = Path(sysconfig.get_paths()["stdlib"]) / "traceback.py"
    source = path.read_text() + 'V2_URL = "wss://api.assemblyai.com/v2/realtime/ws"\n'
    result = migrate_source(source)
    assert result.code == source.replace("api.assemblyai.com/v2/realtime/ws", "streaming.assemblyai.com/v3/ws")


def test_messages_decoded_by_an_unimported_json_are_v2_messages():
    """The value model reads an unbound ``json`` as the module the rules would import."""
    check_transformed(
        'import websocket\n\nURL = "wss://api.assemblyai.com/v2/realtime/ws"\n\n\n'
        "def on_message(ws, message):\n"
        "    result = json.loads(message)\n"
        '    if result["message_type"] == "FinalTranscript":\n'
        '        print(result["text"])\n',
        'import websocket\n\nURL = "wss://api.assemblyai.com/v2/realtime/ws"\n\n\n'
        "def on_message(ws, message):\n"
        "    try:\n"
        "        result = json.loads(message)\n"
        "    except ValueError as error:\n"
        '        print(f"Error decoding message: {error}")\n'
        "        return\n"
        '    if result["type"] == "Turn" and result.get("end_of_turn"):\n'
        '        print(result.get("transcript", ""))\n'
        '    elif result["type"] == "Termination":\n'
        '        print("Session terminated:", f"{result.get(\'audio_duration_seconds\')} s of audio,", '
        "f\"{result.get('session_duration_seconds')} s of session\")\n",
        select=["STT003"],
    )


# --- found by the fuzzer after the SDK plan moved onto the value model ---------------------------


def test_a_relay_event_with_a_v2_key_is_not_a_server_message():
    """A Twilio event read through a relay server's socket was taken for a server message of
    unknown origin; the audio send around it hid the rename in run 1, run 2 made it."""
    source = (
        "import json\nimport websocket\nfrom flask import Flask\nfrom flask_sock import Sock\n"
        'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=8000"\n'
        "app = Flask(__name__)\nsock = Sock(app)\n"
        '@sock.route("/media")\ndef media(twilio_ws):\n'
        "    aai_ws = websocket.create_connection(URL)\n"
        "    while True:\n        event = json.loads(twilio_ws.receive())\n"
        '        aai_ws.send(json.dumps({"audio_data": event["message_type"]["payload"]}))\n'
    )
    assert 'event["message_type"]["payload"]' in twice(source)


def test_a_v2_client_made_above_the_sdk_import_is_migrated_with_the_rest():
    source = (
        "transcriber = aai.RealtimeTranscriber(sample_rate=16000, on_data=print, on_error=print)\n"
        "import assemblyai as aai\n"
        "transcriber.connect()\ntranscriber.close()\n"
    )
    migrated = twice(source)
    assert migrated.index("from assemblyai.streaming.v3 import") < migrated.index("StreamingClient(")
    assert "transcriber.disconnect(terminate=True)" in migrated


def test_a_parameter_annotated_with_one_event_and_registered_for_another_is_left_alone():
    source = (
        "import assemblyai as aai\n"
        'def opened(session: "aai.RealtimeTranscript"):\n    print(session.session_id)\n'
        "t = aai.RealtimeTranscriber(sample_rate=16000, on_open=opened, on_error=print)\nt.connect()\n"
    )
    assert "session.session_id" in twice(source)


def test_what_another_rule_rewrote_inside_an_audio_payload_survives_the_binary_send():
    """The endpoint inside the payload's expression was rewritten by STT001, but the binary
    send was built from the original expression, so run 2 rewrote it again."""
    source = (
        "import json\nimport websocket\nfrom flask import Flask\nfrom flask_sock import Sock\n"
        "app = Flask(__name__)\nsock = Sock(app)\n"
        '@sock.route("/media")\ndef media(twilio_ws):\n'
        '    aai_ws = websocket.create_connection("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=8000")\n'
        "    while True:\n        event = json.loads(twilio_ws.receive())\n"
        '        aai_ws.send(json.dumps({"audio_data": event["wss://api.assemblyai.com/v2/realtime/ws"]["payload"]}))\n'
    )
    migrated = twice(source)
    assert "base64.b64decode(event[" in migrated and "api.assemblyai.com/v2" not in migrated


def test_an_audio_loop_that_sends_json_audio_gets_the_stop_event_in_the_first_run():
    """The outer loop sent the JSON audio message: only a binary send was taken for audio, so
    run 2 found a second audio loop and a second ``stop_event = threading.Event()``."""
    source = (
        "import base64\nimport json\nimport threading\nimport pyaudio\nimport websocket\n"
        'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'
        "audio = pyaudio.PyAudio()\nmic = audio.open(format=pyaudio.paInt16, channels=1, rate=16000, input=True)\n"
        "def sender(ws):\n    while True:\n        while True:\n            data = mic.read(3200)\n            break\n"
        '        ws.send(json.dumps({"audio_data": base64.b64encode(data).decode("utf-8")}))\n'
        "def on_open(ws):\n    threading.Thread(target=sender, args=(ws,)).start()\n"
        "ws = websocket.WebSocketApp(URL, on_open=on_open)\nws.run_forever()\n"
    )
    migrated = twice(source)
    assert migrated.count("stop_event = threading.Event()") == 1
    assert "while True" not in migrated
