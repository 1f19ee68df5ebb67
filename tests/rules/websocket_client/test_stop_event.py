import textwrap

from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

APP = (
    "import threading\nimport websocket\nimport pyaudio\nV2 = 'wss://api.assemblyai.com/v2/realtime/ws'\np = pyaudio.PyAudio()\n"
    "stream = p.open(rate=16000, input=True, frames_per_buffer=800)\n"
)
HEAD = """\
import threading
import websocket
import pyaudio

URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"
p = pyaudio.PyAudio()
stream = p.open(rate=16000, input=True, frames_per_buffer=800)
"""


def transformed(before: str, after: str):
    """HEAD, then the dedented rest of the script, before and after."""
    return check_transformed(HEAD + textwrap.dedent(before), HEAD + textwrap.dedent(after), select=["STT005"])


def test_audio_loop_checks_a_module_stop_event_set_in_callbacks():
    result = migrate_source(
        APP
        + "def on_open(ws):\n    def send():\n        while True:\n            ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n"
        "    threading.Thread(target=send).start()\n"
        "def on_error(ws, e):\n    print(e)\n"
        "def on_close(ws):\n    print('closed')\n"
        "ws = websocket.WebSocketApp('u', header={}, on_open=on_open, on_error=on_error, on_close=on_close)\n",
        select=["STT005"],
    )
    code = result.code
    assert "stop_event = threading.Event()\naudio_thread = None\n" in code
    assert "        while not stop_event.is_set():\n" in code
    assert "def on_error(ws, e):\n    stop_event.set()\n    print(e)\n" in code
    assert "def on_close(ws, close_status_code, close_msg):\n    stop_event.set()\n" in code
    assert (
        "    global audio_thread\n    audio_thread = threading.Thread(target=send, daemon=True)\n    audio_thread.start()\n"
        in code
    )


def test_module_script_exact_with_docstrings_daemon_and_main_guard():
    transformed(
        '''

        def on_open(ws):
            def send():
                while True:
                    data = stream.read(800)
                    ws.send(data, websocket.ABNF.OPCODE_BINARY)
            threading.Thread(target=send, daemon=True).start()


        def on_error(ws, error):
            """Report."""
            print(error)


        def on_close(ws, *args):
            print("closed")


        if __name__ == "__main__":
            ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_error=on_error, on_close=on_close)
            ws.run_forever()
        ''',
        '''
        stop_event = threading.Event()
        audio_thread = None


        def on_open(ws):
            def send():
                while not stop_event.is_set():
                    data = stream.read(800)
                    ws.send(data, websocket.ABNF.OPCODE_BINARY)
            global audio_thread
            audio_thread = threading.Thread(target=send, daemon=True)
            audio_thread.start()


        def on_error(ws, error):
            """Report."""
            stop_event.set()
            print(error)


        def on_close(ws, *args):
            stop_event.set()
            print("closed")


        if __name__ == "__main__":
            ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_error=on_error, on_close=on_close)
            ws.run_forever()
        ''',
    )


def test_on_close_with_three_parameters_keeps_them():
    transformed(
        """

        def on_open(ws):
            while True:
                ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)


        def on_error(ws, error):
            pass


        def on_close(ws, code, reason):
            print(code, reason)


        ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_error=on_error, on_close=on_close)
        """,
        """
        stop_event = threading.Event()


        def on_open(ws):
            while not stop_event.is_set():
                ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)


        def on_error(ws, error):
            stop_event.set()
            pass


        def on_close(ws, code, reason):
            stop_event.set()
            print(code, reason)


        ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_error=on_error, on_close=on_close)
        """,
    )


def test_threading_import_is_added_when_missing():
    result = migrate_source(
        HEAD.replace("import threading\n", "")
        + "def on_open(ws):\n    while True:\n        ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n"
        "def on_error(ws, e):\n    pass\n"
        "def on_close(ws, a, b):\n    pass\n"
        "ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_error=on_error, on_close=on_close)\n",
        select=["STT005"],
    )
    assert result.code.startswith("import threading\n\nimport websocket\nimport pyaudio\n")
    assert "stop_event = threading.Event()\n" in result.code


def test_base64_json_audio_loop_counts_as_audio():
    result = migrate_source(
        HEAD + "import base64, json\n"
        "def on_open(ws):\n    while True:\n"
        '        ws.send(json.dumps({"audio_data": base64.b64encode(stream.read(800)).decode()}))\n'
        "def on_error(ws, e):\n    pass\n"
        "def on_close(ws, a, b):\n    pass\n"
        "ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_error=on_error, on_close=on_close)\n",
        select=["STT005"],
    )
    assert "    while not stop_event.is_set():\n" in result.code


def test_class_gets_an_instance_event():
    result = migrate_source(
        APP + "class T:\n    def __init__(self):\n        super().__init__()\n"
        "        self.ws = websocket.WebSocketApp('u', on_close=self.on_close)\n"
        "    def run(self):\n        while True:\n            self.ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n"
        "    def on_close(self, ws, code, reason):\n        pass\n",
        select=["STT005"],
    )
    code = result.code
    assert "        super().__init__()\n        self.stop_event = threading.Event()\n" in code
    assert "        while not self.stop_event.is_set():\n" in code
    assert "    def on_close(self, ws, code, reason):\n        self.stop_event.set()\n" in code


