"""Stand-in for python-sounddevice, put on a child script's path by the migrate-stt harness.

The input streams of sounddevice (``RawInputStream``, ``InputStream``, ``rec``) read the
harness audio through the stand-in ``pyaudio`` beside this module, so the pacing, the format
conversion and the ``audio_end`` event are the same whichever library a script captures with.
Both ways of reading are supported: a ``callback(indata, frames, time, status)`` called from a
thread of its own, and blocking ``read(frames)``, which returns ``(data, overflowed)``.
``RawInputStream`` hands out bytes; ``InputStream`` and ``rec`` hand out numpy arrays of shape
(frames, channels), and need numpy as sounddevice itself does.

Standard library only (numpy where the script asks for arrays); importable on Python 3.9+.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace
from typing import Any, Callable, Optional

import pyaudio as _source

__version__ = "0.5.1"

_FORMATS = {
    "int16": _source.paInt16,
    "float32": _source.paFloat32,
    "int32": _source.paInt32,
    "int24": _source.paInt24,
    "int8": _source.paInt8,
    "uint8": _source.paUInt8,
}
_DEFAULT_RATE = int(_source._DEFAULT_RATE)  # the rate the stand-in pyaudio reports


class CallbackStop(Exception):
    """Raised in a callback: the stream stops once that block is done."""


class CallbackAbort(Exception):
    """Raised in a callback: the stream stops at once."""


class PortAudioError(Exception):
    pass


class CallbackFlags:
    """The ``status`` of a callback: no overflow or underflow ever happens here."""

    input_overflow = input_underflow = output_overflow = output_underflow = priming_output = False

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "<sounddevice.CallbackFlags: no flags set>"


class _Default:
    def __init__(self) -> None:
        self.samplerate: Optional[float] = None
        self.channels: Any = None
        self.dtype: Any = "float32"
        self.blocksize = 0
        self.device: Any = (0, 0)
        self.latency: Any = ("high", "high")

    def _input(self, value: Any) -> Any:
        """The input half of a setting that may be an (input, output) pair."""
        return value[0] if isinstance(value, (tuple, list)) else value


default = _Default()


def _dtype_name(dtype: Any) -> str:
    name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or str(dtype)
    if name not in _FORMATS:
        raise ValueError(f"stand-in sounddevice does not support dtype {dtype!r}")
    return name


class _InputStream:
    """What the input streams share: the pyaudio stand-in's stream underneath, opened on start."""

    _arrays = False

    def __init__(
        self,
        samplerate: Optional[float] = None,
        blocksize: Optional[int] = None,
        device: Any = None,
        channels: Optional[int] = None,
        dtype: Any = None,
        latency: Any = None,
        extra_settings: Any = None,
        callback: Optional[Callable[..., Any]] = None,
        finished_callback: Optional[Callable[[], Any]] = None,
        clip_off: Any = None,
        dither_off: Any = None,
        never_drop_input: Any = None,
        prime_output_buffers_using_stream_callback: Any = None,
    ) -> None:
        rate = samplerate or default._input(default.samplerate) or _DEFAULT_RATE
        self.samplerate = float(rate)
        self.channels = int(channels or default._input(default.channels) or 1)
        self.dtype = _dtype_name(dtype or default._input(default.dtype))
        self.blocksize = int(blocksize if blocksize is not None else default.blocksize)
        self.device = device if device is not None else default._input(default.device)
        self.latency = 0.1
        self._callback = callback
        self._finished_callback = finished_callback
        self._stream: Any = None
        self._stopped_by_callback = False
        self.closed = False

    # -- the stream underneath ---------------------------------------------------------------

    def _open(self) -> Any:
        if self._stream is None:
            self._stream = _source.PyAudio().open(
                format=_FORMATS[self.dtype],
                channels=self.channels,
                rate=int(self.samplerate),
                input=True,
                frames_per_buffer=self.blocksize or int(self.samplerate) // 100,
                start=False,
                stream_callback=self._deliver if self._callback is not None else None,
            )
        return self._stream

    def _data(self, raw: bytes) -> Any:
        if not self._arrays:
            return raw
        import numpy

        return numpy.frombuffer(raw, dtype=self.dtype).reshape(-1, self.channels).copy()

    def _deliver(self, raw: bytes, frames: int, time_info: dict, status: int) -> tuple:
        now = time_info.get("current_time", time.monotonic())
        when = SimpleNamespace(inputBufferAdcTime=now, currentTime=now, outputBufferDacTime=0.0)
        try:
            self._callback(self._data(raw), frames, when, CallbackFlags())
        except (CallbackStop, CallbackAbort):
            self._stopped_by_callback = True
            self._finish()
            return None, _source.paComplete
        return None, _source.paContinue

    def _finish(self) -> None:
        if self._finished_callback is not None:
            callback, self._finished_callback = self._finished_callback, None
            callback()

    # -- sounddevice's Stream API -------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self._stream is not None and self._stream.is_active() and not self._stopped_by_callback

    @property
    def stopped(self) -> bool:
        return not self.active

    @property
    def time(self) -> float:
        return time.monotonic()

    @property
    def cpu_load(self) -> float:
        return 0.0

    @property
    def read_available(self) -> int:
        return self.blocksize or int(self.samplerate) // 100

    def start(self) -> None:
        if self.closed:
            raise PortAudioError("Stream is closed")
        self._stopped_by_callback = False
        self._open().start_stream()

    def stop(self, ignore_errors: bool = True) -> None:
        if self._stream is not None:
            self._stream.stop_stream()
        self._finish()

    abort = stop

    def close(self, ignore_errors: bool = True) -> None:
        self.stop()
        if self._stream is not None:
            self._stream.close()
        self.closed = True

    def read(self, frames: int) -> tuple:
        if self._callback is not None:
            raise PortAudioError("Can't read from a callback stream")
        stream = self._open()
        if not stream.is_active():
            stream.start_stream()
        return self._data(stream.read(int(frames), exception_on_overflow=False)), False

    def __enter__(self) -> "_InputStream":
        self.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()


