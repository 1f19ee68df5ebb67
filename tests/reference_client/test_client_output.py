"""Renderers: live terminal line, plain finals for pipes, JSON lines for scripts."""

from __future__ import annotations

import io
import json

from reference_client.events import FinalTranscript, PartialTranscript, SessionBegan, SessionTerminated
from reference_client.exit_codes import ExitCode
from reference_client.output import FinalsRenderer, JsonRenderer, TerminalRenderer, make_renderer
from reference_client.session import SessionResult


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


def final(order, text, latency=None):
    return FinalTranscript(order, text, True, 0.9, [{"text": text, "start": 0, "end": 10}], {}, latency)


EVENTS = [
    SessionBegan("sess-1", 1700000000, {}),
    PartialTranscript(0, "hello", {}),
    PartialTranscript(0, "hello world", {}),
    final(0, "Hello world."),
    PartialTranscript(1, "how", {}),
    final(1, "How are you?"),
    SessionTerminated(3, 4, {}),
]


def render(renderer_class, out=None):
    out = out or io.StringIO()
    err = io.StringIO()
    renderer = renderer_class(out, err)
    for event in EVENTS:
        renderer(event)
    renderer.finish(SessionResult(ExitCode.OK, None, session_id="sess-1"))
    return out.getvalue(), err.getvalue()


def test_piped_output_is_finals_only_one_per_line():
    out, _ = render(FinalsRenderer)
    assert out == "Hello world.\nHow are you?\n"


def test_piped_output_has_no_carriage_returns_or_escapes():
    out, _ = render(FinalsRenderer)
    assert "\r" not in out and "\x1b" not in out


def test_session_statistics_go_to_stderr():
    _, err = render(FinalsRenderer)
    assert "session sess-1 ended: 3 s of audio, 4 s session duration, 2 turns" in err


def test_terminal_rewrites_the_partial_in_place_and_prints_finals_once():
    out, _ = render(TerminalRenderer, FakeTTY())
    lines = out.split("\n")
    assert lines[0].endswith("Hello world.") and "\rhello world" in lines[0].replace("\x1b[2K", "")
    assert lines[1].endswith("How are you?")
    assert out.count("Hello world.") == 1 and out.count("How are you?") == 1


def test_terminal_trims_long_partials_to_the_width(monkeypatch):
    monkeypatch.setenv("COLUMNS", "20")
    out = FakeTTY()
    TerminalRenderer(out, io.StringIO())(PartialTranscript(0, "word " * 30, {}))
    visible = out.getvalue().replace("\r\x1b[2K", "")
    assert len(visible) <= 19 and visible.startswith("...")


def test_json_output_is_one_parsable_object_per_event():
    out, err = render(JsonRenderer)
    objects = [json.loads(line) for line in out.splitlines()]
    assert [o["event"] for o in objects] == [
        "begin",
        "partial",
        "partial",
        "final",
        "partial",
        "final",
        "termination",
        "end",
    ]
    assert objects[3]["transcript"] == "Hello world." and objects[-1]["exit_code"] == 0
    assert err == ""


def test_json_final_carries_latency_when_measured():
    out = io.StringIO()
    JsonRenderer(out, io.StringIO())(final(0, "Hi.", latency=312.345))
    assert json.loads(out.getvalue())["latency_ms"] == 312.3


def test_text_modes_report_latency_on_stderr():
    err = io.StringIO()
    out = io.StringIO()
    FinalsRenderer(out, err)(final(2, "Hi.", latency=250.0))
    assert out.getvalue() == "Hi.\n" and "turn 2: latency 250 ms" in err.getvalue()


def test_brackets_in_transcripts_are_printed_verbatim():
    out = io.StringIO()
    FinalsRenderer(out, io.StringIO())(final(0, "install migrate-stt[mic] [bold]now[/bold]"))
    assert out.getvalue() == "install migrate-stt[mic] [bold]now[/bold]\n"


def test_renderer_choice_follows_the_terminal_and_the_json_flag():
    assert isinstance(make_renderer(FakeTTY(), io.StringIO(), as_json=False), TerminalRenderer)
    assert isinstance(make_renderer(io.StringIO(), io.StringIO(), as_json=False), FinalsRenderer)
    assert isinstance(make_renderer(FakeTTY(), io.StringIO(), as_json=True), JsonRenderer)


def test_server_warnings_are_shown_on_stderr():
    from reference_client.events import ServerWarning

    out, err = io.StringIO(), io.StringIO()
    FinalsRenderer(out, err)(ServerWarning(4001, "Audio is silent", {}))
    assert out.getvalue() == "" and err.getvalue() == "server warning 4001: Audio is silent\n"
