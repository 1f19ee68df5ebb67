"""Stand-in for PyAudio, put on a child script's path by the migrate-stt harness.

It replaces the microphone with a WAV file served at real-time pace, so a streaming script runs
unchanged and its server sees exactly the pacing a live microphone would produce. Both blocking
reads (``stream.read(n)``) and callback streams (``stream_callback=``) are supported, which
covers hand-written pyaudio loops and ``assemblyai.extras.MicrophoneStream``.

The file is converted to whatever the script asks for (rate, channels, sample format). When it
runs out, the stand-in records an ``audio_end`` event for the harness (which then delivers
Ctrl-C) and keeps serving silence, as an idle microphone would, so the script's shutdown path
runs against a live stream.

Configured by environment variables set by the harness:
``STT_HARNESS_AUDIO`` (WAV path; unset = silence only), ``STT_HARNESS_EVENTS`` (event file).
This module must stay importable on every Python the harness may run (3.9+), standard library
only.
"""

from __future__ import annotations

import os
import threading
import time
import wave
from array import array
from typing import Any, Callable, Dict, List, Optional, Tuple

__version__ = "0.2.14"

paFloat32 = 1
paInt32 = 2
paInt24 = 4
paInt16 = 8
paInt8 = 16
paUInt8 = 32
paCustomFormat = 65536

paContinue = 0
paComplete = 1
paAbort = 2

paInputUnderflow = 1
paInputOverflow = 2
paOutputUnderflow = 4
paOutputOverflow = 8
paPrimingOutput = 16

paFramesPerBufferUnspecified = 0
paNoDevice = -1
paNoError = 0

_SAMPLE_SIZES = {paFloat32: 4, paInt32: 4, paInt24: 3, paInt16: 2, paInt8: 1, paUInt8: 1}
_DEFAULT_RATE = 16000.0

_events_lock = threading.Lock()
_audio_end_reported = False


def get_sample_size(format: int) -> int:
    try:
        return _SAMPLE_SIZES[format]
    except KeyError:
        raise ValueError("Invalid format") from None


def get_format_from_width(width: int, unsigned: bool = True) -> int:
    formats = {1: paUInt8 if unsigned else paInt8, 2: paInt16, 3: paInt24, 4: paFloat32}
    try:
        return formats[width]
    except KeyError:
        raise ValueError(f"Invalid width: {width}") from None


def get_portaudio_version() -> int:
    return 1246720


def get_portaudio_version_text() -> str:
    return "PortAudio V19.7.0 (migrate-stt stand-in)"


def _report_audio_end() -> None:
    """Tell the harness, once per process, that the file has been served completely."""
    global _audio_end_reported
    with _events_lock:
        if _audio_end_reported:
            return
        _audio_end_reported = True
        path = os.environ.get("STT_HARNESS_EVENTS")
        if path:
            with open(path, "a", encoding="utf-8") as events:
                events.write(f"audio_end {time.time():.3f}\n")


def _read_source() -> Tuple[List[int], int]:
    """Samples (mono, 16-bit ints) and rate of the harness audio file."""
    path = os.environ.get("STT_HARNESS_AUDIO")
    if not path:
        return [], int(_DEFAULT_RATE)
    with wave.open(path, "rb") as wav:
        if wav.getsampwidth() != 2:
            raise OSError(f"stand-in pyaudio needs a 16-bit WAV, got {wav.getsampwidth() * 8}-bit: {path}")
        channels, rate = wav.getnchannels(), wav.getframerate()
        samples = array("h", wav.readframes(wav.getnframes()))
    if channels > 1:
        samples = samples[::channels]
    return list(samples), rate


def _source_rate() -> float:
    path = os.environ.get("STT_HARNESS_AUDIO")
    if not path:
        return _DEFAULT_RATE
    with wave.open(path, "rb") as wav:
        return float(wav.getframerate())


