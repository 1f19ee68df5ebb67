import pytest

from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

URL = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'


def transformed(before: str, after: str, head: str = URL):
    return check_transformed(head + before, head + after, select=["STT009"])


def no_counterpart(code: int, meaning: str) -> str:
    return (
        f"# migrate-stt(STT009, error): {code} is a v2 close code ({meaning}) with no v3 counterpart; v3 closes normally "
        "with 1000 and reports errors with 1008 and 3005-3009"
    )


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


# --- every mapped code, in each comparison form ---------------------------------------------


@pytest.mark.parametrize(
    "v2, v3",
    [
        (4001, 1008),
        (4002, 1008),
        (4008, 3008),
        (4029, 3007),
        (4032, 3007),
        (4033, 3007),
        (4100, 3006),
        (4101, 3006),
        (4102, 3009),
    ],
)
def test_each_mapped_code_in_an_equality(v2, v3):
    transformed(f"def f(code):\n    return code == {v2}\n", f"def f(code):\n    return code == {v3}\n")


def test_reversed_and_not_equal_comparisons():
    transformed(
        "def f(code):\n    a = 4008 == code\n    b = code != 4001\n",
        "def f(code):\n    a = 3008 == code\n    b = code != 1008\n",
    )


def test_websocket_client_on_close_status_code():
    transformed(
        "def on_close(ws, close_status_code, close_msg):\n    if close_status_code == 4008:\n        print('expired')\n",
        "def on_close(ws, close_status_code, close_msg):\n    if close_status_code == 3008:\n        print('expired')\n",
    )


def test_assert_with_message_keeps_the_message():
    transformed(
        "def f(e):\n    assert e.code == 4008, 'Not a websocket 4008 error'\n",
        "def f(e):\n    assert e.code == 3008, 'Not a websocket 4008 error'\n",
    )


def test_match_case_values():
    result = transformed(
        "def f(code):\n    match code:\n        case 4008:\n            pass\n        case 4031:\n            pass\n",
        "def f(code):\n"
        f"    {no_counterpart(4031, 'session idle')}\n"
        "    match code:\n        case 3008:\n            pass\n        case 4031:\n            pass\n",
    )
    assert note_codes(result) == [(3, "STT009")]


def test_unmapped_code_note_exact():
    result = transformed(
        "def f(code):\n    return code == 4000 or code == 4102\n",
        f"def f(code):\n    {no_counterpart(4000, 'bad sample rate')}\n    return code == 4000 or code == 3009\n",
    )
    assert note_codes(result) == [(3, "STT009")]


# --- ConnectionClosedOK ---------------------------------------------------------------------


def test_ok_handler_goes_before_a_bare_except():
    result = migrate_source(
        "import websockets.exceptions as wse\n" + URL + "async def r(ws):\n    try:\n        await ws.recv()\n"
        "    except wse.ConnectionClosedError:\n        pass\n    except:\n        raise\n",
        select=["STT009"],
    )
    assert result.code.endswith(
        "    except wse.ConnectionClosedError:\n        pass\n    except wse.ConnectionClosedOK:\n        return\n"
        "    except:\n        raise\n"
    )


def test_ok_handler_without_a_catch_all_goes_last():
    check_transformed(
        "import websockets\n" + URL + "async def r(ws):\n    while True:\n        try:\n            await ws.recv()\n"
        "        except websockets.ConnectionClosedError:\n            break\n",
        "import websockets\n" + URL + "async def r(ws):\n    while True:\n        try:\n            await ws.recv()\n"
        "        except websockets.ConnectionClosedError:\n            break\n"
        "        except websockets.ConnectionClosedOK:\n            break\n",
        select=["STT009"],
    )


def test_ok_import_joins_the_error_import_from_websockets():
    check_transformed(
        "from websockets import ConnectionClosedError\n" + URL + "async def r(ws):\n    try:\n        await ws.recv()\n"
        "    except ConnectionClosedError:\n        pass\n",
        "from websockets import ConnectionClosedError, ConnectionClosedOK\n"
        + URL
        + "async def r(ws):\n    try:\n        await ws.recv()\n"
        "    except ConnectionClosedError:\n        pass\n    except ConnectionClosedOK:\n        return\n",
        select=["STT009"],
    )


def test_at_module_level_the_ok_handler_passes():
    transformed(
        "import websockets\ntry:\n    run()\nexcept websockets.ConnectionClosedError as e:\n    print(e.code)\n",
        "import websockets\ntry:\n    run()\nexcept websockets.ConnectionClosedError as e:\n    print(e.code)\n"
        "except websockets.ConnectionClosedOK:\n    pass\n",
    )


def test_try_that_already_handles_ok_is_left_alone():
    check_noop(
        "import websockets\n" + URL + "async def r(ws):\n    try:\n        await ws.recv()\n"
        "    except websockets.ConnectionClosedOK:\n        pass\n    except websockets.ConnectionClosedError:\n        pass\n",
        select=["STT009"],
    )


# --- left alone -----------------------------------------------------------------------------


def test_codes_in_other_contexts_are_left_alone():
    check_noop(
        URL + 'REASONS = {4008: "expired"}\ndef f(ws):\n    ws.close(4008)\n    return [4029]\n', select=["STT009"]
    )


def test_v3_codes_are_left_alone():
    check_noop(URL + "def f(code):\n    return code == 3008 or code in (1000, 3007)\n", select=["STT009"])


def test_already_v3_script_is_left_alone():
    check_noop(
        'import websockets\nURL = "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000"\n'
        "async def r(ws):\n    try:\n        await ws.recv()\n    except websockets.ConnectionClosedError as e:\n"
        "        assert e.code == 4008\n"
    )


# --- regressions -----------------------------------------------------------------------------


def test_membership_tests():
    transformed(
        "def f(code):\n    return code in (4029, 4032) or code in {4008} or code in [4100]\n",
        "def f(code):\n    return code in (3007, 3007) or code in {3008} or code in [3006]\n",
    )


def test_ordering_comparisons_are_not_close_codes():
    check_noop(URL + "def f(chunk):\n    return len(chunk) >= 4032\n", select=["STT009"])


def test_numbers_compared_with_values_not_named_like_codes_are_left_alone():
    """``rate == 4000`` compares a sample rate: no note above unrelated code."""
    check_noop(
        URL + "def f(rate, size):\n    if rate == 4000 or rate in (4000, 8000):\n        return size != 4001\n",
        select=["STT009"],
    )


def test_a_close_code_read_from_a_message_key_named_code():
    transformed(
        "def f(event):\n    return event['code'] == 4008 or event['status'] == 4001\n",
        "def f(event):\n    return event['code'] == 3008 or event['status'] == 1008\n",
    )
