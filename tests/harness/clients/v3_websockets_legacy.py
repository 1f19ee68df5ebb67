"""Short v3 session on the legacy websockets client (extra_headers), as older tutorials wrote it."""

import asyncio
import json
import os
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
from websockets.legacy.client import connect  # noqa: E402


async def main():
    async with connect(
        "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000",
        extra_headers={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]},
    ) as ws:
        print(json.loads(await ws.recv())["type"])
        await ws.send(json.dumps({"type": "Terminate"}))
        async for message in ws:
            print(json.loads(message)["type"])


asyncio.run(main())
