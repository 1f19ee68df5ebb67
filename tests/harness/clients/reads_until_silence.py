"""Reads the microphone for a fixed time and exits by itself; prints what it got."""

import os
import sys

import pyaudio

audio = pyaudio.PyAudio()
stream = audio.open(format=pyaudio.paInt16, channels=1, rate=16000, input=True, frames_per_buffer=1600)
chunks = [stream.read(1600) for _ in range(int(sys.argv[1]))]
print(len(chunks), sum(any(chunk) for chunk in chunks), os.environ["ASSEMBLYAI_API_KEY"])
stream.close()
audio.terminate()
