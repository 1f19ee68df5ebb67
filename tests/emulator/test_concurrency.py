"""Many sessions at once, each with its own state, on both endpoints."""

import asyncio
import base64
import json

import pytest
from websockets.asyncio.client import connect

from tests.emulator.wire import KEY, pcm

pytestmark = pytest.mark.timeout(30)

SESSIONS = 24


async def v3_session(emulator, index):
    async with connect(
        f"{emulator.v3_url}?sample_rate=16000&format_turns=true", additional_headers={"Authorization": KEY}
    ) as ws:
        begin = json.loads(await ws.recv())
        for _ in range(8 + index % 3):  # 400-500 ms: one finished turn each, different totals
            await ws.send(pcm(50))
            await asyncio.sleep(0.005)
        await ws.send(json.dumps({"type": "Terminate"}))
        finals = [
            m["transcript"]
            for m in map(json.loads, [r async for r in ws])
            if m.get("type") == "Turn" and m["turn_is_formatted"]
        ]
        return begin["id"], finals


async def v2_session(emulator):
    async with connect(f"{emulator.v2_url}?sample_rate=16000", additional_headers={"Authorization": KEY}) as ws:
        await ws.recv()
        for _ in range(4):
            await ws.send(json.dumps({"audio_data": base64.b64encode(pcm(100)).decode()}))
        await ws.send(json.dumps({"terminate_session": True}))
        return [m["text"] for m in map(json.loads, [r async for r in ws]) if m.get("message_type") == "FinalTranscript"]


def test_two_dozen_concurrent_sessions_are_independent(make_emulator):
    emulator = make_emulator()

    async def main():
        return await asyncio.gather(
            *(v3_session(emulator, i) for i in range(SESSIONS)), *(v2_session(emulator) for _ in range(4))
        )

    results = asyncio.run(main())
    v3_results, v2_results = results[:SESSIONS], results[SESSIONS:]
    assert len({session_id for session_id, _ in v3_results}) == SESSIONS
    assert all(finals == ["Hello world."] for _, finals in v3_results)
    assert v2_results == [["Hello world."]] * 4
    records = emulator.wait_for_sessions(SESSIONS + 4)
    assert all((r.closed_by, r.close_code) == ("server", 1000) for r in records)
    assert sorted(len(r.frames) for r in records if r.endpoint == "v3") == sorted(9 + i % 3 for i in range(SESSIONS))
