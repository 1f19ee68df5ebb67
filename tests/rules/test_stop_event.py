from migrator import migrate_source
from tests.migration_checks import check_noop

APP = (
    "import threading\nimport websocket\nimport pyaudio\nV2 = 'wss://api.assemblyai.com/v2/realtime/ws'\np = pyaudio.PyAudio()\n"
    "stream = p.open(rate=16000, input=True, frames_per_buffer=800)\n"
)


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


def test_missing_on_close_gets_a_note():
    result = migrate_source(
        APP + "def on_open(ws):\n    while True:\n        ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)\n"
        "ws = websocket.WebSocketApp('u', header={}, on_open=on_open)\n",
        select=["STT005"],
    )
    assert sorted(note.message.split()[2] for note in result.notes) == ["on_close", "on_error"]


def test_leaves_unrelated_while_true_alone():
    check_noop(
        "import websocket\nws = websocket.WebSocketApp('u', header={})\nwhile True:\n    print(1)\n", select=["STT005"]
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
