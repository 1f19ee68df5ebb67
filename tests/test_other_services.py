"""Websocket code for other services shares words with AssemblyAI's v2 protocol
(``message_type``, ``audio_data``, ``run_forever``, ``extra_headers``, ``ConnectionClosed``).
migrate-stt must leave it exactly as it is, with no notes: in a monorepo it would otherwise
break unrelated code (found with the benchmark's false-positive files)."""

from __future__ import annotations

import pytest

import migrator.engine.core as engine
from migrator import migrate_source

CHAT_CLIENT = """import json
import websocket


def on_message(ws, message):
    data = json.loads(message)
    if data["message_type"] == "chat":
        print(data["text"])


ws = websocket.WebSocketApp("wss://chat.example.com/socket", on_message=on_message)
ws.run_forever()
"""

OTHER_SPEECH_SERVICE = """import base64
import json
import websocket

ws = websocket.create_connection("wss://speech.example.com/socket")
with open("a.raw", "rb") as f:
    chunk = f.read(3200)
    ws.send(json.dumps({"audio_data": base64.b64encode(chunk).decode("utf-8")}))
result = json.loads(ws.recv())
if result["message_type"] == "final":
    print(result["text"])
ws.close()
"""

ASYNC_FEED = """import asyncio
import json

import websockets


async def feed(token):
    async with websockets.connect("wss://feed.example.com", extra_headers={"Authorization": token}) as ws:
        try:
            while True:
                message = json.loads(await ws.recv())
                print(message["message_type"], message["text"])
        except websockets.exceptions.ConnectionClosed as error:
            if error.code == 4008:
                print("session expired")


asyncio.run(feed("secret"))
"""


OTHERS = pytest.mark.parametrize(
    "source", [CHAT_CLIENT, OTHER_SPEECH_SERVICE, ASYNC_FEED], ids=["chat", "speech", "async-feed"]
)


@OTHERS
def test_code_for_other_services_is_not_even_parsed(source):
    result = migrate_source(source)
    assert not result.parsed and result.code == source and not result.notes


@OTHERS
def test_parsed_anyway_it_is_left_alone(source, monkeypatch):
    """The engine's own gate, behind the prefilter: nothing ties the file to AssemblyAI."""
    monkeypatch.setattr(engine, "needs_migration_scan", lambda source, rule_classes: True)
    result = migrate_source(source)
    assert result.parsed
    assert result.code == source and not result.notes and not result.rules_applied


def test_the_same_code_talking_to_assemblyai_is_migrated():
    source = CHAT_CLIENT.replace(
        "wss://chat.example.com/socket", "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"
    )
    result = migrate_source(source)
    assert "streaming.assemblyai.com/v3/ws" in result.code and "STT007" in result.rules_applied
