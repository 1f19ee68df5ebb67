"""``stt-client``: stream the microphone or a WAV file to Universal Streaming (v3).

A thin typer layer over :class:`reference_client.session.StreamingSession`: it turns
options into a :class:`SessionConfig`, opens the audio source before connecting (so a
missing device never costs a session), picks a renderer and maps the result to the exit
code. Errors are one line on stderr, prefixed ``stt-client: error:``.
"""

# No "from __future__ import annotations" here: older typer releases (still the newest
# on Python 3.9) read the Annotated option metadata only from evaluated annotations.
import os
import signal
import sys
from typing import Annotated, List, NoReturn, Optional

import typer

from . import __version__
from .audio import AudioSource, AudioSourceError, MicrophoneSource, WavFileSource, list_input_devices
from .endpoint import DEFAULT_SPEECH_MODEL, ENCODINGS, REGION_HOSTS, SPEECH_MODELS, StreamingParameters
from .exit_codes import ExitCode, exit_code_table, one_line
from .output import make_renderer
from .redact import Redactor
from .session import SessionConfig, StreamingSession

PROG = "stt-client"
API_KEY_ENV = "ASSEMBLYAI_API_KEY"

HELP = f"""Stream the microphone (or a WAV file) to AssemblyAI Universal Streaming (v3) and print the transcript.

On a terminal the partial transcript is rewritten in place and each final turn is printed once; piped, only final turns are printed, one per line. Ctrl-C, SIGTERM or the end of --wav sends Terminate, waits for Termination and exits 0; a second Ctrl-C exits at once.

Credentials: ${API_KEY_ENV} or --api-key, or a temporary --token. Microphone capture needs the mic extra: pip install 'migrate-stt[mic]'.
"""

# "\b" tells click not to rewrap the table.
EPILOG = "Exit codes:\n\n\b\n" + exit_code_table()

