"""The scripted transcript: a pure function of the audio duration received."""

import json

import pytest

from migrator.proof.emulator.script import (
    DEFAULT_PHRASES,
    TranscriptScript,
    TurnEnded,
    TurnProgress,
    TurnTracker,
    plain_text,
    tokenize,
)

PACE = {"word_ms": 100, "gap_ms": 300, "lead_in_ms": 100}


def script(*phrases: str) -> TranscriptScript:
    return TranscriptScript(phrases, **PACE)


def test_plain_text_is_lower_case_without_punctuation():
    assert plain_text("Hello,") == "hello"
    assert plain_text("you?") == "you"
    assert plain_text("Don't") == "don't"
    assert plain_text('"Sam."') == "sam"


def test_punctuation_only_tokens_join_the_previous_word():
    assert tokenize("Salt - and pepper") == ["Salt -", "and", "pepper"]


def test_words_are_laid_out_after_the_lead_in_one_slot_each():
    words = script("Hello world, how are you?").words
    assert [(w.text, w.plain, w.start, w.end) for w in words] == [
        ("Hello", "hello", 100, 200),
        ("world,", "world", 200, 300),
        ("how", "how", 300, 400),
        ("are", "are", 400, 500),
        ("you?", "you", 500, 600),
    ]


def test_a_turn_ends_one_gap_after_its_last_word():
    spans = script("Hello world.", "Bye now.").spans
    assert [(s.start, s.end, s.boundary) for s in spans] == [(100, 300, 600), (600, 800, 1100)]


def test_default_script_fits_two_turns_in_five_seconds():
    default = TranscriptScript()
    assert default.phrases == DEFAULT_PHRASES
    assert default.duration_ms <= 4500
    assert default.expected_finals(5000, flush=False) == list(DEFAULT_PHRASES)


def test_no_finals_before_the_first_turn_ends_without_terminate():
    assert script("Hello world, how are you?").expected_finals(899, flush=False) == []


def test_the_turn_is_final_once_its_gap_has_passed():
    assert script("Hello world, how are you?").expected_finals(900, flush=False) == ["Hello world, how are you?"]


def test_terminate_flushes_the_words_fully_heard():
    # "how" (300-400 ms) is only half heard at 350 ms; the comma of the cut-off turn goes.
    assert script("Hello world, how are you?").expected_finals(350) == ["Hello world"]


def test_terminate_during_the_gap_gives_the_whole_phrase():
    assert script("Hello world, how are you?").expected_finals(650) == ["Hello world, how are you?"]


def test_terminate_before_any_word_gives_no_final():
    assert script("Hello world.").expected_finals(150) == []


def test_audio_past_the_script_adds_nothing():
    assert script("Hello world.").expected_finals(60_000) == ["Hello world."]


def test_finals_do_not_depend_on_frame_size():
    s = script("Hello world, how are you?", "Good morning, Sam.")

    def ended(step: float) -> list:
        tracker, events, position = TurnTracker(s), [], 0.0
        while position < 2000:
            position += step
            events += tracker.advance(position)
        return [e.formatted for e in events if isinstance(e, TurnEnded)]

    assert ended(50) == ended(200) == ended(1000) == ["Hello world, how are you?", "Good morning, Sam."]


def test_progress_reports_final_words_and_the_word_in_progress():
    tracker = TurnTracker(script("Hello world."))
    (progress,) = tracker.advance(250)
    assert isinstance(progress, TurnProgress)
    assert [w.text for w in progress.final_words] == ["Hello"]
    assert progress.in_progress.text == "world."
    assert progress.utterance_complete is False


def test_the_utterance_is_reported_once_when_the_phrase_ends():
    tracker = TurnTracker(script("Hello world."))
    tracker.advance(250)
    (paused,) = tracker.advance(300)
    assert paused.utterance_complete and paused.plain == "hello world"
    assert tracker.advance(350) == []
    (ended,) = tracker.advance(600)
    assert isinstance(ended, TurnEnded) and ended.utterance_pending is False


def test_forced_end_splits_the_phrase_into_two_turns():
    tracker = TurnTracker(script("Hello world, how are you?"))
    tracker.advance(350)
    (forced,) = tracker.end_turn()
    assert (forced.turn_order, forced.formatted) == (0, "Hello world")
    events = tracker.advance(900)
    ended = [e for e in events if isinstance(e, TurnEnded)]
    assert [(e.turn_order, e.formatted) for e in ended] == [(1, "how are you?")]


def test_forced_end_with_nothing_heard_ends_nothing():
    tracker = TurnTracker(script("Hello world."))
    tracker.advance(50)
    assert tracker.end_turn() == []


def test_script_file_may_be_a_list_or_an_object_with_pace(tmp_path):
    listed = tmp_path / "list.json"
    listed.write_text(json.dumps(["One two.", "Three."]))
    assert TranscriptScript.from_file(listed).phrases == ("One two.", "Three.")
    paced = tmp_path / "paced.json"
    paced.write_text(json.dumps({"phrases": ["One two."], "word_ms": 70, "gap_ms": 90}))
    loaded = TranscriptScript.from_file(paced, gap_ms=120)
    assert (loaded.word_ms, loaded.gap_ms) == (70, 120)


@pytest.mark.parametrize("bad", [{"word_ms": 0}, {"gap_ms": 0}, {"lead_in_ms": -1}])
def test_rejects_a_pace_that_cannot_end_turns(bad):
    with pytest.raises(ValueError):
        TranscriptScript(["Hello."], **bad)


def test_rejects_a_phrase_without_words():
    with pytest.raises(ValueError, match="no words"):
        TranscriptScript(["Hello.", "?!"])
