"""The scripted "speech" the emulator transcribes.

The emulator does no speech recognition. Instead, a list of phrases is laid out on a timeline of
*received audio*: after an optional lead-in of silence each phrase occupies one slot of
``word_ms`` per word, followed by ``gap_ms`` of silence that ends the turn. Whatever the client
sends, the transcript is therefore a pure function of how many milliseconds of audio arrived,
which is what lets a v2 script and its migrated v3 version, fed the same audio, be compared
final for final.

`TurnTracker` walks that timeline for one session and reports protocol-neutral events; the v2 and
v3 endpoints turn them into ``PartialTranscript``/``FinalTranscript`` or ``Turn`` messages.
`TranscriptScript.expected_finals` runs the same tracker, so the finals a check expects can never
drift from the finals the server sends.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, List, Optional, Sequence, Tuple, Union

#: Two short turns that fit comfortably in the bundled 5 s WAV with the default pace
#: (they end at 4.2 s of audio).
DEFAULT_PHRASES: Tuple[str, ...] = (
    "Hello world, how are you?",
    "The quick brown fox jumps over the lazy dog.",
)
DEFAULT_WORD_MS = 200
DEFAULT_GAP_MS = 600
DEFAULT_LEAD_IN_MS = 200

_NOT_IN_PLAIN_WORD = re.compile(r"[^\w']+", re.UNICODE)
_CUT_TRAILING_PUNCTUATION = ",;:-"


def plain_text(token: str) -> str:
    """Unformatted form of one formatted token: lower case, no punctuation.

    Apostrophes inside a word survive ("Don't" -> "don't"), as in the real unformatted output.
    """
    return _NOT_IN_PLAIN_WORD.sub("", token).strip("'").lower()


@dataclass(frozen=True)
class ScriptWord:
    """One word of the script, placed on the received-audio timeline (milliseconds)."""

    index: int
    phrase: int
    text: str
    plain: str
    start: int
    end: int

    @property
    def confidence(self) -> float:
        """A fixed, plausible word confidence so messages are reproducible."""
        return round(0.85 + (sum(map(ord, self.plain)) % 15) / 100, 2)


@dataclass(frozen=True)
class PhraseSpan:
    """Where one phrase sits on the timeline: its words and the point its turn ends."""

    first: int
    last: int
    start: int
    end: int
    boundary: int


def tokenize(phrase: str) -> List[str]:
    """Split a formatted phrase into word tokens.

    A token with no letters or digits ("-", "&") is glued to the previous token so formatted and
    unformatted views of a phrase always have the same number of words.
    """
    tokens: List[str] = []
    for raw in phrase.split():
        if plain_text(raw) or not tokens:
            tokens.append(raw)
        else:
            tokens[-1] = f"{tokens[-1]} {raw}"
    return [token for token in tokens if plain_text(token)]


class TranscriptScript:
    """Phrases laid out on the received-audio timeline."""

    def __init__(
        self,
        phrases: Iterable[str] = DEFAULT_PHRASES,
        *,
        word_ms: int = DEFAULT_WORD_MS,
        gap_ms: int = DEFAULT_GAP_MS,
        lead_in_ms: int = DEFAULT_LEAD_IN_MS,
    ) -> None:
        self.phrases: Tuple[str, ...] = tuple(str(p).strip() for p in phrases)
        if word_ms <= 0:
            raise ValueError("word_ms must be positive")
        if gap_ms <= 0:
            raise ValueError("gap_ms must be positive: a silence gap is what ends a turn")
        if lead_in_ms < 0:
            raise ValueError("lead_in_ms must not be negative")
        self.word_ms = int(word_ms)
        self.gap_ms = int(gap_ms)
        self.lead_in_ms = int(lead_in_ms)

        words: List[ScriptWord] = []
        spans: List[PhraseSpan] = []
        cursor = self.lead_in_ms
        for phrase_index, phrase in enumerate(self.phrases):
            tokens = tokenize(phrase)
            if not tokens:
                raise ValueError(f"phrase {phrase_index} has no words: {phrase!r}")
            first = len(words)
            for token in tokens:
                words.append(
                    ScriptWord(
                        index=len(words),
                        phrase=phrase_index,
                        text=token,
                        plain=plain_text(token),
                        start=cursor,
                        end=cursor + self.word_ms,
                    )
                )
                cursor += self.word_ms
            spans.append(
                PhraseSpan(
                    first=first,
                    last=len(words) - 1,
                    start=words[first].start,
                    end=cursor,
                    boundary=cursor + self.gap_ms,
                )
            )
            cursor += self.gap_ms
        self.words: Tuple[ScriptWord, ...] = tuple(words)
        self.spans: Tuple[PhraseSpan, ...] = tuple(spans)

    @classmethod
    def from_file(cls, path: Union[str, Path], **overrides: int) -> "TranscriptScript":
        """Load a script file: a JSON list of phrases, or an object with ``phrases`` and pace keys.

        Keyword overrides (e.g. from CLI flags) win over values in the file.
        """
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if isinstance(data, list):
            data = {"phrases": data}
        if not isinstance(data, dict) or not isinstance(data.get("phrases"), list):
            raise ValueError(f"{path}: expected a list of phrases or an object with 'phrases'")
        pace = {key: int(data[key]) for key in ("word_ms", "gap_ms", "lead_in_ms") if key in data}
        pace.update(overrides)
        return cls(data["phrases"], **pace)

    @property
    def duration_ms(self) -> int:
        """Audio needed for every turn of the script to end by itself."""
        return self.spans[-1].boundary if self.spans else self.lead_in_ms

    def span_of(self, word: ScriptWord) -> PhraseSpan:
        return self.spans[word.phrase]

    def expected_finals(
        self, audio_ms: Optional[float] = None, *, flush: bool = True, formatted: bool = True
    ) -> List[str]:
        """Final transcripts a session yields after ``audio_ms`` of audio.

        ``audio_ms=None`` means enough audio for the whole script. ``flush`` says whether the
        session ended with Terminate (v3) / terminate_session (v2), which turns the words heard
        so far in the open turn into one more final. ``formatted``: whether the session's finals
        are formatted (v2 always; v3 only with ``format_turns``), else their plain words.
        """
        tracker = TurnTracker(self)
        events = tracker.advance(self.duration_ms if audio_ms is None else audio_ms)
        if flush:
            events.extend(tracker.end_turn())
        return [event.formatted if formatted else event.plain for event in events if isinstance(event, TurnEnded)]


@dataclass(frozen=True)
class TurnProgress:
    """The open turn changed: more words are final, or a new word started."""

    turn_order: int
    final_words: Tuple[ScriptWord, ...]
    in_progress: Optional[ScriptWord]
    #: True on the first report in which every word of a finished phrase is final: a pause.
    utterance_complete: bool

    @property
    def plain(self) -> str:
        return " ".join(word.plain for word in self.final_words)

    @property
    def formatted(self) -> str:
        return " ".join(word.text for word in self.final_words)


@dataclass(frozen=True)
class TurnEnded:
    """The open turn ended: by a silence gap, a forced endpoint, or a terminate flush."""

    turn_order: int
    words: Tuple[ScriptWord, ...]
    #: True when the turn ends at the end of its phrase (all punctuation belongs to it).
    complete: bool
    #: True if no earlier progress report carried this turn's utterance.
    utterance_pending: bool

    @property
    def plain(self) -> str:
        return " ".join(word.plain for word in self.words)

    @property
    def formatted(self) -> str:
        text = " ".join(word.text for word in self.words)
        return text if self.complete else text.rstrip(_CUT_TRAILING_PUNCTUATION).rstrip()


TurnEvent = Union[TurnProgress, TurnEnded]


@dataclass
class TurnTracker:
    """Follows one session along the script as audio arrives.

    A word counts as heard once the audio reaching its end has arrived; a word whose start has
    arrived but not its end is "in progress" (shown as non-final). Turns end at their phrase's
    silence boundary, or earlier when the client forces an endpoint or terminates.
    """

    script: TranscriptScript
    audio_ms: float = 0.0
    turn_order: int = 0
    cursor: int = 0
    _reported: Tuple[int, Optional[int]] = field(default=(0, None))
    _utterance_reported: bool = False

    def advance(self, audio_ms: float) -> List[TurnEvent]:
        """Move the received-audio position forward and return what happened on the way."""
        events: List[TurnEvent] = []
        before, self.audio_ms = self.audio_ms, max(self.audio_ms, float(audio_ms))
        for span in self.script.spans:
            if before < span.boundary <= self.audio_ms and self.cursor <= span.last:
                events.append(self._close_turn(span.last + 1, complete=True))
        progress = self._progress()
        if progress is not None:
            events.append(progress)
        return events

    def end_turn(self) -> List[TurnEnded]:
        """Close the open turn now with the words fully heard so far (ForceEndpoint/Terminate).

        Returns nothing when no word of the open turn has been fully heard: there is no turn to
        end. The word in progress, if any, becomes the first word of the next turn.
        """
        heard = self._heard_count()
        if heard <= self.cursor:
            return []
        last = self.script.words[heard - 1]
        complete = last.index == self.script.span_of(last).last
        return [self._close_turn(heard, complete=complete)]

    def _heard_count(self) -> int:
        """Index just past the last word whose end has been received."""
        count = self.cursor
        words = self.script.words
        while count < len(words) and words[count].end <= self.audio_ms:
            count += 1
        return count

    def _in_progress(self, heard: int) -> Optional[ScriptWord]:
        words = self.script.words
        if heard < len(words) and words[heard].start < self.audio_ms:
            return words[heard]
        return None

    def _progress(self) -> Optional[TurnProgress]:
        heard = self._heard_count()
        in_progress = self._in_progress(heard)
        state = (heard, in_progress.index if in_progress else None)
        if state == self._reported or (heard == self.cursor and in_progress is None):
            return None
        self._reported = state
        final_words = self.script.words[self.cursor : heard]
        utterance = (
            in_progress is None
            and bool(final_words)
            and final_words[-1].index == self.script.span_of(final_words[-1]).last
            and not self._utterance_reported
        )
        if utterance:
            self._utterance_reported = True
        return TurnProgress(self.turn_order, final_words, in_progress, utterance)

    def _close_turn(self, stop: int, *, complete: bool) -> TurnEnded:
        ended = TurnEnded(
            turn_order=self.turn_order,
            words=self.script.words[self.cursor : stop],
            complete=complete,
            utterance_pending=not self._utterance_reported,
        )
        self.cursor = stop
        self.turn_order += 1
        self._reported = (stop, None)
        self._utterance_reported = False
        return ended


def as_script(
    phrases: Optional[Union[Sequence[str], TranscriptScript]] = None,
    *,
    word_ms: int = DEFAULT_WORD_MS,
    gap_ms: int = DEFAULT_GAP_MS,
    lead_in_ms: int = DEFAULT_LEAD_IN_MS,
) -> TranscriptScript:
    """Accept either a ready script or phrases plus pace, as the public constructors do."""
    if isinstance(phrases, TranscriptScript):
        return phrases
    if isinstance(phrases, str):
        phrases = [phrases]
    return TranscriptScript(
        DEFAULT_PHRASES if phrases is None else phrases,
        word_ms=word_ms,
        gap_ms=gap_ms,
        lead_in_ms=lead_in_ms,
    )