def _encode(samples: List[int], channels: int, format: int) -> bytes:
    """Interleave mono 16-bit samples into ``channels`` channels of ``format``."""
    if channels > 1:
        samples = [s for s in samples for _ in range(channels)]
    if format == paInt16:
        return array("h", samples).tobytes()
    if format == paFloat32:
        return array("f", [s / 32768.0 for s in samples]).tobytes()
    if format == paInt32:
        return array("i", [s << 16 for s in samples]).tobytes()
    if format == paInt24:
        return b"".join(((s << 8) & 0xFFFFFF).to_bytes(3, "little") for s in samples)
    if format == paInt8:
        return array("b", [s >> 8 for s in samples]).tobytes()
    if format == paUInt8:
        return array("B", [(s >> 8) + 128 for s in samples]).tobytes()
    raise ValueError(f"stand-in pyaudio does not support sample format {format}")


def _load(rate: int, channels: int, format: int) -> bytes:
    """The harness audio converted to the stream's format (nearest-sample resampling)."""
    samples, source_rate = _read_source()
    if samples and rate != source_rate:
        count = int(len(samples) * rate / source_rate)
        samples = [samples[int(i * source_rate / rate)] for i in range(count)]
    return _encode(samples, channels, format)


class Stream:
    """A PyAudio stream whose input is the harness audio, delivered in real time.

    The clock starts at the first read (or at start for callback streams), so a script that
    opens the microphone long before reading does not receive a burst of stale audio.
    """

    def __init__(
        self,
        PA_manager: "PyAudio",
        rate: int,
        channels: int,
        format: int,
        input: bool = False,
        output: bool = False,
        input_device_index: Optional[int] = None,
        output_device_index: Optional[int] = None,
        frames_per_buffer: int = paFramesPerBufferUnspecified,
        start: bool = True,
        input_host_api_specific_stream_info: Any = None,
        output_host_api_specific_stream_info: Any = None,
        stream_callback: Optional[Callable[..., Any]] = None,
    ) -> None:
        if not (input or output):
            raise ValueError("Must specify an input or output stream.")
        self._manager = PA_manager
        self._rate = int(rate)
        self._channels = int(channels)
        self._format = format
        self._frame_bytes = self._channels * get_sample_size(format)
        self._is_input = bool(input)
        self._is_output = bool(output)
        self._frames_per_buffer = int(frames_per_buffer) or 1024
        self._callback = stream_callback
        self._audio = _load(self._rate, self._channels, format) if input else b""
        self._offset = 0
        self._served_frames = 0
        self._clock_start: Optional[float] = None
        self._lock = threading.Lock()
        self._closed = False
        self._active = False
        self._thread: Optional[threading.Thread] = None
        if start:
            self.start_stream()

    # -- pacing -----------------------------------------------------------------

    def _take(self, frames: int) -> bytes:
        size = frames * self._frame_bytes
        chunk = self._audio[self._offset : self._offset + size]
        self._offset += len(chunk)
        return chunk + bytes(size - len(chunk))

    def _wait_for(self, frames: int) -> None:
        """Sleep until ``frames`` more frames would have been captured by a real microphone."""
        if self._clock_start is None:
            self._clock_start = time.monotonic()
        self._served_frames += frames
        delay = self._clock_start + self._served_frames / self._rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        if self._audio and self._offset >= len(self._audio):
            _report_audio_end()

    # -- PyAudio Stream API -----------------------------------------------------------

    def read(self, num_frames: int, exception_on_overflow: bool = True) -> bytes:
        if not self._is_input:
            raise OSError(-9975, "Not input stream")
        if self._closed:
            raise OSError(-9988, "Stream closed")
        if self._callback is not None:
            raise OSError(-9977, "Can't read from a callback stream")
        with self._lock:
            data = self._take(int(num_frames))
            self._wait_for(int(num_frames))
        return data

    def write(self, frames: bytes, num_frames: Optional[int] = None, exception_on_underflow: bool = False) -> None:
        if not self._is_output:
            raise OSError(-9974, "Not output stream")
        count = num_frames if num_frames is not None else len(frames) // max(1, self._frame_bytes)
        time.sleep(count / self._rate)

    def start_stream(self) -> None:
        if self._closed:
            raise OSError(-9988, "Stream closed")
        if self._active:
            return
        self._active = True
        if self._callback is not None and self._is_input:
            self._thread = threading.Thread(target=self._run_callback, name="pyaudio-stand-in", daemon=True)
            self._thread.start()

    def stop_stream(self) -> None:
        self._active = False
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)

    def close(self) -> None:
        self.stop_stream()
        self._closed = True
        self._manager._remove_stream(self)

    def is_active(self) -> bool:
        return self._active and not self._closed

    def is_stopped(self) -> bool:
        return not self._active

    def get_read_available(self) -> int:
        return self._frames_per_buffer

    def get_write_available(self) -> int:
        return self._frames_per_buffer

    def get_input_latency(self) -> float:
        return self._frames_per_buffer / self._rate

    def get_output_latency(self) -> float:
        return self._frames_per_buffer / self._rate

    def get_time(self) -> float:
        return time.monotonic()

    def get_cpu_load(self) -> float:
        return 0.0

    def _run_callback(self) -> None:
        frames = self._frames_per_buffer
        while self._active and not self._closed:
            with self._lock:
                data = self._take(frames)
                self._wait_for(frames)
            if not self._active:
                break
            now = time.monotonic()
            time_info = {"input_buffer_adc_time": now, "current_time": now, "output_buffer_dac_time": 0.0}
            result = self._callback(data, frames, time_info, 0)
            flag = result[1] if isinstance(result, tuple) and len(result) > 1 else paContinue
            if flag != paContinue:
                self._active = False


