"""Audio sources: the microphone (pyaudio) and a WAV file played at real-time pace.

Both produce the same thing through one small interface, :class:`AudioSource`:
little-endian 16-bit mono PCM at the session's sample rate, delivered no faster than real
time, in chunks of about 50 ms. The session turns that into wire frames (mu-law if asked,
exactly 50 ms each); a source never needs to know about the socket.

Ownership: :meth:`AudioSource.open` runs before connecting, so a missing device fails
before a (billed) session exists; :meth:`AudioSource.close` is idempotent, safe to call
from another thread while a read is in progress (it waits for that read), and always
called by the session in ``finally``.
"""

from __future__ import annotations

import threading
import time
import wave
from typing import Any, List, Optional

from .pcm import FRAME_MS, LinearResampler, mix_to_mono, to_16_bit

MIC_EXTRA_HINT = "pip install 'migrate-stt[mic]'"


class AudioSourceError(Exception):
    """The audio source cannot be used; the message says why and what to do."""


class AudioSource:
    """Base class: pcm16 mono at :attr:`sample_rate`, paced like a live capture."""

    #: Human-readable name for messages ("microphone 'USB Audio'", "file speech.wav").
    description = "audio source"

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self._lock = threading.Lock()
        self._closed = False

    def open(self) -> None:
        """Acquire the device or file. Raises :class:`AudioSourceError`."""

    def read(self) -> Optional[bytes]:
        """Block for the next chunk (about 50 ms of audio); ``None`` at the end of the source."""
        with self._lock:
            if self._closed:
                return None
            return self._read_locked()

    def close(self) -> None:
        """Release the device or file. Idempotent and thread-safe."""
        # A bounded wait: a read holds the lock for at most one chunk (~50 ms).
        acquired = self._lock.acquire(timeout=2.0)
        try:
            if not self._closed:
                self._closed = True
                self._release()
        finally:
            if acquired:
                self._lock.release()

    def _read_locked(self) -> Optional[bytes]:
        raise NotImplementedError

    def _release(self) -> None:
        """Free resources; called once, under the lock."""

    def __enter__(self) -> "AudioSource":
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _import_pyaudio() -> Any:
    try:
        import pyaudio  # type: ignore[import-not-found]
    except ImportError as error:
        raise AudioSourceError(
            f"microphone capture needs pyaudio, which is not installed ({error}); "
            f"install it with: {MIC_EXTRA_HINT}  (or stream a file with --wav FILE)"
        ) from None
    return pyaudio


def list_input_devices() -> List[dict]:
    """Input-capable devices as ``{"index", "name", "channels", "default_sample_rate"}``."""
    pyaudio = _import_pyaudio()
    audio = pyaudio.PyAudio()
    try:
        devices = []
        for index in range(audio.get_device_count()):
            info = audio.get_device_info_by_index(index)
            if int(info.get("maxInputChannels", 0)) > 0:
                devices.append(
                    {
                        "index": index,
                        "name": str(info.get("name", "")),
                        "channels": int(info["maxInputChannels"]),
                        "default_sample_rate": int(info.get("defaultSampleRate", 0)),
                    }
                )
        return devices
    finally:
        audio.terminate()


class MicrophoneSource(AudioSource):
    """pyaudio capture: 16-bit mono at the session rate, 50 ms per read.

    The stream is created stopped and started on the first read, so nothing is captured
    (or overflows) while the session is still connecting.
    """

    def __init__(self, sample_rate: int = 16000, device: Optional[int] = None) -> None:
        super().__init__(sample_rate)
        self.device = device
        self.frames_per_buffer = sample_rate * FRAME_MS // 1000
        self.description = "default microphone" if device is None else f"input device {device}"
        self._pyaudio: Any = None
        self._audio: Any = None
        self._stream: Any = None

    def open(self) -> None:
        self._pyaudio = _import_pyaudio()
        audio = self._pyaudio.PyAudio()
        try:
            if audio.get_device_count() == 0:
                raise AudioSourceError("no audio devices found (is a microphone connected?)")
            try:
                info = (
                    audio.get_default_input_device_info()
                    if self.device is None
                    else audio.get_device_info_by_index(self.device)
                )
            except (IOError, OSError, ValueError) as error:
                which = "no default input device" if self.device is None else f"no input device {self.device}"
                raise AudioSourceError(f"{which} ({error}); see --list-devices") from None
            if int(info.get("maxInputChannels", 0)) < 1:
                raise AudioSourceError(
                    f"device {info.get('index', self.device)} ({info.get('name', '?')}) has no input channels; "
                    "see --list-devices"
                )
            self.description = f"microphone {info.get('name', '?')!r}"
            try:
                self._stream = audio.open(
                    format=self._pyaudio.paInt16,
                    channels=1,
                    rate=self.sample_rate,
                    input=True,
                    input_device_index=self.device,
                    frames_per_buffer=self.frames_per_buffer,
                    start=False,
                )
            except (IOError, OSError, ValueError) as error:
                raise AudioSourceError(
                    f"cannot open {self.description} at {self.sample_rate} Hz mono 16-bit ({error}); "
                    "try another --device or --sample-rate"
                ) from None
        except BaseException:
            audio.terminate()
            raise
        self._audio = audio

    def _read_locked(self) -> Optional[bytes]:
        if self._stream is None:
            return None
        if not self._stream.is_active():
            self._stream.start_stream()
        # Overflow means we were late once; dropping those samples beats crashing a live session.
        return self._stream.read(self.frames_per_buffer, exception_on_overflow=False)

    def _release(self) -> None:
        stream, audio = self._stream, self._audio
        self._stream = self._audio = None
        try:
            if stream is not None:
                if stream.is_active():
                    stream.stop_stream()
                stream.close()
        finally:
            if audio is not None:
                audio.terminate()


