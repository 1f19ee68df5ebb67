"""v2 client on websocket-client in the docs' shape: binary frames, partials on one line."""

import json
import os
import threading

import pyaudio
import websocket

SAMPLE_RATE = 16000
FRAMES_PER_BUFFER = 3200  # 200 ms

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
    transcript = json.loads(message)
    if transcript["message_type"] == "PartialTranscript":
        print(transcript["text"], end="\r")
    elif transcript["message_type"] == "FinalTranscript":
        print(transcript["text"])
    elif transcript["message_type"] == "SessionTerminated":
        terminated.set()


ws_app = websocket.WebSocketApp(
    f"wss://api.assemblyai.com/v2/realtime/ws?sample_rate={SAMPLE_RATE}",
    header={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]},
    on_open=on_open,
    on_message=on_message,
    on_close=lambda ws, code, reason: terminated.set(),
)
thread = threading.Thread(target=ws_app.run_forever, daemon=True)
thread.start()
try:
    while thread.is_alive():
        thread.join(0.1)
except KeyboardInterrupt:
    stop.set()
    ws_app.send(json.dumps({"terminate_session": True}))
    terminated.wait(5)
    ws_app.close()
    thread.join(2)
finally:
    stream.close()
    audio.terminate()
