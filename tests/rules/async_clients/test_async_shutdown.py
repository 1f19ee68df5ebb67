import textwrap

import pytest

from migrator import migrate_source
from tests.migration_checks import check_noop

HEAD = "import asyncio\nimport json\nimport websockets\nURL = 'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000'\n"


def migrate(body: str):
    return migrate_source(HEAD + textwrap.dedent(body), select=["STT011"])


def test_gather_gets_terminate_and_reads_with_the_scripts_receiver():
    result = migrate("""\
        async def main():
            async with websockets.connect(URL) as ws:
                async def receive():
                    while True:
                        print(await ws.recv())

                await asyncio.gather(send(ws), receive())
        """)
    assert (
        "        try:\n            await asyncio.gather(send(ws), receive())\n        finally:\n"
        "            # end the session (v3 bills until it ends), then read to Termination\n"
        "            try:\n"
        '                await ws.send(json.dumps({"type": "Terminate"}))\n'
        "                await asyncio.wait_for(receive(), timeout=5)\n"
        "            except (websockets.exceptions.ConnectionClosed, asyncio.TimeoutError):\n"
        "                pass\n"
    ) in result.code


def test_receiver_that_stops_on_a_flag_is_replaced_by_a_drain_loop():
    result = migrate("""\
        async def main():
            async with websockets.connect(URL) as ws:
                async def receive():
                    while state["run"]:
                        print(await ws.recv())

                await asyncio.gather(send(ws), receive())
        """)
    assert (
        "                while True:\n                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))\n"
        in result.code
    )
    assert (
        '                    if message.get("type") == "Termination":\n                        break\n' in result.code
    )


def test_receiver_method_of_the_class_is_used():
    result = migrate("""\
        class C:
            async def reader(self):
                while True:
                    print(await self.ws.recv())

            async def run(self):
                async with websockets.connect(URL) as ws:
                    self.ws = ws
                    await asyncio.gather(self.writer(), self.reader())
        """)
    assert "await asyncio.wait_for(self.reader(), timeout=5)" in result.code


def test_aiohttp_socket_uses_send_str_and_receive_json():
    result = migrate_source(
        "import asyncio, json, aiohttp\nURL = 'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1'\n"
        "async def main(session):\n    async with session.ws_connect(URL) as ws:\n        await asyncio.gather(a(), b())\n",
        select=["STT011"],
    )
    assert 'await ws.send_str(json.dumps({"type": "Terminate"}))' in result.code
    assert "message = await asyncio.wait_for(ws.receive_json(), timeout=5)" in result.code


def test_asyncio_run_ends_quietly_on_ctrl_c_and_breaks_reconnect_loops():
    result = migrate("""\
        async def main():
            async with websockets.connect(URL) as ws:
                await asyncio.gather(a(ws), b(ws))

        while True:
            asyncio.run(main())
        """)
    assert (
        "while True:\n    try:\n        asyncio.run(main())\n    except KeyboardInterrupt:\n        break\n"
        in result.code
    )


def test_close_right_after_terminate_gets_a_note():
    result = migrate("""\
        async def stop(ws):
            await ws.send(json.dumps({"terminate_session": True}))
            await ws.close()
        """)
    assert [note.code for note in result.notes] == ["STT011"]


def test_leaves_scripts_that_already_terminate_alone():
    check_noop(
        HEAD
        + "async def main():\n    async with websockets.connect(URL) as ws:\n        await asyncio.gather(a(ws), b(ws))\n        await ws.send(json.dumps({'terminate_session': True}))\n",
        select=["STT011"],
    )


def test_leaves_v3_scripts_alone():
    check_noop(
        HEAD.replace("api.assemblyai.com/v2/realtime/ws", "streaming.assemblyai.com/v3/ws")
        + "async def main():\n    async with websockets.connect(URL) as ws:\n        await asyncio.gather(a(ws), b(ws))\nasyncio.run(main())\n",
        select=["STT011"],
    )


def test_leaves_gather_outside_a_connection_alone():
    check_noop(HEAD + "async def main():\n    await asyncio.gather(a(), b())\n", select=["STT011"])


def test_awaited_reader_ending_the_session_block_gets_terminate():
    result = migrate("""\
        async def receive(ws):
            while True:
                print(await ws.recv())

        async def main():
            async with websockets.connect(URL) as ws:
                asyncio.ensure_future(send(ws))
                await receive(ws)
        """)
    assert "        try:\n            await receive(ws)\n        finally:\n" in result.code
    assert "await asyncio.wait_for(receive(ws), timeout=5)" in result.code


def test_session_with_no_recognisable_shape_gets_a_note():
    result = migrate("""\
        async def main():
            async with websockets.connect(URL) as ws:
                await ws.send(b"")
                print(await ws.recv())
        """)
    assert [note.code for note in result.notes] == ["STT011"]
    assert "Terminate" not in result.code.split("# migrate-stt")[0]


