"""STT024: ``aai.extras.MicrophoneStream`` becomes a small pyaudio generator written into the script.

``assemblyai.extras`` was removed in SDK 1.0 (``docs/protocol.md`` §7.1), so a migrated
script that kept ``MicrophoneStream`` would not run on the current SDK. The replacement is a
generator of the same shape, defined once in the script: it yields 16-bit mono PCM in 50 ms
chunks (the chunk size v3 recommends; ``MicrophoneStream`` read 100 ms) and, like
``MicrophoneStream``, ends quietly on Ctrl-C so that the code after ``stream(...)`` runs and ends
the session. It is defined right after the imports. Its sample rate defaults to 16 kHz, the rate the v3 models run at; a call that relied
on ``MicrophoneStream``'s 44.1 kHz default keeps that rate explicitly, since it must match the
session's ``sample_rate``, and gets a note. ``aai.extras.stream_file`` gets a note.
"""

from __future__ import annotations

import libcst as cst

from migrator.import_order import after_imports
from migrator.markers import RULE_MARKERS
from migrator.notes import ERROR
from migrator.rules.sdk.plan import V2_MODULES, SdkRule
from migrator.syntax import dotted_name, parse_statement

V2_DEFAULT_RATE = "44_100"
GENERATOR_NAMES = ("microphone_chunks", "pyaudio_microphone_chunks", "microphone_audio_chunks")
RATE_NOTE = "v3 models run at 16 kHz (other rates are resampled at a small latency cost): 16_000 here and in StreamingParameters is better"


def _generator(name: str, device: bool) -> str:
    signature = "sample_rate=16_000, device_index=None" if device else "sample_rate=16_000"
    device_argument = ", input_device_index=device_index" if device else ""
    return f'''def {name}({signature}):
    """Microphone audio in 50 ms chunks, as aai.extras.MicrophoneStream gave it.

    Ctrl-C ends the stream, so the code after stream() runs and ends the session.
    """
    audio = pyaudio.PyAudio()
    frames = sample_rate // 20
    stream = audio.open(
        format=pyaudio.paInt16, channels=1, rate=sample_rate, input=True, frames_per_buffer=frames{device_argument}
    )
    try:
        while True:
            yield stream.read(frames, exception_on_overflow=False)
    except KeyboardInterrupt:
        return
    finally:
        stream.stop_stream()
        stream.close()
        audio.terminate()
'''


class SdkMicrophone(SdkRule):
    code = "STT024"
    name = "sdk-microphone"
    summary = (
        "aai.extras.MicrophoneStream (gone since SDK 1.0) -> a pyaudio generator in the script, 16 kHz, 50 ms chunks"
    )
    markers = RULE_MARKERS[code]
    #: The generator is plain pyaudio: it runs on any SDK release.
    writes_v3_sdk_code = False
    example_before = """
        import assemblyai as aai

        aai.settings.api_key = API_KEY
        transcriber.stream(aai.extras.MicrophoneStream(sample_rate=16_000))
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.calls: dict = {}  # id(call) -> add the v2 default rate
        self.device = False
        self.generator = GENERATOR_NAMES[0]

    def plan(self) -> None:
        sdk = self.sdk
        used = self.context.model.names_used()
        self.generator = next((name for name in GENERATOR_NAMES if name not in used), GENERATOR_NAMES[-1])
        for site in sdk.candidate_calls:
            call = site.node
            kind = sdk.v2_name(call.func)
            if kind == "stream_file":
                self.note(
                    call,
                    "aai.extras.stream_file is gone since SDK 1.0: read the file in 50 ms chunks and pace them at real time",
                    statement=site.statement,
                    severity=ERROR,
                )
                continue
            if kind != "MicrophoneStream" or any(arg.star for arg in call.args):
                continue
            rate = next((arg for arg in call.args if arg.keyword is None or arg.keyword.value == "sample_rate"), None)
            self.device |= (
                any(arg.keyword is not None and arg.keyword.value == "device_index" for arg in call.args)
                or len([arg for arg in call.args if arg.keyword is None]) > 1
            )
            self.calls[id(call)] = rate is None
            literal = rate is not None and isinstance(rate.value, cst.Integer)
            if rate is None or (literal and rate.value.value.replace("_", "") != "16000"):
                self.note(call, RATE_NOTE, statement=site.statement)

    def nodes_to_rewrite(self):
        return {*self.calls, *self.sdk.v2_import_ids}

    def rewrite_Call(self, original: cst.Call, updated):
        add_rate = self.calls.get(id(original))
        if add_rate is None:
            return updated
        self.applied()
        self.sdk.changed = True
        args = list(updated.args)
        if add_rate:
            args.insert(0, cst.Arg(cst.Integer(V2_DEFAULT_RATE), keyword=cst.Name("sample_rate"), equal=_EQUAL))
            if len(args) > 1:
                args[0] = args[0].with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        return updated.with_changes(func=cst.Name(self.generator), args=args)

    def rewrite_ImportFrom(self, original: cst.ImportFrom, updated):
        """``from assemblyai.extras import MicrophoneStream`` inside a function goes."""
        if not self.calls or original.module is None or dotted_name(original.module) not in V2_MODULES:
            return updated
        if isinstance(updated.names, cst.ImportStar) or not any(
            isinstance(s, cst.FunctionDef) for s in self.context.scope_stack
        ):
            return updated
        kept = [alias for alias in updated.names if dotted_name(alias.name) != "MicrophoneStream"]
        if len(kept) == len(updated.names):
            return updated
        if not kept:
            return cst.RemoveFromParent()
        kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        return updated.with_changes(names=kept)

    def finish_module(self, module: cst.Module) -> cst.Module:
        if not self.calls:
            return module
        self.context.add_import("pyaudio")
        definition = parse_statement(_generator(self.generator, self.device))
        body = list(module.body)
        at = after_imports(body, type_checking_blocks=True)
        blank = [cst.EmptyLine(), cst.EmptyLine()]
        body.insert(at, definition.with_changes(leading_lines=blank))
        if at + 1 < len(body):
            following = body[at + 1]
            lines = list(following.leading_lines)
            while lines and lines[0].comment is None:
                lines.pop(0)
            body[at + 1] = following.with_changes(leading_lines=blank + lines)
        return module.with_changes(body=body)


_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))
