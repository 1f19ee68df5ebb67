"""v2 client in the style of the asyncio tutorial: base64 JSON audio, prints every text."""

import asyncio
import base64
import json
import os
import signal

import pyaudio
import websockets

SAMPLE_RATE = 16000
FRAMES_PER_BUFFER = 3200  # 200 ms
URL = f"wss://api.assemblyai.com/v2/realtime/ws?sample_rate={SAMPLE_RATE}"


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    audio = pyaudio.PyAudio()
    stream = audio.open(
        format=pyaudio.paInt16, channels=1, rate=SAMPLE_RATE, input=True, frames_per_buffer=FRAMES_PER_BUFFER
    )
    async with websockets.connect(URL, additional_headers={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]}) as ws:
        print(json.loads(await ws.recv())["message_type"])

        async def send():
            while not stop.is_set():
                data = await loop.run_in_executor(None, stream.read, FRAMES_PER_BUFFER, False)
                data = base64.b64encode(data).decode("utf-8")
                await ws.send(json.dumps({"audio_data": str(data)}))
            await ws.send(json.dumps({"terminate_session": True}))

        sender = asyncio.create_task(send())
        async for message in ws:
            result = json.loads(message)
            if result["message_type"] == "FinalTranscript":
                print(result["text"])
            elif result["message_type"] == "SessionTerminated":
                break
        await sender
    stream.close()
    audio.terminate()


asyncio.run(main())
