"""``verify_script``: good scripts pass every check, broken ones fail exactly the checks they break."""

import json
from pathlib import Path

import pytest

from migrator.proof.checks import (
    CHECK_NAMES,
    Check,
    VerifyReport,
    check_clean_exit,
    find_finals,
    verify_script,
    visible_lines,
)
from migrator.proof.harness import synthesize_wav
from migrator.proof.harness.runner import ScriptRun

pytestmark = pytest.mark.timeout(60)

CLIENTS = Path(__file__).resolve().parent / "harness" / "clients"
#: Both turns end by 0.76 s of audio; the WAV lasts 1 s.
FAST = {"phrases": ["Hello world.", "Good morning, Sam."], "word_ms": 60, "gap_ms": 200, "lead_in_ms": 60}


@pytest.fixture(scope="module")
def short_audio(tmp_path_factory):
    return synthesize_wav(tmp_path_factory.mktemp("verify") / "short.wav", seconds=1.0)


@pytest.fixture
def verify(short_audio):
    def run(name, **options) -> VerifyReport:
        settings = dict(FAST, audio=short_audio, timeout=20)
        settings.update(options)
        return verify_script(CLIENTS / name, **settings)

    return run


def failing(report):
    return {check.name for check in report.checks if not check.passed}


def test_a_good_v3_script_passes_every_check_and_matches_its_v2_original(verify):
    report = verify("v3_websocket_client.py", original_v2_path=CLIENTS / "v2_websocket_client_binary.py")
    assert report.passed, report.to_dict()
    assert [check.name for check in report.checks] == list(CHECK_NAMES)
    assert report.expected_finals == report.printed_finals == ["Hello world.", "Good morning, Sam."]
    assert report.check("same_finals_as_v2").detail == "both printed 2 identical final(s)"
    assert report.check("frame_duration").detail.endswith("50 ms each")
    document = json.loads(json.dumps(report.to_dict()))
    assert document["passed"] is True and document["original"]["run"]["returncode"] == 0
    assert "test-key" not in json.dumps(document)


def test_default_audio_and_phrases_give_two_turns(tmp_path):
    report = verify_script(CLIENTS / "v3_websockets_asyncio.py", timeout=30)
    assert report.passed, report.to_dict()
    assert report.printed_finals == ["Hello world, how are you?", "The quick brown fox jumps over the lazy dog."]


def test_half_migrated_script_fails_on_base64_audio_and_v2_messages(verify):
    report = verify("v3_base64.py")
    assert failing(report) == {
        "binary_audio_only",
        "frame_duration",
        "realtime_pace",
        "finals_printed_once",
        "terminate_sent",
        "termination_awaited",
        "no_v2_messages",
    }
    assert report.check("no_v2_messages").detail == "sent v2 message(s): audio_data"
    assert report.check("binary_audio_only").detail.startswith("1 audio message(s) sent as base64 JSON text")
    assert "closed by server with 3006" in report.check("terminate_sent").detail


def test_a_script_that_never_terminates_fails_only_the_shutdown_checks(verify):
    report = verify("v3_no_terminate.py")
    assert failing(report) == {"terminate_sent", "termination_awaited"}
    assert report.check("terminate_sent").detail == "no Terminate message; closed by client with 1000 ''"


def test_closing_right_after_terminate_does_not_await_termination(verify):
    report = verify("v3_closes_without_waiting.py")
    assert failing(report) == {"termination_awaited"}
    assert report.check("termination_awaited").detail.startswith("Termination was never delivered: closed by client")


def test_2025_cookbook_finals_print_twice_when_every_turn_is_formatted(verify):
    assert verify("v3_cookbook_2025.py").passed
    report = verify("v3_cookbook_2025.py", format_turns_mode="formatted")
    assert failing(report) == {"finals_printed_once"}
    assert report.check("finals_printed_once").detail == (
        "'Hello world.' printed 2 times; 'Good morning, Sam.' printed 2 times"
    )


def test_unpaced_streaming_fails_the_pace_check(verify):
    report = verify("v3_unpaced.py")
    assert failing(report) == {"realtime_pace", "terminate_sent", "termination_awaited"}
    assert report.check("realtime_pace").detail.startswith("closed 3007: Audio Transmission Rate Exceeded")


def test_unformatted_finals_differ_from_the_v2_original(verify):
    report = verify("v3_callback_create_connection.py", original_v2_path=CLIENTS / "v2_websockets_base64.py")
    assert failing(report) == {"same_finals_as_v2"}
    assert report.check("same_finals_as_v2").detail == (
        "v2 printed ['Hello world.', 'Good morning, Sam.']; migrated printed ['hello world', 'good morning sam']"
    )


def test_a_session_without_format_turns_is_expected_to_print_unformatted_finals(verify):
    report = verify("v3_asyncio_unformatted.py")
    assert report.passed, report.to_dict()
    assert report.expected_finals == report.printed_finals == ["hello world", "good morning sam"]
    assert report.check("finals_printed_once").detail == "2 final(s), each printed once"


def test_an_unmigrated_v2_script_is_not_a_v3_client(verify):
    report = verify("v2_websockets_base64.py")
    assert {"connected_v3", "no_v2_messages", "terminate_sent"} <= failing(report)
    assert report.check("connected_v3").detail == "connected only to ['/v2/realtime/ws'], not /v3/ws"
    assert report.check("no_v2_messages").detail.startswith(
        "connected to /v2/realtime/ws; sent v2 message(s): audio_data, terminate_session"
    )


def test_visible_lines_apply_carriage_returns_and_drop_colour():
    assert visible_lines("hello\rhello world\rHello world.\n\x1b[1mBye.\x1b[0m\nabc\rX") == [
        "Hello world.",
        "Bye.",
        "Xbc",
    ]


def test_find_finals_prefers_the_longest_overlapping_final():
    output = "I'm fine.\nFine.\n"
    assert find_finals(output, ["Fine.", "I'm fine."]) == ["I'm fine.", "Fine."]


def test_a_killed_script_is_reported_against_its_time_limit_not_the_time_killing_it_took():
    run = ScriptRun(returncode=None, stdout="", stderr="", timed_out=True, duration_s=3.26, timeout_s=3.0)
    assert check_clean_exit(run, exit_bound_s=10) == Check("clean_exit", False, "still running after 3.0 s; killed")


def test_check_is_a_plain_record():
    assert Check("clean_exit", True, "ok").to_dict() == {"name": "clean_exit", "passed": True, "detail": "ok"}


def test_text_report_has_one_line_per_check_and_a_verdict():
    report = VerifyReport(
        path="s.py",
        checks=[Check("terminate_sent", False, "no Terminate message"), Check("clean_exit", True, "exit status 0")],
        run=None,
    )
    assert report.to_text() == (
        "FAIL  terminate_sent       no Terminate message\n"
        "PASS  clean_exit           exit status 0\n"
        "s.py: 1 check(s) failed"
    )
