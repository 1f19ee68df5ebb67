from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed

URL = "URL = 'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000'\n"
V3_URL = "URL = 'wss://streaming.assemblyai.com/v3/ws?sample_rate=16000'\n"


def transformed(imports: str, before: str, after: str, url: str = URL):
    return check_transformed(imports + url + before, imports + url + after, select=["STT010"])


# --- the new client: extra_headers -> additional_headers ---------------------------------


def test_new_client_gets_additional_headers():
    result = migrate_source(
        "import websockets\n" + URL + "c = websockets.connect(URL, extra_headers=H)\n", select=["STT010"]
    )
    assert "c = websockets.connect(URL, additional_headers=H)" in result.code


def test_module_connect_exact_and_other_arguments_kept():
    transformed(
        "import websockets\n",
        "c = websockets.connect(URL, extra_headers={'Authorization': KEY}, ping_interval=5, max_size=None)\n",
        "c = websockets.connect(URL, additional_headers={'Authorization': KEY}, ping_interval=5, max_size=None)\n",
    )


def test_async_with_in_a_coroutine():
    transformed(
        "import websockets\n",
        "async def main():\n    async with websockets.connect(URL, extra_headers=[('Authorization', KEY)]) as ws:\n"
        "        await ws.send('x')\n",
        "async def main():\n    async with websockets.connect(URL, additional_headers=[('Authorization', KEY)]) as ws:\n"
        "        await ws.send('x')\n",
    )


def test_module_alias():
    transformed(
        "import websockets as wsl\n",
        "c = wsl.connect(URL, extra_headers=H)\n",
        "c = wsl.connect(URL, additional_headers=H)\n",
    )


def test_from_websockets_import_connect():
    transformed(
        "from websockets import connect\n",
        "c = connect(URL, extra_headers=H)\n",
        "c = connect(URL, additional_headers=H)\n",
    )


def test_alias_and_asyncio_client_import():
    result = migrate_source(
        "from websockets.asyncio.client import connect\n"
        + URL
        + "c = connect(URL, extra_headers=(('Authorization', k),))\n",
        select=["STT010"],
    )
    assert "connect(URL, additional_headers=(('Authorization', k),))" in result.code


def test_sync_client_with_an_alias():
    transformed(
        "from websockets.sync.client import connect as ws_connect\n",
        "with ws_connect(URL, extra_headers=H) as ws:\n    ws.send('x')\n",
        "with ws_connect(URL, additional_headers=H) as ws:\n    ws.send('x')\n",
    )


def test_asyncio_client_by_attribute():
    transformed(
        "import websockets.asyncio.client\n",
        "c = websockets.asyncio.client.connect(URL, extra_headers=H)\n",
        "c = websockets.asyncio.client.connect(URL, additional_headers=H)\n",
    )


def test_multiline_call_keeps_its_layout():
    transformed(
        "import websockets\n",
        "c = websockets.connect(\n    URL,\n    extra_headers=H,  # the key\n    ping_interval=5,\n)\n",
        "c = websockets.connect(\n    URL,\n    additional_headers=H,  # the key\n    ping_interval=5,\n)\n",
    )


def test_already_v3_url_with_extra_headers_is_fixed_too():
    # The v3 URL does not make websockets 14 accept extra_headers.
    transformed(
        "import websockets\n",
        "c = websockets.connect(URL, extra_headers=H)\n",
        "c = websockets.connect(URL, additional_headers=H)\n",
        url=V3_URL,
    )


def test_with_every_rule_the_header_and_endpoint_both_change():
    result = migrate_source("import websockets\n" + URL + "c = websockets.connect(URL, extra_headers=H)\n")
    assert "c = websockets.connect(URL, additional_headers=H)" in result.code
    assert "streaming.assemblyai.com/v3/ws" in result.code


# --- the legacy client: keeps (or gets back) extra_headers -------------------------------


def test_legacy_import_keeps_extra_headers():
    check_noop(
        "from websockets.legacy.client import connect\n" + URL + "c = connect(URL, extra_headers=H)\n",
        select=["STT010"],
    )


def test_websockets_client_module_is_legacy():
    check_noop(
        "from websockets.client import connect\n" + URL + "c = connect(URL, extra_headers=H)\n", select=["STT010"]
    )
    check_noop(
        "from websockets import client\n" + URL + "c = client.connect(URL, extra_headers=H)\n", select=["STT010"]
    )


def test_legacy_module_alias_keeps_extra_headers():
    check_noop(
        "import websockets.legacy.client as legacy\n" + URL + "c = legacy.connect(URL, extra_headers=H)\n",
        select=["STT010"],
    )


def test_legacy_import_with_additional_headers_is_corrected():
    result = migrate_source(
        "import websockets.legacy.client\n" + URL + "c = websockets.legacy.client.connect(URL, additional_headers=H)\n",
        select=["STT010"],
    )
    assert "connect(URL, extra_headers=H)" in result.code


def test_legacy_from_import_with_additional_headers_exact():
    transformed(
        "from websockets.legacy.client import connect\n",
        "c = connect(URL, additional_headers=H)\n",
        "c = connect(URL, extra_headers=H)\n",
    )


# --- left alone ------------------------------------------------------------------------


def test_new_client_already_on_additional_headers_is_left_alone():
    check_noop("import websockets\n" + URL + "c = websockets.connect(URL, additional_headers=H)\n", select=["STT010"])


def test_connect_without_headers_is_left_alone():
    check_noop("import websockets\n" + URL + "c = websockets.connect(URL, ping_interval=5)\n", select=["STT010"])


def test_other_libraries_connect_is_left_alone():
    check_noop(
        "import aiohttp, websocket\n" + URL + "def f(session):\n"
        "    a = session.ws_connect(URL, headers=H)\n"
        "    b = websocket.create_connection(URL, header=H)\n"
        "    c = db.connect(URL, extra_headers=H)\n",
        select=["STT010"],
    )


def test_leaves_connections_in_unrelated_files_alone():
    check_noop("import websockets\nc = websockets.connect('wss://example.com', extra_headers=H)\n", select=["STT010"])


def test_other_service_file_is_left_alone_by_every_rule():
    check_noop(
        "import websockets\n\n\nasync def main():\n"
        "    async with websockets.connect('wss://api.example.com/stream', extra_headers={'X-Key': KEY}) as ws:\n"
        '        await ws.send(\'{"message_type": "hello"}\')\n'
    )


def test_connect_through_partial():
    transformed(
        "import functools\nimport websockets\n",
        "c = functools.partial(websockets.connect, URL, extra_headers=H)\n",
        "c = functools.partial(websockets.connect, URL, additional_headers=H)\n",
    )
