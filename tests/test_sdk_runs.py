"""The migrated SDK fixtures run on the real ``assemblyai`` SDK against the emulator.

Each runnable ``fixtures/sdk`` case is run through the harness (a WAV file as the microphone,
AssemblyAI hosts pointed at a local emulator, Ctrl-C when the audio runs out) on the SDK installed
in this environment, and must pass every ``migrate-stt --verify`` check. Skipped when
``assemblyai`` is not installed.

The v2 originals need an SDK that still has ``RealtimeTranscriber`` (``assemblyai<0.64.3``; 1.x
has neither it nor ``aai.extras``). Set ``STT_V2_SDK_PYTHON`` to an interpreter that has one and
the originals run too, against the emulator's v2 endpoint, and must print the same finals
(except where ``case.json`` says ``"v2_reference": false``: Twilio's 20 ms frames are under v2's
100 ms minimum as well, and a half-migrated original already calls v3).
"""

from __future__ import annotations

import importlib.util
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from migrator.proof.checks import check_same_finals_as_v2, main_session, verify_script
from migrator.proof.emulator import Emulator
from migrator.proof.harness import run_script

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("assemblyai") is None, reason="the assemblyai SDK is not installed"
)

SDK_FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sdk"
CASES = sorted(
    case
    for case in SDK_FIXTURES.iterdir()
    if (case / "case.json").exists() and json.loads((case / "case.json").read_text()).get("runnable")
)
V2_PYTHON = os.environ.get("STT_V2_SDK_PYTHON")


def _meta(case: Path) -> dict:
    return json.loads((case / "case.json").read_text())


def _verify(case: Path):
    script = case / ("input.py" if _meta(case).get("unchanged") else "expected.py")
    return verify_script(script, timeout=60)


@pytest.fixture(scope="module")
def reports():
    # Each run streams ~5 s of audio in real time; run a few at once.
    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(zip(CASES, pool.map(_verify, CASES)))


def test_the_installed_sdk_is_one_without_the_v2_client():
    import assemblyai

    assert not hasattr(assemblyai, "RealtimeTranscriber"), "these runs prove the output on an SDK that no longer has v2"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_migrated_fixture_runs_as_a_v3_client(case, reports):
    report = reports[case]
    failed = {check.name: check.detail for check in report.failed}
    assert not failed, (
        f"{case.name}: {failed}\nstdout:\n{report.run.stdout[-1500:]}\nstderr:\n{report.run.stderr[-1500:]}"
    )


def _session(reports, name: str):
    report = reports[SDK_FIXTURES / name]
    return report, main_session(report.run.sessions, "v3")


@pytest.mark.timeout(600)
def test_every_session_asks_for_formatted_english_turns(reports):
    for case in CASES:
        query = main_session(reports[case].run.sessions, "v3").query
        assert query.get("format_turns") == "True" and query.get("speech_model") == "universal-streaming-english", (
            case.name
        )


@pytest.mark.timeout(600)
def test_twilio_frames_reach_the_server_as_100_ms_mulaw_messages(reports):
    _, session = _session(reports, "twilio_subclass")
    assert session.query["encoding"] == "pcm_mulaw" and session.query["sample_rate"] == "8000"
    durations = {frame.audio_ms for frame in session.frames if frame.kind == "binary"}
    assert durations == {100.0}


@pytest.mark.timeout(600)
def test_finals_fire_once_per_turn(reports):
    report, _ = _session(reports, "final_only")
    numbered = [line for line in report.run.stdout.splitlines() if line.startswith("[")]
    assert numbered == [f"[{index}] {text}" for index, text in enumerate(report.expected_finals, 1)]
    assert f"{len(report.expected_finals)} finals" in report.run.stdout


@pytest.mark.timeout(600)
def test_on_close_still_runs_when_the_session_ends(reports):
    docs, _ = _session(reports, "docs_microphone")
    assert docs.run.stdout.count("Closing Session") == 1
    captions, session = _session(reports, "class_callbacks")
    assert f"Closed after {len(captions.expected_finals)} lines" in captions.run.stdout
    assert session.query["max_turn_silence"] == "700"


@pytest.mark.timeout(600)
def test_the_session_id_is_printed_from_the_begin_event(reports):
    report, session = _session(reports, "docs_microphone")
    assert f"Session ID: {session.id}" in report.run.stdout


@pytest.mark.skipif(not V2_PYTHON, reason="set STT_V2_SDK_PYTHON to an interpreter with assemblyai<0.64.3")
@pytest.mark.timeout(600)
@pytest.mark.parametrize(
    "case",
    [c for c in CASES if not _meta(c).get("unchanged") and _meta(c).get("v2_reference", True)],
    ids=lambda case: case.name,
)
def test_migrated_fixture_prints_the_finals_its_v2_original_printed(case, reports):
    with Emulator() as emulator:
        original = run_script(
            case / "input.py", emulator, timeout=60, python=V2_PYTHON, env={"STT_HARNESS_LEGACY_WEBSOCKETS": "1"}
        )
        script = emulator.script
    check = check_same_finals_as_v2(reports[case].run, original, script)
    assert check.passed, f"{check.detail}\nv2 stdout:\n{original.stdout[-1500:]}\nv2 stderr:\n{original.stderr[-1500:]}"