class RawInputStream(_InputStream):
    """Input as bytes."""


class InputStream(_InputStream):
    """Input as numpy arrays of shape (frames, channels)."""

    _arrays = True


_recording: list = []


def rec(
    frames: Optional[int] = None,
    samplerate: Optional[float] = None,
    channels: Optional[int] = None,
    dtype: Any = None,
    out: Any = None,
    mapping: Any = None,
    blocking: bool = False,
    **kwargs: Any,
) -> Any:
    """Record ``frames`` frames into an array, in the background unless ``blocking``."""
    stream = InputStream(samplerate=samplerate, channels=channels, dtype=dtype, **kwargs)
    count = int(frames if frames is not None else len(out))
    if out is None:
        import numpy

        out = numpy.zeros((count, stream.channels), dtype=stream.dtype)

    def record() -> None:
        data, _ = stream.read(count)
        out[: len(data)] = data
        stream.close()

    worker = threading.Thread(target=record, name="sounddevice-stand-in-rec", daemon=True)
    worker.start()
    _recording.append(worker)
    if blocking:
        wait()
    return out


def wait(ignore_errors: bool = True) -> None:
    """Wait until what ``rec`` started has been recorded."""
    while _recording:
        _recording.pop().join()


def stop(ignore_errors: bool = True) -> None:
    _recording.clear()


def sleep(msec: float) -> None:
    time.sleep(msec / 1000)


def query_devices(device: Any = None, kind: Optional[str] = None) -> Any:
    info = {
        "name": "migrate-stt stand-in microphone",
        "index": 0,
        "hostapi": 0,
        "max_input_channels": 2,
        "max_output_channels": 0,
        "default_low_input_latency": 0.01,
        "default_high_input_latency": 0.1,
        "default_samplerate": float(_DEFAULT_RATE),
    }
    return info if device is not None or kind is not None else [info]


def check_input_settings(device: Any = None, channels: Any = None, dtype: Any = None, **kwargs: Any) -> None:
    if dtype is not None:
        _dtype_name(dtype)
