"""The stand-in pyaudio and sounddevice modules and the host redirection, tested directly."""

import importlib.util
import json
import os
import subprocess
import sys
import threading
import time
import wave
from array import array

import pytest

from migrator.proof.harness import synthesize_wav
from migrator.proof.harness.runner import STAND_INS

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
def audio_file(tmp_path):
    return synthesize_wav(tmp_path / "tiny.wav", seconds=0.2)


@pytest.fixture
def pyaudio(monkeypatch, tmp_path, audio_file):
    """A fresh copy of the stand-in, configured as the harness would configure it."""
    monkeypatch.setenv("STT_HARNESS_AUDIO", str(audio_file))
    monkeypatch.setenv("STT_HARNESS_EVENTS", str(tmp_path / "events"))
    spec = importlib.util.spec_from_file_location("stand_in_pyaudio", STAND_INS / "pyaudio.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def file_bytes(path):
    with wave.open(str(path), "rb") as wav:
        return wav.readframes(wav.getnframes())


def open_input(pyaudio, **options):
    settings = dict(format=pyaudio.paInt16, channels=1, rate=16000, input=True, frames_per_buffer=800)
    settings.update(options)
    return pyaudio.PyAudio().open(**settings)


def test_reads_return_the_file_then_silence(pyaudio, audio_file, tmp_path):
    stream = open_input(pyaudio)
    data = b"".join(stream.read(800, exception_on_overflow=False) for _ in range(6))
    assert data[: 3200 * 2] == file_bytes(audio_file)
    assert data[3200 * 2 :] == bytes(3200)
    assert (tmp_path / "events").read_text().count("audio_end") == 1


def test_reads_keep_real_time_pace(pyaudio):
    stream = open_input(pyaudio)
    started = time.monotonic()
    for _ in range(5):
        stream.read(800)
    assert 0.24 <= time.monotonic() - started < 1.0


def test_audio_is_converted_to_the_requested_format(pyaudio, audio_file):
    source = array("h", file_bytes(audio_file))
    stereo = open_input(pyaudio, channels=2).read(4)
    assert array("h", stereo).tolist() == [
        source[0],
        source[0],
        source[1],
        source[1],
        source[2],
        source[2],
        source[3],
        source[3],
    ]
    assert array("h", open_input(pyaudio, rate=8000).read(3)).tolist() == [source[0], source[2], source[4]]
    floats = array("f", open_input(pyaudio, format=pyaudio.paFloat32).read(3))
    assert floats.tolist() == pytest.approx([s / 32768 for s in source[:3]])


def test_callback_streams_are_fed_in_real_time_until_complete(pyaudio):
    received, done = [], threading.Event()

    def callback(in_data, frame_count, time_info, status):
        received.append((len(in_data), frame_count, status))
        if len(received) == 3:
            done.set()
            return None, pyaudio.paComplete
        return None, pyaudio.paContinue

    started = time.monotonic()
    stream = open_input(pyaudio, stream_callback=callback)
    assert done.wait(2)
    assert time.monotonic() - started >= 0.14
    time.sleep(0.1)
    assert received == [(1600, 800, 0)] * 3
    assert not stream.is_active()
    stream.close()


def test_stream_lifecycle_and_module_api(pyaudio):
    audio = pyaudio.PyAudio()
    stream = audio.open(format=pyaudio.paInt16, channels=1, rate=16000, input=True, start=False)
    assert stream.is_stopped() and not stream.is_active()
    stream.start_stream()
    assert stream.is_active()
    stream.stop_stream()
    audio.terminate()
    with pytest.raises(OSError):
        stream.read(10)
    assert pyaudio.get_sample_size(pyaudio.paInt16) == audio.get_sample_size(pyaudio.paInt16) == 2
    assert pyaudio.get_format_from_width(2) == pyaudio.paInt16
    assert audio.get_device_count() == 1
    assert audio.get_default_input_device_info()["defaultSampleRate"] == 16000.0
    assert audio.get_device_info_by_index(0)["maxInputChannels"] >= 1
    assert audio.get_host_api_info_by_index(0)["deviceCount"] == 1
    with pytest.raises(ValueError):
        audio.open(rate=16000, channels=1, format=pyaudio.paInt16)


SOUNDDEVICE_RUN = """
import json, sys, threading, time
import sounddevice as sd

blocking = sd.RawInputStream(samplerate=16000, channels=1, dtype="int16", blocksize=800)
with blocking:
    started = time.monotonic()
    blocks = [blocking.read(800) for _ in range(6)]
    read_for = time.monotonic() - started
received, finished = [], threading.Event()

def callback(indata, frames, when, status):
    received.append((bytes(indata), frames, bool(status)))
    if len(received) == 3:
        raise sd.CallbackStop

stream = sd.RawInputStream(samplerate=8000, blocksize=400, dtype="int16", callback=callback,
                           finished_callback=finished.set)
stream.start()
finished.wait(5)
time.sleep(0.1)
print(json.dumps({
    "blocks": [[data.hex(), overflowed] for data, overflowed in blocks],
    "read_for": read_for,
    "callbacks": [[len(data), frames, status] for data, frames, status in received],
    "finished": finished.is_set(),
    "active": stream.active,
}))
"""


def test_sounddevice_streams_read_the_harness_audio_through_the_pyaudio_stand_in(tmp_path, audio_file):
    environment = dict(
        os.environ,
        PYTHONPATH=str(STAND_INS),
        STT_HARNESS_AUDIO=str(audio_file),
        STT_HARNESS_EVENTS=str(tmp_path / "events"),
    )
    result = subprocess.run(
        [sys.executable, "-c", SOUNDDEVICE_RUN], env=environment, capture_output=True, text=True, timeout=20
    )
    assert result.returncode == 0, result.stderr
    run = json.loads(result.stdout)
    data = b"".join(bytes.fromhex(block) for block, _ in run["blocks"])
    assert [overflowed for _, overflowed in run["blocks"]] == [False] * 6
    assert data[: 3200 * 2] == file_bytes(audio_file)
    assert data[3200 * 2 :] == bytes(3200)
    assert run["read_for"] >= 0.25  # six 50 ms blocks, in real time
    assert run["callbacks"] == [[800, 400, False]] * 3
    assert run["finished"] and not run["active"]
    assert (tmp_path / "events").read_text().count("audio_end") == 1


REDIRECT_CHECK = """
import json, sys
import sitecustomize
print(json.dumps([sitecustomize.redirect(url) for url in json.loads(sys.argv[1])]))
"""


def test_assemblyai_hosts_are_redirected_and_others_left_alone():
    urls = [
        "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000&format_turns=True",
        "wss://streaming.eu.assemblyai.com/v3/ws",
        "wss://streaming.us.assemblyai.com/v3/ws",
        "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000",
        "https://streaming.assemblyai.com/v3/token?expires_in_seconds=60",
        "wss://STREAMING.AssemblyAI.com/v3/ws",
        "wss://example.com/v3/ws",
        "ftp://api.assemblyai.com/file",
    ]
    env = dict(os.environ, PYTHONPATH=str(STAND_INS), STT_HARNESS_EMULATOR="ws://127.0.0.1:4567")
    result = subprocess.run(
        [sys.executable, "-c", REDIRECT_CHECK, json.dumps(urls)], env=env, capture_output=True, text=True, timeout=15
    )
    assert json.loads(result.stdout) == [
        "ws://127.0.0.1:4567/v3/ws?sample_rate=16000&format_turns=True",
        "ws://127.0.0.1:4567/v3/ws",
        "ws://127.0.0.1:4567/v3/ws",
        "ws://127.0.0.1:4567/v2/realtime/ws?sample_rate=16000",
        "http://127.0.0.1:4567/v3/token?expires_in_seconds=60",
        "ws://127.0.0.1:4567/v3/ws",
        None,
        None,
    ]


def test_without_an_emulator_nothing_is_patched():
    env = dict(os.environ, PYTHONPATH=str(STAND_INS))
    env.pop("STT_HARNESS_EMULATOR", None)
    code = "import sys, sitecustomize; print(type(sys.meta_path[0]).__name__)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=15)
    assert result.stdout.strip() != "_PatchOnImport"
