"""Standard-library PCM conversions and exact 50 ms framing."""

from __future__ import annotations

import sys
import warnings
from array import array

import pytest

from reference_client.pcm import (
    FrameChunker,
    LinearResampler,
    encode_mulaw,
    frame_size,
    mix_to_mono,
    to_16_bit,
)


def pcm(*samples: int) -> bytes:
    data = array("h", samples)
    if sys.byteorder == "big":
        data.byteswap()
    return data.tobytes()


def samples_of(data: bytes) -> list:
    values = array("h")
    values.frombytes(data)
    if sys.byteorder == "big":
        values.byteswap()
    return values.tolist()


def test_frame_size_is_50_ms_of_audio():
    assert frame_size(16000) == 1600
    assert frame_size(8000, bytes_per_sample=1) == 400


def test_chunker_emits_only_whole_frames():
    chunker = FrameChunker(4)
    assert chunker.feed(b"abc") == []
    assert chunker.feed(b"defghij") == [b"abcd", b"efgh"]
    assert chunker.feed(b"k") == []
    assert chunker.feed(b"l") == [b"ijkl"]


def test_chunker_pads_the_tail_with_silence():
    chunker = FrameChunker(4, silence=0xFF)
    chunker.feed(b"abcdef")
    assert chunker.flush() == b"ef\xff\xff"
    assert chunker.flush() is None


def test_chunker_flush_with_nothing_pending_sends_nothing():
    chunker = FrameChunker(4)
    chunker.feed(b"abcd")
    assert chunker.flush() is None


def test_chunker_reframes_odd_sizes_into_exact_frames():
    chunker = FrameChunker(1600)
    frames = []
    for size in (1, 799, 1601, 3333, 17):
        frames += chunker.feed(b"\x01" * size)
    tail = chunker.flush()
    assert [len(frame) for frame in frames] == [1600, 1600, 1600]
    assert len(tail) == 1600
    assert tail == b"\x01" * (5751 - 4800) + b"\x00" * (1600 - 951)


def test_16_bit_input_is_unchanged():
    assert to_16_bit(pcm(1, -2), 2) == pcm(1, -2)


def test_8_bit_unsigned_becomes_signed_16_bit():
    assert samples_of(to_16_bit(bytes([0, 128, 255]), 1)) == [-32768, 0, 32512]


def test_24_bit_keeps_the_two_high_bytes():
    # 0x123456 and -2 (0xFFFFFE) in little-endian 24-bit
    assert samples_of(to_16_bit(bytes([0x56, 0x34, 0x12, 0xFE, 0xFF, 0xFF]), 3)) == [0x1234, -1]


def test_32_bit_keeps_the_two_high_bytes():
    assert samples_of(to_16_bit((0x12345678).to_bytes(4, "little"), 4)) == [0x1234]


def test_unsupported_width_is_refused():
    with pytest.raises(ValueError):
        to_16_bit(b"\x00" * 5, 5)


def test_stereo_is_averaged_to_mono():
    assert samples_of(mix_to_mono(pcm(100, 300, -100, -300), 2)) == [200, -200]


def test_mono_passes_through_mixing():
    assert mix_to_mono(pcm(1, 2, 3), 1) == pcm(1, 2, 3)


def test_resampler_at_the_same_rate_is_identity():
    assert LinearResampler(16000, 16000).process(pcm(1, 2, 3)) == pcm(1, 2, 3)


def test_upsampling_interpolates_linearly():
    resampler = LinearResampler(8000, 16000)
    out = samples_of(resampler.process(pcm(0, 100, 200)) + resampler.flush())
    assert out == [0, 50, 100, 150, 200, 200]


def test_downsampling_picks_every_third_sample_for_48k_to_16k():
    resampler = LinearResampler(48000, 16000)
    out = samples_of(resampler.process(pcm(*range(0, 1200, 100))) + resampler.flush())
    assert out == [0, 300, 600, 900]


def test_resampling_in_chunks_equals_resampling_at_once():
    signal = [((i * 37) % 2000) - 1000 for i in range(4410)]
    whole = LinearResampler(44100, 16000)
    expected = samples_of(whole.process(pcm(*signal)) + whole.flush())
    chunked = LinearResampler(44100, 16000)
    out = b""
    for start in range(0, len(signal), 441):
        out += chunked.process(pcm(*signal[start : start + 441]))
    out += chunked.flush()
    assert samples_of(out) == expected


def test_resampled_length_follows_the_rate_ratio():
    resampler = LinearResampler(44100, 16000)
    out = resampler.process(pcm(*([0] * 44100))) + resampler.flush()
    assert len(out) // 2 == 16000


def test_mulaw_silence_and_extremes():
    assert encode_mulaw(pcm(0, 32767, -32768)) == bytes([0xFF, 0x80, 0x00])


def test_mulaw_matches_audioop_where_it_still_exists():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        audioop = pytest.importorskip("audioop")
    samples = pcm(*range(-32768, 32768))
    assert encode_mulaw(samples) == audioop.lin2ulaw(samples, 2)