SESSION = (
    "async def main():\n"
    "    async with websockets.connect(URL, extra_headers={'Authorization': 'k'}) as ws:\n"
    "        await asyncio.gather(send(ws), receive(ws))\n"
)


def test_event_loop_used_for_nothing_else_becomes_asyncio_run():
    source = HEAD + SESSION + "\n\nloop = asyncio.get_event_loop()\nloop.run_until_complete(main())\nloop.close()\n"
    result = migrate_source(source, select=["STT011"])
    assert result.code.endswith("\n\ntry:\n    asyncio.run(main())\nexcept KeyboardInterrupt:\n    pass\n")
    assert "get_event_loop" not in result.code and "loop.close" not in result.code
    assert not result.notes


def test_run_until_complete_in_a_reconnect_loop_breaks_it_on_ctrl_c():
    source = HEAD + SESSION + "loop = asyncio.new_event_loop()\nwhile True:\n    loop.run_until_complete(main())\n"
    result = migrate_source(source, select=["STT011"])
    assert (
        "while True:\n    try:\n        asyncio.run(main())\n    except KeyboardInterrupt:\n        break\n"
        in result.code
    )


def test_event_loop_used_otherwise_keeps_run_until_complete_with_a_note():
    others = {
        "another task on it": "loop = asyncio.get_event_loop()\nloop.create_task(heartbeat())\nloop.run_until_complete(main())\n",
        "a function uses it": "async def heartbeat():\n    loop.call_later(1, print)\nloop = asyncio.get_event_loop()\nloop.run_until_complete(main())\n",
    }
    for shape, tail in others.items():
        result = migrate_source(HEAD + SESSION + tail, select=["STT011"])
        assert "loop.run_until_complete(main())" in result.code, shape
        assert [note.code for note in result.notes] == ["STT011"], shape


def test_a_local_loop_of_the_same_name_is_not_a_use():
    source = (
        HEAD
        + SESSION
        + "async def tick():\n    loop = asyncio.get_running_loop()\n    loop.call_soon(print)\nloop = asyncio.get_event_loop()\nloop.run_until_complete(main())\n"
    )
    result = migrate_source(source, select=["STT011"])
    assert "asyncio.run(main())" in result.code and "loop.call_soon(print)" in result.code


@pytest.mark.parametrize("handler", ["KeyboardInterrupt", "(KeyboardInterrupt, SystemExit)", "BaseException", ""])
def test_asyncio_run_inside_the_scripts_own_ctrl_c_handler_is_not_wrapped_again(handler):
    entry = (
        f"\n\nif __name__ == '__main__':\n    try:\n        asyncio.run(main())\n    except {handler}:\n        pass\n"
    )
    source = HEAD + SESSION + entry.replace("except :", "except:")
    result = migrate_source(source, select=["STT011"])
    assert result.code.endswith(entry.replace("except :", "except:"))
    assert result.code.count("KeyboardInterrupt") == entry.count("KeyboardInterrupt")


def test_asyncio_run_under_a_handler_that_lets_ctrl_c_through_is_wrapped():
    source = HEAD + SESSION + "\n\ntry:\n    asyncio.run(main())\nexcept OSError:\n    pass\n"
    result = migrate_source(source, select=["STT011"])
    assert "try:\n    try:\n        asyncio.run(main())\n    except KeyboardInterrupt:\n        pass\n" in result.code


def test_an_async_for_over_the_socket_in_the_session_coroutine_ends_with_terminate_and_a_drain():
    result = migrate(
        """\
        async def main():
            async with websockets.connect(URL) as ws:
                async for raw in ws:
                    print(raw)


        asyncio.run(main())
        """
    )
    assert (
        "        try:\n"
        "            async for raw in ws:\n"
        "                print(raw)\n"
        "        finally:\n"
        "            # end the session (v3 bills until it ends), then read to Termination\n"
        "            try:\n"
        '                await ws.send(json.dumps({"type": "Terminate"}))\n'
        "                while True:\n"
        "                    message = json.loads(await asyncio.wait_for(ws.recv(), timeout=5))\n"
        '                    if message.get("type") == "Termination":\n'
        "                        break\n"
        '                    if message.get("type") == "Turn" and message.get("end_of_turn"):\n'
        '                        print(message.get("transcript", ""))\n'
        "            except (websockets.exceptions.ConnectionClosed, asyncio.TimeoutError):\n"
        "                pass\n"
    ) in result.code
    assert result.code.endswith("\n\ntry:\n    asyncio.run(main())\nexcept KeyboardInterrupt:\n    pass\n")
    assert not result.notes


def test_an_async_for_in_a_reader_coroutine_leaves_the_terminate_to_the_gather():
    result = migrate("""\
        async def main():
            async with websockets.connect(URL) as ws:
                async def receive():
                    async for raw in ws:
                        print(raw)

                await asyncio.gather(send(ws), receive())
        """)
    assert result.code.count('"Terminate"') == 1
    assert "        try:\n            await asyncio.gather(send(ws), receive())\n        finally:\n" in result.code
