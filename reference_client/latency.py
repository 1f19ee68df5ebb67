"""Turn latency: from sending a turn's last word to receiving the turn.

Word times in v3 are milliseconds of audio since the stream started. The sender records,
for every frame, how much audio had been sent once that frame was out and when; the
audio position of a word's ``end`` therefore maps to the moment the audio containing it
left the client. Latency = receive time of the final turn - that moment. This is the
number a user feels (last word spoken -> text on screen), minus capture buffering.
"""

from __future__ import annotations

import bisect
import statistics
import threading
from typing import List, Optional


class LatencyTracker:
    """Maps audio positions to send times; thread-safe (sender writes, receiver reads)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._audio_end_ms: List[float] = []
        self._sent_at: List[float] = []
        self.samples_ms: List[float] = []

    def frame_sent(self, audio_end_ms: float, sent_at: float) -> None:
        """Record that audio up to ``audio_end_ms`` had been sent at monotonic ``sent_at``."""
        with self._lock:
            self._audio_end_ms.append(audio_end_ms)
            self._sent_at.append(sent_at)

    def sent_at(self, audio_ms: float) -> Optional[float]:
        """When the frame holding audio position ``audio_ms`` was sent, if it was."""
        with self._lock:
            index = bisect.bisect_left(self._audio_end_ms, audio_ms)
            if index >= len(self._sent_at):
                return None
            return self._sent_at[index]

    def measure(self, last_word_end_ms: Optional[int], received_at: float) -> Optional[float]:
        """Latency in ms for a final turn, recorded for :meth:`summary`; ``None`` if unknown."""
        if last_word_end_ms is None:
            return None
        sent = self.sent_at(last_word_end_ms)
        if sent is None:
            return None
        latency = max(0.0, (received_at - sent) * 1000.0)
        self.samples_ms.append(latency)
        return latency

    def summary(self) -> Optional[dict]:
        """Count, median, p90 and max of the measured latencies (ms), or ``None``."""
        if not self.samples_ms:
            return None
        ordered = sorted(self.samples_ms)
        p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
        return {
            "turns": len(ordered),
            "median_ms": round(statistics.median(ordered), 1),
            "p90_ms": round(p90, 1),
            "max_ms": round(ordered[-1], 1),
        }
