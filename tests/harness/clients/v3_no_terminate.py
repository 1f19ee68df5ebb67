"""Broken v3 client: on Ctrl-C it closes the socket without sending Terminate."""

import json
import os
import threading
from urllib.parse import urlencode

import pyaudio
import websocket

SAMPLE_RATE = 16000
FRAMES_PER_BUFFER = 800  # 50 ms
URL = "wss://streaming.assemblyai.com/v3/ws?" + urlencode({"sample_rate": SAMPLE_RATE, "format_turns": True})

stop = threading.Event()
terminated = threading.Event()
audio = pyaudio.PyAudio()
stream = audio.open(
    format=pyaudio.paInt16, channels=1, rate=SAMPLE_RATE, input=True, frames_per_buffer=FRAMES_PER_BUFFER
)


def on_open(ws):
    def send_audio():
        while not stop.is_set():
            data = stream.read(FRAMES_PER_BUFFER, exception_on_overflow=False)
            if not stop.is_set():
                ws.send(data, websocket.ABNF.OPCODE_BINARY)

    threading.Thread(target=send_audio, daemon=True).start()


def on_message(ws, message):
    data = json.loads(message)
    if data["type"] == "Begin":
        print("Session began")
    elif data["type"] == "Turn" and data["end_of_turn"] and data["turn_is_formatted"]:
        print(data["transcript"])
    elif data["type"] == "Termination":
        print(f"Session terminated: {data['audio_duration_seconds']} s of audio")
        terminated.set()


def on_close(ws, code, reason):
    terminated.set()


ws_app = websocket.WebSocketApp(
    URL,
    header={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]},
    on_open=on_open,
    on_message=on_message,
    on_close=on_close,
)
thread = threading.Thread(target=ws_app.run_forever, daemon=True)
thread.start()
try:
    while thread.is_alive():
        thread.join(0.1)
except KeyboardInterrupt:
    stop.set()
    ws_app.close()
    thread.join(2)
finally:
    stream.stop_stream()
    stream.close()
    audio.terminate()
