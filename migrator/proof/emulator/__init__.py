"""A local AssemblyAI Streaming emulator: v3 ``/v3/ws``, v2 ``/v2/realtime/ws`` and ``/v3/token``.

It speaks both protocols on scripted speech (no recognition: the transcript is a function of the
audio duration received), enforces the documented rules with the documented close codes, injects
faults on request, and records every session so tests and ``migrate-stt --verify`` can assert on
what a client really did on the wire.

    from migrator.proof.emulator import Emulator
    with Emulator(phrases=["Hello world."]) as emu:
        ...  # point a client at emu.v3_url
"""

from .faults import Fault
from .records import ClientFrame, ServerMessage, SessionRecord
from .script import DEFAULT_PHRASES, TranscriptScript
from .server import Emulator

__all__ = [
    "ClientFrame",
    "DEFAULT_PHRASES",
    "Emulator",
    "Fault",
    "ServerMessage",
    "SessionRecord",
    "TranscriptScript",
]