app = typer.Typer(
    add_completion=False,
    rich_markup_mode=None,  # user text and "migrate-stt[mic]" must never be eaten as markup
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _fail(message: str, code: ExitCode) -> NoReturn:
    sys.stderr.write(f"{PROG}: error: {one_line(message)}\n")
    sys.stderr.flush()
    raise typer.Exit(int(code))


def _print_devices() -> None:
    try:
        devices = list_input_devices()
    except AudioSourceError as error:
        _fail(str(error), ExitCode.AUDIO_UNAVAILABLE)
    if not devices:
        _fail("no input devices found (is a microphone connected?)", ExitCode.AUDIO_UNAVAILABLE)
    for device in devices:
        typer.echo(
            f"{device['index']:>3}  {device['name']}  "
            f"({device['channels']} ch, default {device['default_sample_rate']} Hz)"
        )


def _describe_source(source: AudioSource) -> str:
    if isinstance(source, WavFileSource):
        return f"{source.path} ({source.source_format}, {source.duration_seconds:.1f} s)"
    return source.description


@app.command(help=HELP, epilog=EPILOG)
def stream(
    wav: Annotated[
        Optional[str],
        typer.Option("--wav", metavar="FILE", help="Stream this WAV file at real-time pace instead of the microphone."),
    ] = None,
    device: Annotated[
        Optional[int], typer.Option("--device", metavar="N", help="Microphone input device index (see --list-devices).")
    ] = None,
    list_devices: Annotated[
        bool, typer.Option("--list-devices", help="List microphone input devices and exit.")
    ] = False,
    api_key: Annotated[
        Optional[str],
        typer.Option(
            "--api-key", metavar="KEY", show_default=False, help=f"API key (default: ${API_KEY_ENV}). Never printed."
        ),
    ] = None,
    token: Annotated[
        Optional[str],
        typer.Option(
            "--token", metavar="TOKEN", show_default=False, help="Temporary streaming token instead of a key."
        ),
    ] = None,
    region: Annotated[
        str,
        typer.Option("--region", metavar="us|eu", help=f"Endpoint: us={REGION_HOSTS['us']}, eu={REGION_HOSTS['eu']}."),
    ] = "us",
    url: Annotated[
        Optional[str],
        typer.Option(
            "--url", metavar="URL", help="Connect here instead (e.g. ws://127.0.0.1:PORT/v3/ws for the emulator)."
        ),
    ] = None,
    sample_rate: Annotated[
        int, typer.Option("--sample-rate", min=1, help="sample_rate: audio is captured or converted to this rate.")
    ] = 16000,
    encoding: Annotated[
        str, typer.Option("--encoding", metavar="|".join(ENCODINGS), help="encoding of the audio sent.")
    ] = "pcm_s16le",
    speech_model: Annotated[
        Optional[str],
        typer.Option("--speech-model", metavar="MODEL", help=f"speech_model ({', '.join(SPEECH_MODELS)})."),
    ] = DEFAULT_SPEECH_MODEL,
    format_turns: Annotated[
        bool, typer.Option("--format-turns/--no-format-turns", help="format_turns: punctuated, cased final turns.")
    ] = True,
    end_of_turn_confidence_threshold: Annotated[
        Optional[float],
        typer.Option(
            "--end-of-turn-confidence-threshold", min=0.0, max=1.0, help="end_of_turn_confidence_threshold (0..1)."
        ),
    ] = None,
    min_turn_silence: Annotated[
        Optional[int], typer.Option("--min-turn-silence", metavar="MS", min=0, help="min_turn_silence in ms.")
    ] = None,
    max_turn_silence: Annotated[
        Optional[int], typer.Option("--max-turn-silence", metavar="MS", min=0, help="max_turn_silence in ms.")
    ] = None,
    keyterms_prompt: Annotated[
        Optional[List[str]],
        typer.Option(
            "--keyterms-prompt",
            "--keyterm",
            metavar="TERM",
            help="keyterms_prompt: repeat for each term; sent as one JSON array (max 100, 50 chars each).",
        ),
    ] = None,
    language_detection: Annotated[
        Optional[bool],
        typer.Option(
            "--language-detection/--no-language-detection",
            show_default=False,
            help="language_detection (server default if omitted).",
        ),
    ] = None,
    inactivity_timeout: Annotated[
        Optional[int],
        typer.Option(
            "--inactivity-timeout", metavar="SECONDS", min=5, max=3600, help="inactivity_timeout (5..3600 s)."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object per event on stdout.")] = False,
    latency: Annotated[
        bool, typer.Option("--latency", help="Report per-turn latency: last word's audio sent -> final turn received.")
    ] = False,
    connect_timeout: Annotated[
        float, typer.Option("--connect-timeout", metavar="SECONDS", min=0.1, help="Maximum wait for Begin.")
    ] = 10.0,
    terminate_timeout: Annotated[
        float,
        typer.Option(
            "--terminate-timeout", metavar="SECONDS", min=0.1, help="Maximum wait for Termination after Terminate."
        ),
    ] = 5.0,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        typer.echo(f"{PROG} {__version__}")
        raise typer.Exit(0)
    if list_devices:
        _print_devices()
        raise typer.Exit(0)
    if wav is not None and device is not None:
        _fail("--wav and --device are mutually exclusive", ExitCode.USAGE)
    if region not in REGION_HOSTS:
        _fail(f"--region must be one of {', '.join(REGION_HOSTS)}, got {region!r}", ExitCode.USAGE)
    api_key = api_key or os.environ.get(API_KEY_ENV) or None
    if not (api_key or token):
        _fail(f"no credentials: set ${API_KEY_ENV}, or pass --api-key or --token", ExitCode.USAGE)
    redact = Redactor([api_key, token])
    try:
        params = StreamingParameters(
            sample_rate=sample_rate,
            encoding=encoding,
            speech_model=speech_model or None,
            format_turns=format_turns,
            end_of_turn_confidence_threshold=end_of_turn_confidence_threshold,
            min_turn_silence=min_turn_silence,
            max_turn_silence=max_turn_silence,
            keyterms_prompt=tuple(keyterms_prompt or ()),
            language_detection=language_detection,
            inactivity_timeout=inactivity_timeout,
        )
        config = SessionConfig(
            params=params,
            api_key=api_key,
            token=token,
            region=region,
            url=url,
            connect_timeout=connect_timeout,
            terminate_timeout=terminate_timeout,
            measure_latency=latency,
        )
    except ValueError as error:
        _fail(redact(str(error)), ExitCode.USAGE)

    source: AudioSource = (
        WavFileSource(wav, sample_rate=sample_rate) if wav is not None else MicrophoneSource(sample_rate, device)
    )
    try:
        source.open()
    except AudioSourceError as error:
        _fail(str(error), ExitCode.AUDIO_UNAVAILABLE)

    renderer = make_renderer(sys.stdout, sys.stderr, as_json=as_json)
    if not as_json:
        sys.stderr.write(
            f"streaming {_describe_source(source)} to {config.host} ({params.sample_rate} Hz {params.encoding})\n"
        )
        sys.stderr.flush()
    try:
        result = StreamingSession(config, renderer).run(source)
    except KeyboardInterrupt:  # a third Ctrl-C while threads were being joined
        raise typer.Exit(int(ExitCode.INTERRUPTED)) from None
    renderer.finish(result)
    if result.message:
        _fail(result.message, result.exit_code)
    raise typer.Exit(int(result.exit_code))


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Console-script entry point.

    SIGTERM (``kill``, ``docker stop``, systemd) is handled like Ctrl-C, so a supervised
    client still terminates its session instead of leaving it open (sessions bill by
    duration).
    """
    if hasattr(signal, "SIGTERM"):
        signal.signal(signal.SIGTERM, _interrupt)
    # A transcript must never crash the client because the console cannot encode it.
    for stream_ in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream_, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    try:
        app(prog_name=PROG)
    except BrokenPipeError:
        # stdout went away (``| head``); silence the interpreter's second complaint at exit.
        sys.stdout = open(os.devnull, "w")
        sys.exit(int(ExitCode.INTERNAL))
