"""Idempotence as a tested property: a fixed-seed, bounded run of the fuzzer (mutated fixture
inputs and hypothesmith modules with a v2 tie) finds no fault of any kind.

The long run is ``python -m tests.fuzz.run --count 2000 --seed N`` (see tests/fuzz/run.py).
"""

from __future__ import annotations

import pytest

from tests.fuzz.mutations import MUTATIONS, V2_TIES, fixture_inputs, fuzz_inputs, generated_modules, mutated_fixtures
from tests.fuzz.properties import FAULTS, module_level_imports, payload_changed, run_checks

SEED = 14
COUNT = 250

#: Faults someone else's work fixes: (kind, why). The engine puts the imports rules add after
#: the module's last top-level import, which is too late for a v2 constant above the imports.
KNOWN: dict = {}  # fault -> why it is expected today (none)


@pytest.fixture(scope="module")
def tally():
    return run_checks(fuzz_inputs(SEED, COUNT))


def test_the_inputs_parse_and_most_are_migrated(tally):
    counts = tally.counts()
    assert counts["inputs"] >= COUNT * 0.95
    assert counts["parsed"] == counts["inputs"]
    assert counts["migrated"] >= COUNT / 2


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param(fault, marks=[pytest.mark.xfail(strict=True, reason=KNOWN[fault])] if fault in KNOWN else [])
        for fault in FAULTS
    ],
)
def test_no_fault(tally, fault):
    found = [f"{outcome.fuzz_input.id}: {outcome.detail}" for outcome in tally.faults() if outcome.status == fault]
    assert not found, "\n".join(found)


def test_every_mutation_applies_and_the_inputs_are_reproducible():
    first = list(mutated_fixtures(SEED, 40))
    assert [item.source for item in first] == [item.source for item in mutated_fixtures(SEED, 40)]
    used = {name for item in first for name in item.id.split(":")[2].split("+")}
    assert set(MUTATIONS) <= used
    originals = {source for _, source in fixture_inputs()}
    assert sum(item.source not in originals for item in first) >= 38


def test_generated_modules_are_reproducible_and_end_with_a_v2_tie():
    modules = generated_modules(SEED, 10)
    assert [m.source for m in modules] == [m.source for m in generated_modules(SEED, 10)]
    assert len(modules) >= 8
    for module in modules:
        compile(module.source, module.id, "exec")
        assert any(module.source.endswith(tie) for tie in V2_TIES)


# --- the checks themselves can fail ---------------------------------------------------------------


def test_a_base64_encoding_gone_while_its_json_send_stays_is_a_changed_payload():
    before = (
        "data = base64.b64encode(data).decode('utf-8')\n"
        "json_data = json.dumps({'audio_data': str(data)})\nws.send(json_data)\n"
    )
    assert payload_changed(before, "json_data = json.dumps({'audio_data': str(data)})\nws.send(json_data)\n")
    assert not payload_changed(before, "ws.send(data, websocket.ABNF.OPCODE_BINARY)\n")
    assert not payload_changed(before, before)


def test_names_bound_by_top_level_imports():
    code = "import os.path\nfrom json import loads as parse\ndef f():\n    import time\n"
    assert module_level_imports(code) == {"os", "parse"}
