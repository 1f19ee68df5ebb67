"""Final-turn detection and once-only reporting in both format_turns behaviours."""

from __future__ import annotations

from reference_client.events import FinalTranscript, PartialTranscript
from reference_client.turns import TurnAssembler, partial_text


def turn(order, transcript, *, end=False, formatted=False, words=None):
    return {
        "type": "Turn",
        "turn_order": order,
        "end_of_turn": end,
        "turn_is_formatted": formatted,
        "transcript": transcript,
        "end_of_turn_confidence": 0.9 if end else 0.1,
        "words": words or [],
    }


def finals(events):
    return [(e.turn_order, e.transcript) for e in events if isinstance(e, FinalTranscript)]


def feed(assembler, *messages):
    events = []
    for message in messages:
        events += assembler.on_turn(message)
    return events


def test_classic_mode_reports_only_the_formatted_copy():
    events = feed(
        TurnAssembler(format_turns=True),
        turn(0, "hello"),
        turn(0, "hello world", end=True),
        turn(0, "Hello world.", end=True, formatted=True),
    )
    assert finals(events) == [(0, "Hello world.")]


def test_classic_unformatted_end_of_turn_is_shown_as_a_partial_while_held():
    events = TurnAssembler(format_turns=True).on_turn(turn(0, "hello world", end=True))
    assert [type(e) for e in events] == [PartialTranscript]
    assert events[0].text == "hello world"


def test_formatted_mode_reports_the_single_end_of_turn():
    events = feed(
        TurnAssembler(format_turns=True),
        turn(0, "Hello", formatted=True),
        turn(0, "Hello world.", end=True, formatted=True),
    )
    assert finals(events) == [(0, "Hello world.")]


def test_without_format_turns_the_end_of_turn_is_final_at_once():
    events = TurnAssembler(format_turns=False).on_turn(turn(0, "hello world", end=True))
    assert finals(events) == [(0, "hello world")]


def test_a_second_end_of_turn_for_a_reported_turn_is_not_reported_again():
    assembler = TurnAssembler(format_turns=False)
    events = feed(assembler, turn(0, "hello world", end=True), turn(0, "Hello world.", end=True, formatted=True))
    assert finals(events) == [(0, "hello world")]


def test_held_turn_is_released_when_the_next_turn_starts():
    events = feed(TurnAssembler(format_turns=True), turn(0, "hello world", end=True), turn(1, "how"))
    assert finals(events) == [(0, "hello world")]
    assert isinstance(events[-1], PartialTranscript) and events[-1].turn_order == 1


def test_held_turn_is_released_at_the_end_of_the_session():
    assembler = TurnAssembler(format_turns=True)
    assembler.on_turn(turn(0, "hello world", end=True))
    assert finals(assembler.flush()) == [(0, "hello world")]
    assert assembler.flush() == []


def test_a_later_unformatted_end_of_turn_replaces_the_held_one():
    assembler = TurnAssembler(format_turns=True)
    feed(assembler, turn(0, "hello", end=True), turn(0, "hello world", end=True))
    assert finals(assembler.flush()) == [(0, "hello world")]


def test_partials_of_a_reported_turn_are_ignored():
    assembler = TurnAssembler(format_turns=False)
    events = feed(assembler, turn(0, "hi", end=True), turn(0, "hi"))
    assert [type(e) for e in events] == [FinalTranscript]


def test_every_turn_is_reported_once_in_order():
    assembler = TurnAssembler(format_turns=True)
    events = feed(
        assembler,
        turn(0, "hello world", end=True),
        turn(0, "Hello world.", end=True, formatted=True),
        turn(1, "how are you", end=True),
        turn(1, "How are you?", end=True, formatted=True),
    )
    assert finals(events) == [(0, "Hello world."), (1, "How are you?")]


def test_partial_text_includes_the_word_in_progress():
    message = turn(
        0,
        "hello",
        words=[{"text": "hello", "word_is_final": True}, {"text": "wor", "word_is_final": False}],
    )
    assert partial_text(message) == "hello wor"


def test_partial_text_without_words_is_the_transcript():
    assert partial_text(turn(0, "hello")) == "hello"
