"""Every runnable migrated fixture is proven against the emulator: it behaves like a v3
client (``migrate-stt --verify``'s checks), and prints the same finals as its v2 original
does against the emulator's v2 endpoint."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from migrator.proof.checks import verify_script
from tests.test_fixtures import CASES, case_id, load

# SDK fixtures are proven in test_sdk_runs.py: their v2 originals need an older SDK
# (RealtimeTranscriber is gone from the one installed here), so they compare against it there.
RUNNABLE = [case for case in CASES if load(case).get("runnable") and case.parent.name != "sdk"]


def _verify(case: Path):
    meta = load(case)
    if meta.get("unchanged"):
        return verify_script(case / "input.py", timeout=60)
    return verify_script(case / "expected.py", original_v2_path=case / "input.py", timeout=60)


@pytest.fixture(scope="module")
def reports():
    # Each run streams ~5 s of audio in real time; run a few at once.
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip(RUNNABLE, pool.map(_verify, RUNNABLE)))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", RUNNABLE, ids=case_id)
def test_migrated_fixture_passes_verify(case, reports):
    report = reports[case]
    meta = load(case)
    failed = {check.name: check.detail for check in report.failed}
    assert not failed, (
        f"{case_id(case)}: {failed}\nstdout:\n{report.run.stdout[-1500:]}\nstderr:\n{report.run.stderr[-1500:]}"
    )
    if not meta.get("unchanged"):
        assert report.check("same_finals_as_v2").passed
