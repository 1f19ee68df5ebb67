"""Where an import the migration adds goes: where isort puts it, and never below a use."""

from __future__ import annotations

from migrator import migrate_source

V2 = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'
V3 = (
    'URL = "wss://streaming.assemblyai.com/v3/ws?" + urlencode({"sample_rate": 16000, '
    '"speech_model": "universal-streaming-english", "format_turns": True})\n'
)


def migrated(head: str, tail: str = V2) -> str:
    return migrate_source(head + tail, select=["STT001"]).code


def test_into_the_standard_library_block_in_order():
    assert migrated("import json\nimport zlib\n\nimport websocket\n\n") == (
        "import json\nimport zlib\nfrom urllib.parse import urlencode\n\nimport websocket\n\n" + V3
    )


def test_a_missing_standard_library_block_comes_before_third_party():
    assert migrated("import websocket\n\n") == "from urllib.parse import urlencode\n\nimport websocket\n\n" + V3


def test_merged_into_the_from_import_of_the_same_module():
    assert migrated("from urllib.parse import quote, urljoin\n") == (
        "from urllib.parse import quote, urlencode, urljoin\n" + V3
    )


def test_above_module_level_code_that_uses_it_before_the_imports():
    assert (
        migrated("", V2 + "import websocket\n") == "from urllib.parse import urlencode\n" + V3 + "\nimport websocket\n"
    )


def test_an_import_already_there_moves_above_a_use_the_rewrite_made():
    source = "import json\n" + V2 + "from urllib.parse import urlencode\n"
    assert migrate_source(source, select=["STT001"]).code == ("import json\nfrom urllib.parse import urlencode\n" + V3)
