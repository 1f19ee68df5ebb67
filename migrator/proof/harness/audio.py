"""Test audio: the bundled WAV and the synthesiser that made it.

The emulator does no recognition, so any 16-bit mono signal works; a speech-like one (voiced
syllables with silence between phrases) just makes recordings easier to reason about when
listened to. Synthesis is deterministic so the fixture can be rebuilt byte for byte.
"""

from __future__ import annotations

import math
import tempfile
import wave
from array import array
from pathlib import Path
from typing import Union

SAMPLE_RATE = 16000
FIXTURE = Path(__file__).resolve().parents[3] / "fixtures" / "audio" / "speech_16k.wav"


def synthesize_wav(
    path: Union[str, Path],
    seconds: float = 5.0,
    sample_rate: int = SAMPLE_RATE,
    syllable_ms: int = 200,
) -> Path:
    """Write a deterministic speech-like 16-bit mono WAV and return its path.

    Voiced "syllables" (a 120-180 Hz buzz with a few harmonics under a smooth envelope) fill
    ``syllable_ms`` slots; every seventh slot is a pause, like the gaps between phrases.
    """
    path = Path(path)
    total = int(seconds * sample_rate)
    slot = int(syllable_ms * sample_rate / 1000)
    samples = array("h", bytes(2 * total))
    for start in range(0, total, slot):
        index = start // slot
        if index % 7 == 6:
            continue
        pitch = 120.0 + 60.0 * ((index * 37) % 11) / 10.0
        length = min(slot, total - start)
        for n in range(length):
            envelope = math.sin(math.pi * n / length) ** 2
            t = n / sample_rate
            voice = sum(math.sin(2 * math.pi * pitch * k * t) / k for k in (1, 2, 3, 4))
            samples[start + n] = int(9000 * envelope * voice / 2.1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sample_rate)
        out.writeframes(samples.tobytes())
    return path


def wav_duration_ms(path: Union[str, Path]) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate() * 1000.0


def default_audio() -> Path:
    """The bundled fixture, or (when installed without the repository) a synthesised copy."""
    if FIXTURE.is_file():
        return FIXTURE
    cached = Path(tempfile.gettempdir()) / "migrate-stt-speech_16k.wav"
    if not cached.is_file():
        synthesize_wav(cached)
    return cached
