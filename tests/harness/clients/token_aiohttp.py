"""Token flow over aiohttp: GET /v3/token with the key, then a v3 socket with ?token=."""

import asyncio
import json
import os

import aiohttp


async def main():
    async with aiohttp.ClientSession(base_url="https://streaming.assemblyai.com") as session:
        async with session.get(
            "/v3/token", params={"expires_in_seconds": 60}, headers={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]}
        ) as response:
            token = (await response.json())["token"]
        async with session.ws_connect(f"wss://streaming.assemblyai.com/v3/ws?sample_rate=16000&token={token}") as ws:
            print(json.loads((await ws.receive()).data)["type"])
            await ws.send_str(json.dumps({"type": "Terminate"}))
            async for message in ws:
                print(json.loads(message.data)["type"])


asyncio.run(main())
