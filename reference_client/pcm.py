"""PCM plumbing with the standard library only.

``audioop`` is deprecated and gone in Python 3.13, so the few conversions the client needs
are written here: sample-width conversion to 16 bit, channel mixing, linear resampling,
mu-law encoding and re-chunking into exact 50 ms frames. Everything works on
little-endian 16-bit mono ("pcm16") byte strings, the format v3 calls ``pcm_s16le``.

Linear interpolation has no anti-alias filter; for speech downsampled to 16 kHz that is
an acceptable trade for zero dependencies (energy above 8 kHz is small), and the server
resamples anything else itself anyway.
"""

from __future__ import annotations

import sys
from array import array
from math import gcd
from typing import List, Optional

#: v3 accepts 50..1000 ms per message; 50 ms is what the migration guide sends.
FRAME_MS = 50
_BIG_ENDIAN = sys.byteorder == "big"


def frame_size(sample_rate: int, bytes_per_sample: int = 2, frame_ms: int = FRAME_MS) -> int:
    """Bytes in one frame of ``frame_ms`` of mono audio."""
    return sample_rate * frame_ms // 1000 * bytes_per_sample


def _samples(pcm16: bytes) -> array:
    samples = array("h")
    samples.frombytes(pcm16)
    if _BIG_ENDIAN:
        samples.byteswap()
    return samples


def _pcm16(samples: array) -> bytes:
    if _BIG_ENDIAN:
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()


def to_16_bit(data: bytes, sample_width: int) -> bytes:
    """Convert little-endian PCM of ``sample_width`` bytes per sample to 16-bit.

    WAV stores 8-bit samples unsigned and wider ones signed; wider samples keep their
    two most significant bytes.
    """
    if sample_width == 2:
        return bytes(data)
    if sample_width == 1:
        return _pcm16(array("h", ((byte - 128) << 8 for byte in data)))
    if sample_width in (3, 4):
        count = len(data) // sample_width
        out = bytearray(count * 2)
        out[0::2] = data[sample_width - 2 :: sample_width][:count]
        out[1::2] = data[sample_width - 1 :: sample_width][:count]
        return bytes(out)
    raise ValueError(f"unsupported sample width: {sample_width} bytes")


def mix_to_mono(pcm16: bytes, channels: int) -> bytes:
    """Average interleaved channels into one."""
    if channels == 1:
        return pcm16
    samples = _samples(pcm16)
    usable = len(samples) - len(samples) % channels
    lanes = [samples[lane:usable:channels] for lane in range(channels)]
    return _pcm16(array("h", (sum(frame) // channels for frame in zip(*lanes))))


class LinearResampler:
    """Streaming linear-interpolation resampler for pcm16.

    Positions are tracked as exact fractions (numerator over the target rate), so there is
    no drift over hours of audio, and the last input sample is carried between calls so
    chunk boundaries are seamless.
    """

    def __init__(self, source_rate: int, target_rate: int) -> None:
        if source_rate <= 0 or target_rate <= 0:
            raise ValueError("sample rates must be positive")
        divisor = gcd(source_rate, target_rate)
        self._step = source_rate // divisor  # source samples per output sample, times _scale
        self._scale = target_rate // divisor
        self._position = 0  # next output position in source samples, times _scale
        self._carry: List[int] = []  # unconsumed input, starting at source index 0 of _position

    @property
    def is_identity(self) -> bool:
        return self._step == self._scale

    def process(self, pcm16: bytes) -> bytes:
        """Resample one chunk; output length follows the rate ratio, give or take a sample."""
        if self.is_identity:
            return pcm16
        source = self._carry + _samples(pcm16).tolist()
        out = array("h")
        step, scale, position = self._step, self._scale, self._position
        while True:
            index, remainder = divmod(position, scale)
            if index + 1 >= len(source):
                break
            left = source[index]
            out.append(left + (source[index + 1] - left) * remainder // scale)
            position += step
        keep_from = min(position // scale, len(source))
        self._carry = source[keep_from:]
        self._position = position - keep_from * scale
        return _pcm16(out)

    def flush(self) -> bytes:
        """The output that was waiting for a following sample, holding the last value."""
        if self.is_identity or not self._carry:
            return b""
        out = array("h")
        while self._position // self._scale < len(self._carry):
            out.append(self._carry[self._position // self._scale])
            self._position += self._step
        self._carry = []
        return _pcm16(out)


_ULAW_TABLE: Optional[bytes] = None


def _ulaw_byte(sample: int) -> int:
    """G.711 mu-law of one signed 16-bit sample, bit-exact with the classic Sun/audioop code.

    The sample is scaled to 14 bits, biased, and split into a 3-bit segment and a 4-bit
    mantissa; all bits are inverted on the wire.
    """
    value = sample >> 2
    mask = 0xFF
    if value < 0:
        value, mask = -value, 0x7F
    value = min(value, 8159) + 33
    segment = max(0, value.bit_length() - 6)
    if segment >= 8:
        return 0x7F ^ mask
    return ((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask


def encode_mulaw(pcm16: bytes) -> bytes:
    """pcm16 to 8-bit mu-law (``pcm_mulaw``), through a table built on first use."""
    global _ULAW_TABLE
    if _ULAW_TABLE is None:
        _ULAW_TABLE = bytes(_ulaw_byte(value - 65536 if value > 32767 else value) for value in range(65536))
    unsigned = array("H")
    unsigned.frombytes(pcm16)
    if _BIG_ENDIAN:
        unsigned.byteswap()
    return bytes(map(_ULAW_TABLE.__getitem__, unsigned))


#: The byte value of digital silence, used to pad the last frame.
SILENCE_BYTE = {"pcm_s16le": 0x00, "pcm_mulaw": 0xFF}


class FrameChunker:
    """Re-chunks a byte stream into frames of exactly ``frame_bytes``.

    Sources deliver whatever sizes they like (a resampler is off by a sample here and
    there, a WAV file ends mid-frame); the server wants every message within 50..1000 ms,
    so everything is cut to exactly one frame and the tail is padded with silence rather
    than sent short.
    """

    def __init__(self, frame_bytes: int, silence: int = 0x00) -> None:
        if frame_bytes <= 0:
            raise ValueError("frame_bytes must be positive")
        self.frame_bytes = frame_bytes
        self._silence = silence
        self._pending = bytearray()

    def feed(self, data: bytes) -> List[bytes]:
        """Append ``data``; return every complete frame now available."""
        self._pending += data
        size = self.frame_bytes
        count = len(self._pending) // size
        frames = [bytes(self._pending[i * size : (i + 1) * size]) for i in range(count)]
        del self._pending[: count * size]
        return frames

    def flush(self) -> Optional[bytes]:
        """The remainder padded to a full frame, or ``None`` when nothing is pending."""
        if not self._pending:
            return None
        frame = bytes(self._pending) + bytes([self._silence]) * (self.frame_bytes - len(self._pending))
        self._pending.clear()
        return frame
