import textwrap

from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed


def test_blocking_run_forever_becomes_terminate_and_wait():
    check_transformed(
        """\
        import websocket
        ws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})
        ws.run_forever()
        """,
        """\
        import websocket
        import json
        import time
        import threading
        ws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})
        ws_thread = threading.Thread(target=ws.run_forever, daemon=True)
        ws_thread.start()
        try:
            while ws_thread.is_alive():
                time.sleep(0.1)
        except KeyboardInterrupt:
            if ws.sock and ws.sock.connected:
                ws.send(json.dumps({"type": "Terminate"}))
                ws_thread.join(timeout=5)  # until Termination arrives and the server closes
        finally:
            ws.close()
        """,
        select=["STT007"],
    )


def test_run_forever_arguments_are_kept():
    result = migrate_source(
        'import websocket\nws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})\nws.run_forever(ping_interval=30)\n',
        select=["STT007"],
    )
    assert "threading.Thread(target=lambda: ws.run_forever(ping_interval=30), daemon=True)" in result.code


def test_audio_is_released_in_finally():
    result = migrate_source(
        "import pyaudio, websocket\np = pyaudio.PyAudio()\nmic = p.open(rate=16000, input=True, frames_per_buffer=800)\n"
        'ws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})\nws.run_forever()\n',
        select=["STT007"],
    )
    assert result.code.endswith("finally:\n    ws.close()\n    mic.stop_stream()\n    mic.close()\n    p.terminate()\n")


def test_close_in_a_class_is_preceded_by_terminate_and_wait():
    result = migrate_source(
        textwrap.dedent("""\
        import json, threading, websocket
        class T:
            def __init__(self):
                self.ws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})
            def start(self):
                self.thread = threading.Thread(target=self.ws.run_forever)
                self.thread.start()
            def stop(self):
                self.ws.close()
        """),
        select=["STT007"],
    )
    assert result.code.endswith(
        "    def stop(self):\n"
        "        if self.ws.sock and self.ws.sock.connected:\n"
        '            self.ws.send(json.dumps({"type": "Terminate"}))\n'
        "            self.thread.join(timeout=5)  # until Termination arrives and the server closes\n"
        "        self.ws.close()\n"
    )


def test_terminate_then_close_gets_a_wait_in_between():
    result = migrate_source(
        textwrap.dedent("""\
        import json, threading, websocket
        ws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})
        t = threading.Thread(target=ws.run_forever)
        t.start()
        def stop():
            ws.send(json.dumps({"type": "Terminate"}))
            ws.close()
        """),
        select=["STT007"],
    )
    assert '    ws.send(json.dumps({"type": "Terminate"}))\n    t.join(timeout=5)' in result.code


def test_script_that_already_terminates_is_left_alone():
    check_noop(
        'import json, websocket\nws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})\nws.run_forever()\nws.send(json.dumps({"type": "Terminate"}))\n',
        select=["STT007"],
    )


def test_leaves_v3_scripts_alone():
    check_noop(
        'import websocket\nws = websocket.WebSocketApp("wss://streaming.assemblyai.com/v3/ws?sample_rate=1", header={})\nws.run_forever()\n',
        select=["STT007"],
    )