def _device_info() -> Dict[str, Any]:
    return {
        "index": 0,
        "structVersion": 2,
        "name": "migrate-stt stand-in microphone",
        "hostApi": 0,
        "maxInputChannels": 2,
        "maxOutputChannels": 2,
        "defaultLowInputLatency": 0.01,
        "defaultLowOutputLatency": 0.01,
        "defaultHighInputLatency": 0.1,
        "defaultHighOutputLatency": 0.1,
        "defaultSampleRate": _source_rate(),
    }


def _host_api_info() -> Dict[str, Any]:
    return {
        "index": 0,
        "structVersion": 1,
        "type": 8,
        "name": "ALSA",
        "deviceCount": 1,
        "defaultInputDevice": 0,
        "defaultOutputDevice": 0,
    }


class PyAudio:
    """Entry point, as in PyAudio: ``PyAudio().open(...)`` returns a `Stream`."""

    Stream = Stream

    def __init__(self) -> None:
        self._streams: List[Stream] = []

    def terminate(self) -> None:
        for stream in list(self._streams):
            stream.close()

    def get_sample_size(self, format: int) -> int:
        return get_sample_size(format)

    def get_format_from_width(self, width: int, unsigned: bool = True) -> int:
        return get_format_from_width(width, unsigned)

    def open(self, *args: Any, **kwargs: Any) -> Stream:
        stream = Stream(self, *args, **kwargs)
        self._streams.append(stream)
        return stream

    def close(self, stream: Stream) -> None:
        stream.close()

    def _remove_stream(self, stream: Stream) -> None:
        if stream in self._streams:
            self._streams.remove(stream)

    def is_format_supported(self, rate: float, *args: Any, **kwargs: Any) -> bool:
        return True

    def get_device_count(self) -> int:
        return 1

    def get_device_info_by_index(self, device_index: int) -> Dict[str, Any]:
        if device_index != 0:
            raise OSError(-9996, "Invalid device index")
        return _device_info()

    def get_device_info_by_host_api_device_index(
        self, host_api_index: int, host_api_device_index: int
    ) -> Dict[str, Any]:
        return self.get_device_info_by_index(host_api_device_index)

    def get_default_input_device_info(self) -> Dict[str, Any]:
        return _device_info()

    def get_default_output_device_info(self) -> Dict[str, Any]:
        return _device_info()

    def get_host_api_count(self) -> int:
        return 1

    def get_default_host_api_info(self) -> Dict[str, Any]:
        return _host_api_info()

    def get_host_api_info_by_index(self, host_api_index: int) -> Dict[str, Any]:
        if host_api_index != 0:
            raise OSError(-9978, "Invalid host api info")
        return _host_api_info()

    def get_host_api_info_by_type(self, host_api_type: int) -> Dict[str, Any]:
        return _host_api_info()
