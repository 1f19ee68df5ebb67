from migrator import migrate_source
from tests.migration_checks import check_noop

URL = "URL = 'wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000'\n"


def test_new_client_gets_additional_headers():
    result = migrate_source(
        "import websockets\n" + URL + "c = websockets.connect(URL, extra_headers=H)\n", select=["STT010"]
    )
    assert "c = websockets.connect(URL, additional_headers=H)" in result.code


def test_alias_and_asyncio_client_import():
    result = migrate_source(
        "from websockets.asyncio.client import connect\n"
        + URL
        + "c = connect(URL, extra_headers=(('Authorization', k),))\n",
        select=["STT010"],
    )
    assert "connect(URL, additional_headers=(('Authorization', k),))" in result.code


def test_legacy_import_keeps_extra_headers():
    check_noop(
        "from websockets.legacy.client import connect\n" + URL + "c = connect(URL, extra_headers=H)\n",
        select=["STT010"],
    )


def test_legacy_import_with_additional_headers_is_corrected():
    result = migrate_source(
        "import websockets.legacy.client\n" + URL + "c = websockets.legacy.client.connect(URL, additional_headers=H)\n",
        select=["STT010"],
    )
    assert "connect(URL, extra_headers=H)" in result.code


def test_leaves_connections_in_unrelated_files_alone():
    check_noop("import websockets\nc = websockets.connect('wss://example.com', extra_headers=H)\n", select=["STT010"])
