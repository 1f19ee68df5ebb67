from migrator import migrate_source
from tests.migration_checks import check_noop


def test_token_post_becomes_v3_get_with_capped_expiry():
    result = migrate_source(
        'import requests\nr = requests.post("https://api.assemblyai.com/v2/realtime/token", json={"expires_in": 3600}, headers={"authorization": KEY})\n'
    )
    assert (
        'r = requests.get("https://streaming.assemblyai.com/v3/token", params={"expires_in_seconds": 600}, headers={"authorization": KEY})'
        in result.code
    )
    assert len(result.notes) == 2


def test_token_expiry_under_the_cap_is_kept():
    result = migrate_source(
        'import httpx\nr = httpx.post("https://api.assemblyai.com/v2/realtime/token", json={"expires_in": 60})\n'
    )
    assert 'params={"expires_in_seconds": 60}' in result.code


def test_connection_without_auth_gets_a_note():
    result = migrate_source(
        'import websocket\nws = websocket.WebSocketApp("wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000", on_message=f)\n'
    )
    assert any(note.code == "STT002" for note in result.notes)


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


def test_leaves_other_posts_alone():
    check_noop('import requests\nr = requests.post("https://api.assemblyai.com/v2/transcript", json={})\n')
