"""v3 client on websocket.create_connection, fed by a pyaudio callback stream."""

import json
import os
import queue
import threading

import pyaudio
import websocket

SAMPLE_RATE = 16000
FRAMES_PER_BUFFER = 1600  # 100 ms
chunks = queue.Queue()


def callback(in_data, frame_count, time_info, status):
    chunks.put(in_data)
    return (None, pyaudio.paContinue)


ws = websocket.create_connection(
    f"wss://streaming.us.assemblyai.com/v3/ws?sample_rate={SAMPLE_RATE}",
    header={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]},
)
terminated = threading.Event()


def receive():
    while True:
        try:
            data = json.loads(ws.recv())
        except (websocket.WebSocketConnectionClosedException, ValueError):
            break
        if data["type"] == "Turn" and data["end_of_turn"]:
            print(data["transcript"])
        elif data["type"] == "Termination":
            terminated.set()
            break


receiver = threading.Thread(target=receive, daemon=True)
receiver.start()
audio = pyaudio.PyAudio()
stream = audio.open(
    format=pyaudio.paInt16,
    channels=1,
    rate=SAMPLE_RATE,
    input=True,
    frames_per_buffer=FRAMES_PER_BUFFER,
    stream_callback=callback,
)
try:
    while stream.is_active():
        ws.send_binary(chunks.get())
except KeyboardInterrupt:
    stream.stop_stream()
    ws.send(json.dumps({"type": "Terminate"}))
    terminated.wait(5)
finally:
    stream.close()
    audio.terminate()
    ws.close()
