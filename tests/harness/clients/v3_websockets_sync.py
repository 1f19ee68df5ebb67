"""Short v3 session on the websockets sync client: Begin, Terminate, Termination."""

import json
import os

from websockets.sync.client import connect

with connect(
    "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000",
    additional_headers={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]},
) as ws:
    print(json.loads(ws.recv())["type"])
    ws.send(json.dumps({"type": "Terminate"}))
    for message in ws:
        print(json.loads(message)["type"])
