"""v3 client on the AssemblyAI SDK's StreamingClient, microphone read through pyaudio."""

import os

import pyaudio
from assemblyai.streaming.v3 import (
    StreamingClient,
    StreamingClientOptions,
    StreamingEvents,
    StreamingParameters,
)

SAMPLE_RATE = 16000
FRAMES_PER_BUFFER = 800


def microphone():
    audio = pyaudio.PyAudio()
    stream = audio.open(
        format=pyaudio.paInt16, channels=1, rate=SAMPLE_RATE, input=True, frames_per_buffer=FRAMES_PER_BUFFER
    )
    try:
        while True:
            yield stream.read(FRAMES_PER_BUFFER, exception_on_overflow=False)
    except KeyboardInterrupt:
        return
    finally:
        stream.close()
        audio.terminate()


def on_turn(client, event):
    if event.end_of_turn and event.turn_is_formatted:
        print(event.transcript)


def on_termination(client, event):
    print(f"Session terminated: {event.audio_duration_seconds} s of audio")


client = StreamingClient(
    StreamingClientOptions(api_key=os.environ["ASSEMBLYAI_API_KEY"], api_host="streaming.assemblyai.com")
)
client.on(StreamingEvents.Turn, on_turn)
client.on(StreamingEvents.Termination, on_termination)
client.on(StreamingEvents.Error, lambda client, error: print(f"Error: {error}"))
client.connect(
    StreamingParameters(sample_rate=SAMPLE_RATE, format_turns=True, speech_model="universal-streaming-english")
)
try:
    client.stream(microphone())
except KeyboardInterrupt:
    pass
finally:
    client.disconnect(terminate=True)
