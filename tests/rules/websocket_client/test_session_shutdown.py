import textwrap

import pytest

from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

V2 = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"
BILLING_NOTE = (
    '# migrate-stt(STT007): v3 bills until the session ends: send {"type": "Terminate"} and wait for Termination '
    "before closing"
)


def transformed(before: str, after: str, select=("STT007",)):
    return check_transformed(textwrap.dedent(before), textwrap.dedent(after), select=list(select))


def test_blocking_run_forever_becomes_terminate_and_wait():
    check_transformed(
        """\
        import websocket
        ws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})
        ws.run_forever()
        """,
        """\
        import json
        import threading
        import time

        import websocket
        ws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})
        ws_thread = threading.Thread(target=ws.run_forever, daemon=True)
        ws_thread.start()
        try:
            while ws_thread.is_alive():
                time.sleep(0.1)
        except KeyboardInterrupt:
            if ws.sock and ws.sock.connected:
                ws.send(json.dumps({"type": "Terminate"}))
                # wait until Termination arrives and the server closes
                ws_thread.join(timeout=5)
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
        "            # wait until Termination arrives and the server closes\n"
        "            self.thread.join(timeout=5)\n"
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
    assert (
        '    ws.send(json.dumps({"type": "Terminate"}))\n'
        "    # wait until Termination arrives and the server closes\n"
        "    t.join(timeout=5)\n"
        "    ws.close()\n"
    ) in result.code


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


# --- more shapes of the blocking run_forever -----------------------------------------------


def test_run_forever_arguments_exact():
    transformed(
        f"""\
        import websocket
        ws = websocket.WebSocketApp("{V2}", header={{}})
        ws.run_forever(ping_interval=30, ping_timeout=10)
        """,
        f"""\
        import json
        import threading
        import time

        import websocket
        ws = websocket.WebSocketApp("{V2}", header={{}})
        ws_thread = threading.Thread(target=lambda: ws.run_forever(ping_interval=30, ping_timeout=10), daemon=True)
        ws_thread.start()
        try:
            while ws_thread.is_alive():
                time.sleep(0.1)
        except KeyboardInterrupt:
            if ws.sock and ws.sock.connected:
                ws.send(json.dumps({{"type": "Terminate"}}))
                # wait until Termination arrives and the server closes
                ws_thread.join(timeout=5)
        finally:
            ws.close()
        """,
    )


def test_inside_main_with_module_aliases_for_json_and_time():
    transformed(
        f"""\
        import websocket, json as j, time as t
        def main():
            ws = websocket.WebSocketApp("{V2}", header={{}})
            ws.run_forever()
        if __name__ == "__main__":
            main()
        """,
        f"""\
        import threading

        import websocket, json as j, time as t
        def main():
            ws = websocket.WebSocketApp("{V2}", header={{}})
            ws_thread = threading.Thread(target=ws.run_forever, daemon=True)
            ws_thread.start()
            try:
                while ws_thread.is_alive():
                    t.sleep(0.1)
            except KeyboardInterrupt:
                if ws.sock and ws.sock.connected:
                    ws.send(j.dumps({{"type": "Terminate"}}))
                    # wait until Termination arrives and the server closes
                    ws_thread.join(timeout=5)
            finally:
                ws.close()
        if __name__ == "__main__":
            main()
        """,
    )


def test_under_the_main_guard_keeps_comments_above():
    result = migrate_source(
        textwrap.dedent(f"""\
        import websocket
        if __name__ == "__main__":
            ws = websocket.WebSocketApp("{V2}", header={{}})
            # blocks until Ctrl-C
            ws.run_forever()
        """),
        select=["STT007"],
    )
    assert (
        "    # blocks until Ctrl-C\n    ws_thread = threading.Thread(target=ws.run_forever, daemon=True)\n"
        in result.code
    )
    assert result.code.endswith("    finally:\n        ws.close()\n")


def test_inside_a_try_whose_finally_closes_the_microphone():
    transformed(
        f"""\
        import pyaudio, websocket
        p = pyaudio.PyAudio()
        mic = p.open(rate=16000, input=True, frames_per_buffer=800)
        ws = websocket.WebSocketApp("{V2}", header={{}})
        try:
            ws.run_forever()
        finally:
            mic.close()
        """,
        f"""\
        import json
        import threading
        import time

        import pyaudio, websocket
        p = pyaudio.PyAudio()
        mic = p.open(rate=16000, input=True, frames_per_buffer=800)
        ws = websocket.WebSocketApp("{V2}", header={{}})
        try:
            ws_thread = threading.Thread(target=ws.run_forever, daemon=True)
            ws_thread.start()
            try:
                while ws_thread.is_alive():
                    time.sleep(0.1)
            except KeyboardInterrupt:
                if ws.sock and ws.sock.connected:
                    ws.send(json.dumps({{"type": "Terminate"}}))
                    # wait until Termination arrives and the server closes
                    ws_thread.join(timeout=5)
            finally:
                ws.close()
        finally:
            mic.close()
        """,
    )


def test_with_the_stop_event_rule_the_audio_stops_before_terminate():
    transformed(
        f"""\
        import threading
        import websocket
        import pyaudio

        URL = "{V2}"
        p = pyaudio.PyAudio()
        stream = p.open(rate=16000, input=True, frames_per_buffer=800)


        def on_open(ws):
            def send():
                while True:
                    ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)

            threading.Thread(target=send).start()


        def on_error(ws, error):
            print(error)


        def on_close(ws, code, reason):
            print("closed")


        ws = websocket.WebSocketApp(URL, header={{}}, on_open=on_open, on_error=on_error, on_close=on_close)
        ws.run_forever()
        """,
        f"""\
        import json
        import threading
        import time
        import websocket
        import pyaudio

        URL = "{V2}"
        p = pyaudio.PyAudio()
        stream = p.open(rate=16000, input=True, frames_per_buffer=800)

        stop_event = threading.Event()
        audio_thread = None


        def on_open(ws):
            def send():
                while not stop_event.is_set():
                    ws.send(stream.read(800), websocket.ABNF.OPCODE_BINARY)

            global audio_thread
            audio_thread = threading.Thread(target=send, daemon=True)
            audio_thread.start()


        def on_error(ws, error):
            stop_event.set()
            print(error)


        def on_close(ws, code, reason):
            stop_event.set()
            print("closed")


        ws = websocket.WebSocketApp(URL, header={{}}, on_open=on_open, on_error=on_error, on_close=on_close)
        ws_thread = threading.Thread(target=ws.run_forever, daemon=True)
        ws_thread.start()
        try:
            while ws_thread.is_alive():
                time.sleep(0.1)
        except KeyboardInterrupt:
            stop_event.set()
            if audio_thread is not None:
                audio_thread.join(timeout=1)
            if ws.sock and ws.sock.connected:
                ws.send(json.dumps({{"type": "Terminate"}}))
                # wait until Termination arrives and the server closes
                ws_thread.join(timeout=5)
        finally:
            stop_event.set()
            if audio_thread is not None:
                audio_thread.join(timeout=1)
            ws.close()
            stream.stop_stream()
            stream.close()
            p.terminate()
        """,
        select=("STT005", "STT007"),
    )


# --- close() in classes and functions ------------------------------------------------------


def test_close_in_a_class_exact():
    transformed(
        f"""\
        import json, threading, websocket
        class T:
            def __init__(self):
                self.ws = websocket.WebSocketApp("{V2}", header={{}})
            def start(self):
                self.thread = threading.Thread(target=self.ws.run_forever)
                self.thread.start()
            def stop(self):
                \"\"\"Stop.\"\"\"
                self.ws.close()
        """,
        f"""\
        import json, threading, websocket
        class T:
            def __init__(self):
                self.ws = websocket.WebSocketApp("{V2}", header={{}})
            def start(self):
                self.thread = threading.Thread(target=self.ws.run_forever)
                self.thread.start()
            def stop(self):
                \"\"\"Stop.\"\"\"
                if self.ws.sock and self.ws.sock.connected:
                    self.ws.send(json.dumps({{"type": "Terminate"}}))
                    # wait until Termination arrives and the server closes
                    self.thread.join(timeout=5)
                self.ws.close()
        """,
    )


def test_close_that_already_waits_for_termination_is_left_alone():
    check_noop(
        textwrap.dedent(f"""\
        import json, threading, websocket
        ws = websocket.WebSocketApp("{V2}", header={{}})
        t = threading.Thread(target=ws.run_forever)
        t.start()
        def stop():
            ws.send(json.dumps({{"type": "Terminate"}}))
            t.join(timeout=5)
            ws.close()
        """),
        select=["STT007"],
    )


# --- notes where the session cannot be restructured ---------------------------------------


def test_run_forever_in_a_class_gets_a_note():
    result = transformed(
        f"""\
        import websocket
        class C:
            def __init__(self):
                self.ws = websocket.WebSocketApp("{V2}", header={{}})
            def run(self):
                self.ws.run_forever()
        """,
        f"""\
        import websocket
        class C:
            def __init__(self):
                self.ws = websocket.WebSocketApp("{V2}", header={{}})
            def run(self):
                {BILLING_NOTE}
                self.ws.run_forever()
        """,
    )
    assert note_codes(result) == [(6, "STT007")]  # the note, above the WebSocketApp


def test_run_forever_followed_by_close_gets_a_note():
    result = transformed(
        f"""\
        import websocket
        ws = websocket.WebSocketApp("{V2}", header={{}})
        ws.run_forever()
        ws.close()
        """,
        f"""\
        import websocket
        ws = websocket.WebSocketApp("{V2}", header={{}})
        {BILLING_NOTE}
        ws.run_forever()
        ws.close()
        """,
    )
    assert note_codes(result) == [(3, "STT007")]  # the note, above the WebSocketApp


def test_thread_without_a_name_is_reported():
    result = migrate_source(
        f'import threading, websocket\nws = websocket.WebSocketApp("{V2}", header={{}})\n'
        "threading.Thread(target=ws.run_forever).start()\n",
        select=["STT007"],
    )
    assert note_codes(result) == [(2, "STT007")]


# --- left alone -----------------------------------------------------------------------------


def test_other_service_run_forever_is_left_alone_by_every_rule():
    check_noop('import websocket\nws = websocket.WebSocketApp("wss://example.com/feed", header={})\nws.run_forever()\n')


def test_already_migrated_output_is_left_alone():
    migrated = migrate_source(
        f'import websocket\nws = websocket.WebSocketApp("{V2}", header={{}})\nws.run_forever()\n', select=["STT007"]
    ).code
    check_noop(migrated, select=["STT007"])


# --- regressions -----------------------------------------------------------------------------


def test_thread_without_a_name_note_is_written_in_the_code():
    result = migrate_source(
        f'import threading, websocket\nws = websocket.WebSocketApp("{V2}", header={{}})\n'
        "threading.Thread(target=ws.run_forever).start()\n",
        select=["STT007"],
    )
    assert "# migrate-stt(STT007)" in result.code


def test_unassigned_app_is_noted():
    result = migrate_source(
        f'import websocket\nwebsocket.WebSocketApp("{V2}", header={{}}).run_forever()\n', select=["STT007"]
    )
    assert result.notes


def test_generated_thread_name_does_not_clobber_the_script():
    result = migrate_source(
        f'import websocket\nws_thread = "mine"\nws = websocket.WebSocketApp("{V2}", header={{}})\nws.run_forever()\n'
        "print(ws_thread)\n",
        select=["STT007"],
    )
    assert "ws_thread = threading.Thread(" not in result.code


@pytest.mark.parametrize("terminate", ['    ws.send(json.dumps({"terminate_session": True}))\n', ""])
def test_a_blocking_run_whose_ctrl_c_handler_closes_moves_to_a_thread_so_the_handler_runs(terminate):
    # websocket-client's run_forever() catches KeyboardInterrupt itself and returns: the
    # script's own handler, and the Terminate in it, would never run.
    result = migrate_source(
        'import json, websocket\nws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})\n'
        "try:\n    ws.run_forever()\nexcept KeyboardInterrupt:\n" + terminate + "    ws.close()\n",
        select=["STT007"] + (["STT006"] if terminate else []),
    )
    sent = (
        '    ws.send(json.dumps({"type": "Terminate"}))\n'
        "    # wait until Termination arrives and the server closes\n"
        "    ws_thread.join(timeout=5)\n"
        if terminate
        else "    if ws.sock and ws.sock.connected:\n"
        '        ws.send(json.dumps({"type": "Terminate"}))\n'
        "        # wait until Termination arrives and the server closes\n"
        "        ws_thread.join(timeout=5)\n"
    )
    assert result.code.endswith(
        "try:\n"
        "    # in a thread: run_forever() would catch Ctrl-C before the handler below\n"
        "    ws_thread = threading.Thread(target=ws.run_forever, daemon=True)\n"
        "    ws_thread.start()\n"
        "    while ws_thread.is_alive():\n"
        "        time.sleep(0.1)\n"
        "except KeyboardInterrupt:\n" + sent + "    ws.close()\n"
    )
    assert result.code.startswith("import json, websocket\nimport threading\nimport time\n")
    check_noop(result.code, select=["STT007"])


CONNECTION = (
    "import json, websocket\n"
    'ws = websocket.create_connection("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1", header={})\n'
)


def test_a_connection_read_by_the_thread_handling_ctrl_c_reads_to_termination_before_closing():
    result = migrate_source(
        CONNECTION + "try:\n    while True:\n        print(ws.recv())\nexcept KeyboardInterrupt:\n"
        '    ws.send(json.dumps({"type": "Terminate"}))\n    ws.close()\n',
        select=["STT007"],
    )
    assert result.code.endswith(
        "except KeyboardInterrupt:\n"
        '    ws.send(json.dumps({"type": "Terminate"}))\n'
        "    # read until Termination: v3 sends the last turn after Terminate\n"
        "    ws.settimeout(5)\n"
        "    try:\n"
        "        while True:\n"
        "            message = json.loads(ws.recv())\n"
        '            if message.get("type") == "Termination":\n'
        "                break\n"
        '            if message.get("type") == "Turn" and message.get("end_of_turn"):\n'
        '                print(message.get("transcript", ""))\n'
        "    except (websocket.WebSocketException, OSError, ValueError):\n"
        "        pass\n"
        "    ws.close()\n"
    )
    check_noop(result.code, select=["STT007"])


def test_a_connection_closed_after_terminate_where_another_thread_reads_gets_a_note():
    result = migrate_source(
        CONNECTION + 'def stop():\n    ws.send(json.dumps({"type": "Terminate"}))\n    ws.close()\n',
        select=["STT007"],
    )
    assert "ws.recv()" not in result.code
    assert [(note.original_line, note.code) for note in result.notes] == [(5, "STT007")]
    assert "keep reading until Termination (bounded) before closing" in result.notes[0].message
