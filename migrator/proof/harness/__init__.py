"""Run client scripts, unmodified, against the emulator.

A stand-in ``pyaudio`` plays a WAV file as the microphone, AssemblyAI hosts are redirected to the
emulator, and Ctrl-C is delivered when the audio runs out. See `run_script`.
"""

from .audio import default_audio, synthesize_wav, wav_duration_ms
from .runner import TEST_API_KEY, ScriptRun, run_script

__all__ = ["TEST_API_KEY", "ScriptRun", "default_audio", "run_script", "synthesize_wav", "wav_duration_ms"]
