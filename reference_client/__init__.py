"""Reference Universal Streaming (v3) client: the model every migrated script follows.

Library use::

    from reference_client import SessionConfig, StreamingParameters, StreamingSession, WavFileSource

    config = SessionConfig(params=StreamingParameters(sample_rate=16000), api_key=key)
    source = WavFileSource("speech.wav", sample_rate=16000)
    source.open()
    result = StreamingSession(config, listener=print).run(source)
    print(result.exit_code, [turn.transcript for turn in result.finals])

Command line: ``stt-client --help`` (or ``python -m reference_client``).
"""

from .audio import AudioSource, AudioSourceError, MicrophoneSource, WavFileSource, list_input_devices
from .endpoint import StreamingParameters, endpoint_url
from .events import FinalTranscript, PartialTranscript, ServerWarning, SessionBegan, SessionTerminated
from .exit_codes import ExitCode
from .session import SessionConfig, SessionEvent, SessionResult, StreamingSession

__version__ = "0.1.0"

__all__ = [
    "AudioSource",
    "AudioSourceError",
    "ExitCode",
    "FinalTranscript",
    "MicrophoneSource",
    "PartialTranscript",
    "ServerWarning",
    "SessionBegan",
    "SessionConfig",
    "SessionEvent",
    "SessionResult",
    "SessionTerminated",
    "StreamingParameters",
    "StreamingSession",
    "WavFileSource",
    "endpoint_url",
    "list_input_devices",
]
