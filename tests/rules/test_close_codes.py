from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

URL = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'


def test_session_expired_code_becomes_3008():
    check_transformed(
        URL + "def on_close(ws, code, msg):\n    assert code == 4008\n",
        URL + "def on_close(ws, code, msg):\n    assert code == 3008\n",
        select=["STT009"],
    )


def test_rate_and_chunk_codes_become_3007():
    result = migrate_source(
        URL + "def f(code):\n    return code in (4029,) or code == 4032 or code == 4033\n", select=["STT009"]
    )
    assert "code == 3007 or code == 3007" in result.code


def test_code_without_v3_counterpart_gets_a_note():
    result = migrate_source(
        URL + "def on_close(ws, code, msg):\n    if code == 4031:\n        pass\n", select=["STT009"]
    )
    assert "code == 4031" in result.code
    assert note_codes(result) == [(3, "STT009")]


def test_connection_closed_ok_is_handled_before_catch_all():
    result = migrate_source(
        "import websockets\n" + URL + "async def r(ws):\n    while True:\n        try:\n            await ws.recv()\n"
        "        except websockets.exceptions.ConnectionClosedError as e:\n            break\n        except Exception:\n            assert False\n",
        select=["STT009"],
    )
    assert (
        "        except websockets.exceptions.ConnectionClosedError as e:\n            break\n"
        "        except websockets.exceptions.ConnectionClosedOK:\n            break\n"
        "        except Exception:\n"
    ) in result.code


def test_outside_a_loop_the_ok_handler_returns():
    result = migrate_source(
        "from websockets.exceptions import ConnectionClosedError\n"
        + URL
        + "async def r(ws):\n    try:\n        await ws.recv()\n    except ConnectionClosedError:\n        raise\n",
        select=["STT009"],
    )
    assert "    except ConnectionClosedOK:\n        return\n" in result.code


def test_leaves_try_that_handles_all_closes_alone():
    check_noop(
        "import websockets\n" + URL + "async def r(ws):\n    try:\n        await ws.recv()\n"
        "    except websockets.exceptions.ConnectionClosedError:\n        pass\n    except websockets.exceptions.ConnectionClosed:\n        pass\n",
        select=["STT009"],
    )


def test_leaves_numbers_outside_comparisons_alone():
    check_noop(URL + "x = 4008\n", select=["STT009"])


def test_leaves_close_codes_in_unrelated_files_alone():
    check_noop(
        "import websockets\ndef f(e):\n    assert e.code == 4008\n    try:\n        pass\n    except websockets.exceptions.ConnectionClosedError:\n        pass\n",
        select=["STT009"],
    )
