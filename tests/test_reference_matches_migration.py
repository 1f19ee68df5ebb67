"""The reference client is the model: it passes every --verify check on the microphone
path, and the migrated getting-started script behaves the same way on the same audio."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from migrator.proof.checks import verify_script

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


@pytest.mark.timeout(300)
def test_migrated_getting_started_matches_the_reference_client():
    with ThreadPoolExecutor(max_workers=2) as pool:
        reference = pool.submit(verify_script, FIXTURES / "reference" / "microphone_client.py", timeout=60)
        migrated = pool.submit(
            verify_script, FIXTURES / "websocket_client" / "getting_started" / "expected.py", timeout=60
        )
        reference, migrated = reference.result(), migrated.result()
    assert reference.passed, reference.to_text()
    assert migrated.passed, migrated.to_text()
    assert migrated.printed_finals == reference.printed_finals
    assert len(reference.printed_finals) == 2
    for name in ("binary_audio_only", "frame_duration", "terminate_sent", "termination_awaited", "clean_exit"):
        assert reference.check(name).passed and migrated.check(name).passed
