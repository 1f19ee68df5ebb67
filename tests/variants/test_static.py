"""Every generated variant of every v2 fixture migrates cleanly: migrate_source succeeds, the
output compiles, no v2 marker is left outside comments (beyond the lines the fixture's own
golden output keeps), and a second run changes nothing. Variants the migrator does not handle
yet are listed in known_failures.txt and expected to fail (strictly: fix the migrator, shrink
the list)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.variants.generate import TRANSFORMS, all_variants, fixture_cases, variant_filename
from tests.variants.support import check_known_failures_exist, load_known_failures, static_problems

VARIANTS = all_variants()
KNOWN = load_known_failures()


def _param(variant):
    reason = KNOWN.get((variant.id, "static"))
    marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
    return pytest.param(variant, id=variant.id, marks=marks)


@pytest.mark.parametrize("variant", [_param(variant) for variant in VARIANTS])
def test_variant_migrates_cleanly(variant):
    problems = static_problems(variant)
    assert not problems, f"{variant.id}: " + "; ".join(problems)


def test_every_variant_is_valid_python_and_differs_from_its_fixture():
    for variant in VARIANTS:
        compile(variant.source, variant.id, "exec")
        assert variant.source != variant.case.source, variant.id


def test_variant_ids_are_unique_and_every_transform_is_used():
    counts = Counter(variant.id for variant in VARIANTS)
    assert not [variant_id for variant_id, count in counts.items() if count > 1]
    used = {name for variant in VARIANTS for name in variant.transforms}
    assert used == set(TRANSFORMS), set(TRANSFORMS) - used
    for case in fixture_cases():
        assert sum("+" in v.id for v in VARIANTS if v.case == case) == 2, case.id


def test_known_failures_name_existing_variants():
    assert not check_known_failures_exist(KNOWN, VARIANTS)


def _ruff() -> str:
    candidate = Path(sys.executable).with_name("ruff")
    return str(candidate) if candidate.exists() else (shutil.which("ruff") or "")


@pytest.mark.skipif(not _ruff(), reason="ruff is not installed")
def test_no_variant_introduces_an_undefined_or_shadowed_name(tmp_path):
    """The transforms keep every name bound (pyflakes' F8xx checks), as their fixtures do."""
    for variant in VARIANTS:
        (tmp_path / variant_filename(variant)).write_text(variant.source)
    run = subprocess.run(
        [_ruff(), "check", "--isolated", "--select", "F821,F822,F823,F811,F402,F632", "--output-format", "json", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    findings = [
        f"{Path(item['filename']).name}:{item['location']['row']}: {item['message']}" for item in json.loads(run.stdout)
    ]
    assert not findings, "\n".join(findings)
