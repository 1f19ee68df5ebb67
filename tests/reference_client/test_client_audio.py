"""Audio sources: WAV conversion and real-time pacing; microphone errors and capture via a fake pyaudio."""

from __future__ import annotations

import sys
import time
import types

import pytest

from reference_client.audio import AudioSourceError, MicrophoneSource, WavFileSource, list_input_devices


def read_all(source):
    chunks = []
    while True:
        chunk = source.read()
        if chunk is None:
            return chunks
        chunks.append(chunk)


def test_wav_at_the_session_format_is_streamed_unchanged(make_wav):
    source = WavFileSource(str(make_wav(0.2, value=7)), sample_rate=16000)
    source.open()
    data = b"".join(read_all(source))
    source.close()
    assert data == (7).to_bytes(2, "little", signed=True) * 3200


def test_wav_is_paced_at_real_time(make_wav):
    source = WavFileSource(str(make_wav(0.5)), sample_rate=16000)
    source.open()
    started = time.monotonic()
    read_all(source)
    elapsed = time.monotonic() - started
    source.close()
    assert 0.45 <= elapsed < 0.8


def test_wav_chunks_are_about_50_ms(make_wav):
    source = WavFileSource(str(make_wav(0.3)), sample_rate=16000)
    source.open()
    sizes = [len(chunk) for chunk in read_all(source)]
    source.close()
    assert sizes == [1600] * 6


@pytest.mark.parametrize(
    "rate, channels, width",
    [(44100, 2, 2), (48000, 1, 2), (8000, 1, 1), (22050, 2, 3), (16000, 4, 4)],
)
def test_any_pcm_wav_is_converted_to_16k_mono_16_bit(make_wav, rate, channels, width):
    source = WavFileSource(str(make_wav(0.2, rate=rate, channels=channels, width=width)), sample_rate=16000)
    source.open()
    data = b"".join(read_all(source))
    source.close()
    assert abs(len(data) // 2 - 3200) <= 2


def test_missing_wav_is_a_clear_error(tmp_path):
    with pytest.raises(AudioSourceError, match="WAV file not found"):
        WavFileSource(str(tmp_path / "nope.wav")).open()


def test_non_wav_file_is_refused_with_a_conversion_hint(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_bytes(b"ID3\x03\x00\x00\x00" + b"\x00" * 100)
    with pytest.raises(AudioSourceError, match="ffmpeg -i"):
        WavFileSource(str(path)).open()


def test_float_wav_is_refused(tmp_path):
    # A minimal IEEE-float (format 3) WAV header: the wave module cannot read it.
    import struct

    data = b"\x00" * 16
    header = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    fmt = b"fmt " + struct.pack("<IHHIIHH", 16, 3, 1, 16000, 64000, 4, 32)
    path = tmp_path / "float.wav"
    path.write_bytes(header + fmt + b"data" + struct.pack("<I", len(data)) + data)
    with pytest.raises(AudioSourceError, match="PCM WAV"):
        WavFileSource(str(path)).open()


def test_close_is_idempotent_and_ends_reading(make_wav):
    source = WavFileSource(str(make_wav(1.0)))
    source.open()
    source.close()
    source.close()
    assert source.read() is None


# ------------------------------------------------------------------ microphone


class FakeStream:
    def __init__(self, frames_per_buffer):
        self.frames_per_buffer = frames_per_buffer
        self.active = False
        self.closed = False

    def is_active(self):
        return self.active

    def start_stream(self):
        self.active = True

    def stop_stream(self):
        self.active = False

    def read(self, frames, exception_on_overflow=True):
        assert not exception_on_overflow, "a live client must not crash on a late read"
        return b"\x00\x00" * frames

    def close(self):
        self.closed = True


class FakePyAudio:
    devices = [
        {"index": 0, "name": "Speakers", "maxInputChannels": 0, "defaultSampleRate": 48000.0},
        {"index": 1, "name": "USB Mic", "maxInputChannels": 1, "defaultSampleRate": 16000.0},
    ]
    instances = []

    def __init__(self):
        self.terminated = False
        self.opened = []
        FakePyAudio.instances.append(self)

    def get_device_count(self):
        return len(self.devices)

    def get_device_info_by_index(self, index):
        if not 0 <= index < len(self.devices):
            raise OSError("[Errno -9996] Invalid device")
        return self.devices[index]

    def get_default_input_device_info(self):
        return self.devices[1]

    def open(self, **options):
        self.opened.append(options)
        return FakeStream(options["frames_per_buffer"])

    def terminate(self):
        self.terminated = True


@pytest.fixture
def fake_pyaudio(monkeypatch):
    module = types.ModuleType("pyaudio")
    module.PyAudio = FakePyAudio
    module.paInt16 = 8
    FakePyAudio.instances = []
    monkeypatch.setitem(sys.modules, "pyaudio", module)
    return module


def test_missing_pyaudio_names_the_mic_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "pyaudio", None)
    with pytest.raises(AudioSourceError, match=r"pip install 'migrate-stt\[mic\]'"):
        MicrophoneSource().open()


def test_microphone_opens_16k_mono_int16_with_50_ms_buffers(fake_pyaudio):
    source = MicrophoneSource(16000)
    source.open()
    options = FakePyAudio.instances[-1].opened[-1]
    assert (options["rate"], options["channels"], options["format"], options["frames_per_buffer"]) == (
        16000,
        1,
        fake_pyaudio.paInt16,
        800,
    )
    assert options["start"] is False
    assert len(source.read()) == 1600
    source.close()


def test_microphone_close_releases_stream_and_pyaudio(fake_pyaudio):
    source = MicrophoneSource(16000)
    source.open()
    stream = source._stream
    source.read()
    source.close()
    assert stream.closed and not stream.active and FakePyAudio.instances[-1].terminated


def test_unknown_device_is_a_clear_error(fake_pyaudio):
    with pytest.raises(AudioSourceError, match="no input device 7.*--list-devices"):
        MicrophoneSource(device=7).open()
    assert FakePyAudio.instances[-1].terminated


def test_output_only_device_is_refused(fake_pyaudio):
    with pytest.raises(AudioSourceError, match="no input channels"):
        MicrophoneSource(device=0).open()


def test_list_devices_shows_only_input_devices(fake_pyaudio):
    assert list_input_devices() == [{"index": 1, "name": "USB Mic", "channels": 1, "default_sample_rate": 16000}]
