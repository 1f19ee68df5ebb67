"""A fixed, seeded sample of runnable variants, migrated and run against the emulator: each must
pass every ``migrate-stt --verify`` check (non-SDK ones also print the same finals as the variant
itself does against the v2 endpoint). ``python -m tests.variants.run_all`` runs all of them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.variants.support import describe_failure, failed_checks, load_known_failures, verify_sample, verify_variant

SAMPLE = verify_sample()
KNOWN = load_known_failures()


def _param(variant):
    reason = KNOWN.get((variant.id, "verify"))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(variant, id=variant.id, marks=marks)


@pytest.fixture(scope="module")
def reports():
    # Each run streams ~5 s of audio in real time; run a few at once.
    with ThreadPoolExecutor(max_workers=3) as pool:
        return dict(zip([variant.id for variant in SAMPLE], pool.map(verify_variant, SAMPLE)))


def test_the_sample_spans_the_styles():
    assert len(SAMPLE) == 8
    assert {variant.case.style for variant in SAMPLE} == {"websocket_client", "websockets", "sdk"}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("variant", [_param(variant) for variant in SAMPLE])
def test_migrated_variant_passes_verify(variant, reports):
    report = reports[variant.id]
    assert not failed_checks(report), (
        f"{variant.id}: {describe_failure(report)}\nstdout:\n{report.run.stdout[-1500:]}\n"
        f"stderr:\n{report.run.stderr[-1500:]}"
    )
