"""Half-migrated script: v3 URL, but still v2 base64 JSON audio and terminate_session."""

import asyncio
import base64
import json
import os
import signal

import pyaudio
import websockets

URL = "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000&format_turns=true"


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    audio = pyaudio.PyAudio()
    stream = audio.open(format=pyaudio.paInt16, channels=1, rate=16000, input=True, frames_per_buffer=800)
    try:
        async with websockets.connect(
            URL, additional_headers={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]}
        ) as ws:

            async def send():
                while not stop.is_set():
                    data = await loop.run_in_executor(None, stream.read, 800, False)
                    await ws.send(json.dumps({"audio_data": base64.b64encode(data).decode("utf-8")}))
                await ws.send(json.dumps({"terminate_session": True}))

            sender = asyncio.create_task(send())
            try:
                async for message in ws:
                    data = json.loads(message)
                    if data.get("type") == "Turn" and data["end_of_turn"] and data["turn_is_formatted"]:
                        print(data["transcript"])
            except websockets.ConnectionClosed as closed:
                print(f"closed: {closed}")
            sender.cancel()
    finally:
        stream.close()
        audio.terminate()


asyncio.run(main())
