"""The 2022 asyncio tutorial shape: websockets.connect(..., extra_headers=...), as written for websockets < 14."""

import asyncio
import base64
import json
import os

import pyaudio
import websockets

URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"
audio = pyaudio.PyAudio()
stream = audio.open(format=pyaudio.paInt16, channels=1, rate=16000, input=True, frames_per_buffer=3200)


async def send_receive():
    async with websockets.connect(
        URL, extra_headers=(("Authorization", os.environ["ASSEMBLYAI_API_KEY"]),), ping_interval=5, ping_timeout=20
    ) as _ws:
        await asyncio.sleep(0.1)
        session_begins = await _ws.recv()
        print(json.loads(session_begins)["message_type"])

        async def send():
            while True:
                data = stream.read(3200)
                data = base64.b64encode(data).decode("utf-8")
                await _ws.send(json.dumps({"audio_data": str(data)}))
                await asyncio.sleep(0.01)

        async def receive():
            while True:
                result = json.loads(await _ws.recv())
                if result["message_type"] == "FinalTranscript":
                    print(result["text"])

        await asyncio.gather(send(), receive())


try:
    asyncio.run(send_receive())
except KeyboardInterrupt:
    pass
