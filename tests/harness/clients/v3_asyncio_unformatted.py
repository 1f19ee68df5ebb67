"""v3 client on the websockets asyncio API that does not ask for format_turns: its finals are
the unformatted words, printed on each end of turn."""

import asyncio
import json
import os
import signal

import pyaudio
import websockets

SAMPLE_RATE = 16000
FRAMES_PER_BUFFER = 800
URL = f"wss://streaming.assemblyai.com/v3/ws?sample_rate={SAMPLE_RATE}"


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    audio = pyaudio.PyAudio()
    stream = audio.open(
        format=pyaudio.paInt16, channels=1, rate=SAMPLE_RATE, input=True, frames_per_buffer=FRAMES_PER_BUFFER
    )
    try:
        async with websockets.connect(
            URL, additional_headers={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]}
        ) as ws:

            async def send_audio():
                while not stop.is_set():
                    data = await loop.run_in_executor(None, stream.read, FRAMES_PER_BUFFER, False)
                    if not stop.is_set():
                        await ws.send(data)
                await ws.send(json.dumps({"type": "Terminate"}))

            sender = asyncio.create_task(send_audio())
            async for message in ws:
                data = json.loads(message)
                if data["type"] == "Turn" and data["end_of_turn"]:
                    print(data["transcript"])
                elif data["type"] == "Termination":
                    print("Session terminated")
            await sender
    finally:
        stream.close()
        audio.terminate()


asyncio.run(main())