class WavFileSource(AudioSource):
    """A PCM WAV file, converted to the session format and paced at real time.

    Any channel count, 8/16/24/32-bit integer samples and any rate are accepted: channels
    are averaged and the rate converted linearly. Compressed or float WAVs are refused
    with a message that says how to convert them. Chunk *n* is released at
    ``start + (n + 1) * 50 ms``, i.e. only once that audio "has been spoken", exactly as a
    microphone would deliver it, so the server never sees audio faster than real time.
    """

    def __init__(self, path: str, sample_rate: int = 16000) -> None:
        super().__init__(sample_rate)
        self.path = path
        self.description = f"file {path}"
        self._wave: Optional[wave.Wave_read] = None
        self._resampler: Optional[LinearResampler] = None
        self._channels = 1
        self._sample_width = 2
        self._frames_per_read = 0
        self._started_at: Optional[float] = None
        self._audio_seconds = 0.0
        self._finished = False
        self.duration_seconds = 0.0
        self.source_format = ""

    def open(self) -> None:
        try:
            reader = wave.open(self.path, "rb")
        except FileNotFoundError:
            raise AudioSourceError(f"WAV file not found: {self.path}") from None
        except (wave.Error, EOFError, OSError) as error:
            raise AudioSourceError(
                f"cannot read {self.path} as a PCM WAV file ({error}); convert it with: "
                f"ffmpeg -i {self.path} -ac 1 -ar {self.sample_rate} -sample_fmt s16 out.wav"
            ) from None
        channels, width, rate = reader.getnchannels(), reader.getsampwidth(), reader.getframerate()
        if width not in (1, 2, 3, 4) or channels < 1 or rate <= 0:
            reader.close()
            raise AudioSourceError(
                f"{self.path}: unsupported WAV format ({channels} channels, {8 * width}-bit, {rate} Hz)"
            )
        self._wave = reader
        self._channels, self._sample_width = channels, width
        self._frames_per_read = max(1, rate * FRAME_MS // 1000)
        self._resampler = LinearResampler(rate, self.sample_rate)
        self.duration_seconds = reader.getnframes() / rate
        self.source_format = f"{channels} ch, {8 * width}-bit, {rate} Hz"

    def _read_locked(self) -> Optional[bytes]:
        if self._wave is None or self._resampler is None or self._finished:
            return None
        raw = self._wave.readframes(self._frames_per_read)
        if raw:
            source_rate = self._wave.getframerate()
            frames = len(raw) // (self._sample_width * self._channels)
            chunk = self._resampler.process(mix_to_mono(to_16_bit(raw, self._sample_width), self._channels))
            audio_seconds = frames / source_rate
        else:
            self._finished = True
            chunk = self._resampler.flush()
            audio_seconds = 0.0
            if not chunk:
                return None
        self._pace(audio_seconds)
        return chunk

    def _pace(self, audio_seconds: float) -> None:
        """Sleep until this chunk's audio would have finished playing (at most one chunk)."""
        now = time.monotonic()
        if self._started_at is None:
            self._started_at = now
        self._audio_seconds += audio_seconds
        delay = self._started_at + self._audio_seconds - now
        if delay > 0:
            time.sleep(delay)

    def _release(self) -> None:
        if self._wave is not None:
            self._wave.close()
            self._wave = None
