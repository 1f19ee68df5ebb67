"""Broken v3 client: streams a WAV file in a tight loop, far faster than real time."""

import json
import os
import sys
import wave

import websocket

with wave.open(os.environ["STT_HARNESS_AUDIO"], "rb") as wav:
    audio = wav.readframes(wav.getnframes())

ws = websocket.create_connection(
    "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000&format_turns=true",
    header={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]},
)
try:
    for _ in range(4):
        for start in range(0, len(audio), 1600):
            ws.send_binary(audio[start : start + 1600].ljust(1600, b"\0"))
    ws.send(json.dumps({"type": "Terminate"}))
    while True:
        message = ws.recv()
        if not message:  # the server closed
            break
        data = json.loads(message)
        if data["type"] == "Turn" and data["end_of_turn"] and data["turn_is_formatted"]:
            print(data["transcript"])
except websocket.WebSocketException as error:
    print(f"closed: {error}", file=sys.stderr)
finally:
    ws.close()