def test_class_exact_with_thread_and_one_argument_on_close():
    transformed(
        """

        class Transcriber:
            def __init__(self):
                self.ws = websocket.WebSocketApp(URL, header={}, on_open=self.on_open, on_error=self.on_error, on_close=self.on_close)

            def on_open(self, ws):
                threading.Thread(target=self.send).start()

            def send(self):
                while True:
                    self.ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)

            def on_error(self, ws, error):
                print(error)

            def on_close(self, ws):
                print("closed")
        """,
        """

        class Transcriber:
            def __init__(self):
                self.stop_event = threading.Event()
                self.audio_thread = None
                self.ws = websocket.WebSocketApp(URL, header={}, on_open=self.on_open, on_error=self.on_error, on_close=self.on_close)

            def on_open(self, ws):
                self.audio_thread = threading.Thread(target=self.send, daemon=True)
                self.audio_thread.start()

            def send(self):
                while not self.stop_event.is_set():
                    self.ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)

            def on_error(self, ws, error):
                self.stop_event.set()
                print(error)

            def on_close(self, ws, close_status_code, close_msg):
                self.stop_event.set()
                print("closed")
        """,
    )


def test_missing_on_close_gets_a_note():
    result = migrate_source(
        APP + "def on_open(ws):\n    while True:\n        ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n"
        "ws = websocket.WebSocketApp('u', header={}, on_open=on_open)\n",
        select=["STT005"],
    )
    assert sorted(note.message.split()[2] for note in result.notes) == ["on_close", "on_error"]


def test_missing_callback_note_is_reported_at_the_app():
    result = migrate_source(
        HEAD + "def on_open(ws):\n    while True:\n        ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n"
        "def on_close(ws, a, b):\n    pass\n"
        "ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_close=on_close)\n",
        select=["STT005"],
    )
    assert [(note.line, note.code, note.message) for note in result.notes] == [
        (
            16,
            "STT005",
            "add an on_error callback that calls stop_event.set(), or the audio loop never stops when the session ends",
        )
    ]


def test_missing_callback_note_is_written_above_the_app():
    result = transformed(
        """

        def on_open(ws):
            while True:
                ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)


        def on_close(ws, a, b):
            pass


        ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_close=on_close)
        """,
        """
        stop_event = threading.Event()


        def on_open(ws):
            while not stop_event.is_set():
                ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)


        def on_close(ws, a, b):
            stop_event.set()
            pass


        # migrate-stt(STT005): add an on_error callback that calls stop_event.set(), or the audio loop never stops when the session ends
        ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_close=on_close)
        """,
    )
    assert note_codes(result) == [(22, "STT005")]


def test_with_every_rule_the_loop_stops_and_the_session_terminates():
    result = migrate_source(
        HEAD + "def on_open(ws):\n    def send():\n        while True:\n"
        "            ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n"
        "    threading.Thread(target=send).start()\n"
        "def on_error(ws, e):\n    print(e)\n"
        "def on_close(ws):\n    print('closed')\n"
        "ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_error=on_error, on_close=on_close)\n"
        "ws.run_forever()\n"
    )
    code = result.code
    assert "while not stop_event.is_set():" in code
    assert "except KeyboardInterrupt:\n    stop_event.set()\n    if audio_thread is not None:\n" in code


# --- left alone -----------------------------------------------------------------------------


def test_leaves_unrelated_while_true_alone():
    check_noop(
        "import websocket\nws = websocket.WebSocketApp('u', header={})\nwhile True:\n    print(1)\n", select=["STT005"]
    )


def test_loop_that_sends_no_audio_is_left_alone():
    check_noop(
        HEAD + "def on_open(ws):\n    while True:\n        ws.send('ping')\n"
        "ws = websocket.WebSocketApp(URL, header={}, on_open=on_open)\n",
        select=["STT005"],
    )


def test_audio_loop_without_a_websocket_app_is_left_alone():
    check_noop(
        HEAD + "def pump(ws):\n    while True:\n        ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n",
        select=["STT005"],
    )


def test_leaves_loops_already_on_an_event_alone():
    check_noop(
        APP
        + "stop = threading.Event()\ndef on_open(ws):\n    while not stop.is_set():\n        ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\nws = websocket.WebSocketApp('u', header={}, on_open=on_open)\n",
        select=["STT005"],
    )


def test_leaves_v3_scripts_alone():
    check_noop(
        APP.replace("api.assemblyai.com/v2/realtime/ws", "streaming.assemblyai.com/v3/ws")
        + "def on_open(ws):\n    while True:\n        ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\nws = websocket.WebSocketApp('u', header={}, on_open=on_open)\n",
        select=["STT005"],
    )


def test_other_service_audio_loop_is_left_alone_by_every_rule():
    check_noop(
        "import threading, websocket, pyaudio\n"
        "stream = pyaudio.PyAudio().open(rate=16000, input=True, frames_per_buffer=800)\n"
        "def on_open(ws):\n    while True:\n        ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n"
        "def on_close(ws):\n    pass\n"
        "ws = websocket.WebSocketApp('wss://example.com/asr', on_open=on_open, on_close=on_close)\nws.run_forever()\n"
    )


# --- regressions -----------------------------------------------------------------------------


def test_module_level_loop_has_its_event_defined_first():
    result = migrate_source(
        HEAD + "ws = websocket.WebSocketApp(URL, header={}, on_error=on_error, on_close=on_close)\n"
        "while True:\n    ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n",
        select=["STT005"],
    )
    code = result.code
    assert code.index("stop_event = threading.Event()") < code.index("while not stop_event.is_set():")


def test_callbacks_that_cannot_be_edited_get_a_note():
    result = migrate_source(
        HEAD + "from handlers import on_close\n"
        "def on_open(ws):\n    while True:\n        ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n"
        "ws = websocket.WebSocketApp(URL, header={}, on_open=on_open, on_error=lambda ws, e: print(e), on_close=on_close)\n",
        select=["STT005"],
    )
    assert len([note for note in result.notes if note.code == "STT005"]) == 2
