"""v3 client on aiohttp's ws_connect."""

import asyncio
import json
import os
import signal

import aiohttp
import pyaudio

SAMPLE_RATE = 16000
FRAMES_PER_BUFFER = 800
URL = f"wss://streaming.eu.assemblyai.com/v3/ws?sample_rate={SAMPLE_RATE}&format_turns=true"


async def main():
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    audio = pyaudio.PyAudio()
    stream = audio.open(
        format=pyaudio.paInt16, channels=1, rate=SAMPLE_RATE, input=True, frames_per_buffer=FRAMES_PER_BUFFER
    )
    headers = {"Authorization": os.environ["ASSEMBLYAI_API_KEY"]}
    try:
        async with aiohttp.ClientSession() as session:
            async with session.ws_connect(URL, headers=headers) as ws:

                async def send_audio():
                    while not stop.is_set():
                        data = await loop.run_in_executor(None, stream.read, FRAMES_PER_BUFFER, False)
                        if not stop.is_set():
                            await ws.send_bytes(data)
                    await ws.send_str(json.dumps({"type": "Terminate"}))

                sender = asyncio.create_task(send_audio())
                async for message in ws:
                    if message.type != aiohttp.WSMsgType.TEXT:
                        break
                    data = json.loads(message.data)
                    if data["type"] == "Turn" and data["end_of_turn"] and data["turn_is_formatted"]:
                        print(data["transcript"])
                    elif data["type"] == "Termination":
                        print("Session terminated")
                await sender
    finally:
        stream.close()
        audio.terminate()


asyncio.run(main())
