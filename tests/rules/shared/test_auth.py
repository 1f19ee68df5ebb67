from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

V2_TOKEN = "https://api.assemblyai.com/v2/realtime/token"
V3_TOKEN = "https://streaming.assemblyai.com/v3/token"
CAP_NOTE = (
    "# migrate-stt(STT002): v3 tokens must be redeemed within 600 s (was {}); "
    "cap the session itself with max_session_duration_seconds\n"
)
CLIENT_NOTE = (
    "# migrate-stt(STT002): the browser or app that uses this token must connect to "
    "wss://streaming.assemblyai.com/v3/ws too\n"
)
AUTH_NOTE = (
    "# migrate-stt(STT002, error): v3 refuses a connection without an Authorization header or token (close 1008): "
    'pass header={"Authorization": API_KEY}\n'
)
WS_URL = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'


# --- temporary tokens ---------------------------------------------------------------------


def test_token_post_becomes_v3_get_with_capped_expiry():
    result = migrate_source(
        'import requests\nr = requests.post("https://api.assemblyai.com/v2/realtime/token", json={"expires_in": 3600}, headers={"authorization": KEY})\n'
    )
    assert (
        'r = requests.get("https://streaming.assemblyai.com/v3/token", params={"expires_in_seconds": 600}, headers={"authorization": KEY})'
        in result.code
    )
    assert len(result.notes) == 2


def test_token_post_exact_with_both_notes():
    result = check_transformed(
        f'import requests\nr = requests.post("{V2_TOKEN}", json={{"expires_in": 3600}}, headers={{"authorization": KEY}})\n',
        "import requests\n"
        + CAP_NOTE.format(3600)
        + CLIENT_NOTE
        + f'r = requests.get("{V3_TOKEN}", params={{"expires_in_seconds": 600}}, headers={{"authorization": KEY}})\n',
        select=["STT002"],
    )
    assert note_codes(result) == [(2, "STT002"), (3, "STT002")]


def test_token_expiry_under_the_cap_is_kept():
    result = migrate_source(
        'import httpx\nr = httpx.post("https://api.assemblyai.com/v2/realtime/token", json={"expires_in": 60})\n'
    )
    assert 'params={"expires_in_seconds": 60}' in result.code


def test_expiry_exactly_at_the_cap_gets_only_the_client_note():
    check_transformed(
        f'import httpx\nr = httpx.post("{V2_TOKEN}", json={{"expires_in": 600}})\n',
        "import httpx\n" + CLIENT_NOTE + f'r = httpx.get("{V3_TOKEN}", params={{"expires_in_seconds": 600}})\n',
        select=["STT002"],
    )


def test_expiry_from_a_module_constant_is_capped():
    check_transformed(
        f'import requests\nEXPIRES = 3600\nr = requests.post("{V2_TOKEN}", json={{"expires_in": EXPIRES}})\n',
        "import requests\nEXPIRES = 3600\n"
        + CAP_NOTE.format(3600)
        + CLIENT_NOTE
        + f'r = requests.get("{V3_TOKEN}", params={{"expires_in_seconds": 600}})\n',
        select=["STT002"],
    )


def test_expiry_from_a_variable_is_kept_with_a_note():
    check_transformed(
        f'import requests\ndef mint(n):\n    return requests.post("{V2_TOKEN}", data={{"expires_in": n}})\n',
        "import requests\ndef mint(n):\n"
        "    # migrate-stt(STT002, info): v3 accepts expires_in_seconds of at most 600\n"
        f"    {CLIENT_NOTE}"
        f'    return requests.get("{V3_TOKEN}", params={{"expires_in_seconds": n}})\n',
        select=["STT002"],
    )


def test_body_that_is_not_a_dict_literal_becomes_params_with_a_note():
    check_transformed(
        f'import requests\nr = requests.post("{V2_TOKEN}", json=body)\n',
        "import requests\n"
        "# migrate-stt(STT002, info): v3 takes expires_in_seconds (1-600) as a query parameter instead of the JSON body\n"
        f'r = requests.get("{V3_TOKEN}", params=body)\n',
        select=["STT002"],
    )


def test_session_post_with_single_quotes_and_other_keys():
    check_transformed(
        f"def mint(session):\n    return session.post('{V2_TOKEN}', json={{'expires_in': 120, 'x': 1}}, timeout=5)\n",
        "def mint(session):\n"
        f"    {CLIENT_NOTE}"
        f"    return session.get('{V3_TOKEN}', params={{'expires_in_seconds': 120, 'x': 1}}, timeout=5)\n",
        select=["STT002"],
    )


def test_url_keyword_argument():
    check_transformed(
        f'import requests\nr = requests.post(url="{V2_TOKEN}", json={{"expires_in": 60}})\n',
        "import requests\n"
        + CLIENT_NOTE
        + f'r = requests.get(url="{V3_TOKEN}", params={{"expires_in_seconds": 60}})\n',
        select=["STT002"],
    )


