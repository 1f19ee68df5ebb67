"""No API key in logs, even with every logger at DEBUG."""

import logging

import pytest

from tests.emulator.wire import KEY, begin, open_v3

pytestmark = pytest.mark.timeout(20)


def test_debug_logging_never_shows_the_key(emulator, caplog):
    caplog.set_level(logging.DEBUG)
    with open_v3(emulator) as ws:
        begin(ws)
    emulator.wait_for_sessions(1)
    server_records = [r for r in caplog.records if r.name.startswith(("migrator", "websockets.server"))]
    assert server_records, "the server logged nothing at all: the test would prove nothing"
    assert all(KEY not in r.getMessage() for r in server_records)