def test_aiohttp_post_in_async_with():
    check_transformed(
        "import aiohttp\nasync def mint():\n    async with aiohttp.ClientSession() as s:\n"
        f'        async with s.post("{V2_TOKEN}", json={{"expires_in": 480}}) as r:\n'
        "            return await r.json()\n",
        "import aiohttp\nasync def mint():\n    async with aiohttp.ClientSession() as s:\n"
        f"        {CLIENT_NOTE}"
        f'        async with s.get("{V3_TOKEN}", params={{"expires_in_seconds": 480}}) as r:\n'
        "            return await r.json()\n",
        select=["STT002"],
    )


def test_request_method_other_than_post_gets_a_get_note():
    check_transformed(
        f'def mint(client):\n    return client.request("{V2_TOKEN}", json={{"expires_in": 60}})\n',
        "def mint(client):\n"
        f"    {CLIENT_NOTE}"
        "    # migrate-stt(STT002, info): v3 mints tokens with GET, not POST\n"
        f'    return client.request("{V3_TOKEN}", params={{"expires_in_seconds": 60}})\n',
        select=["STT002"],
    )


def test_v3_token_get_is_left_alone():
    check_noop(f'import requests\nr = requests.get("{V3_TOKEN}", params={{"expires_in_seconds": 60}})\n')


def test_leaves_other_posts_alone():
    check_noop('import requests\nr = requests.post("https://api.assemblyai.com/v2/transcript", json={})\n')


def test_token_url_in_a_constant():
    result = migrate_source(
        f'import requests\nTOKEN_URL = "{V2_TOKEN}"\nr = requests.post(TOKEN_URL, json={{"expires_in": 60}})\n'
    )
    assert "/v2/realtime/token" not in result.code or result.notes


def test_request_with_the_method_first():
    result = migrate_source(f'import requests\nr = requests.request("POST", "{V2_TOKEN}", json={{"expires_in": 60}})\n')
    assert "/v2/realtime/token" not in result.code or result.notes


def test_post_without_a_body_is_noted():
    result = migrate_source(f'import requests\nr = requests.post("{V2_TOKEN}")\n', select=["STT002"])
    assert "expires_in_seconds" in result.code or result.notes


# --- connections without credentials ----------------------------------------------------


def test_connection_without_auth_gets_a_note():
    result = migrate_source(
        'import websocket\nws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000", on_message=f)\n'
    )
    assert any(note.code == "STT002" for note in result.notes)


def test_unauthenticated_note_is_exact_and_code_unchanged():
    result = check_transformed(
        "import websocket\n" + WS_URL + "ws = websocket.WebSocketApp(URL, on_message=f)\n",
        "import websocket\n" + WS_URL + AUTH_NOTE + "ws = websocket.WebSocketApp(URL, on_message=f)\n",
        select=["STT002"],
    )
    assert note_codes(result) == [(3, "STT002")]


def test_every_connector_without_credentials_gets_a_note():
    source = (
        "import websocket, websockets\n" + WS_URL + "a = websocket.create_connection(URL)\n"
        "b = websockets.connect(URL)\n"
        "async def g(session):\n    return await session.ws_connect(URL)\n"
        "c = websocket.WebSocketApp(url=URL)\n"
    )
    result = migrate_source(source, select=["STT002"])
    assert note_codes(result) == [(3, "STT002"), (5, "STT002"), (8, "STT002"), (10, "STT002")]


def test_header_dict_list_and_token_count_as_auth():
    for call in (
        'websocket.WebSocketApp(URL, header={"Authorization": KEY})',
        'websocket.WebSocketApp(URL, header=["Authorization: " + KEY])',
        'websocket.WebSocketApp(f"wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1&token={t}")',
    ):
        result = migrate_source(
            f'import websocket\nURL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=1"\nws = {call}\n'
        )
        assert not any(note.code == "STT002" for note in result.notes), call


def test_every_header_keyword_counts_as_auth():
    check_noop(
        "import websocket, websockets\n" + WS_URL + "a = websocket.create_connection(URL, header=H)\n"
        "b = websockets.connect(URL, extra_headers=H)\n"
        "c = websockets.connect(URL, additional_headers=H)\n"
        "async def g(session):\n    return await session.ws_connect(URL, headers=H)\n",
        select=["STT002"],
    )


def test_token_added_by_concatenation_counts_as_auth():
    check_noop(
        "import websocket\n" + WS_URL + 'ws = websocket.WebSocketApp(URL + "&token=" + tok)\n', select=["STT002"]
    )


def test_connections_to_other_services_get_no_note():
    check_noop(
        "import websocket\n" + WS_URL + 'ws = websocket.WebSocketApp("wss://example.com/ws", on_message=f)\n',
        select=["STT002"],
    )


def test_url_in_a_print_is_not_a_connection():
    check_noop("import websocket\n" + WS_URL + 'print("connecting to", URL)\n', select=["STT002"])


def test_positional_header_counts_as_auth():
    check_noop(
        "import websocket\n" + WS_URL + 'ws = websocket.WebSocketApp(URL, {"Authorization": KEY}, on_message=f)\n',
        select=["STT002"],
    )


def test_keyword_unpacking_may_carry_the_header():
    check_noop(
        "import websocket\n" + WS_URL + "ws = websocket.WebSocketApp(URL, on_message=f, **options)\n", select=["STT002"]
    )
