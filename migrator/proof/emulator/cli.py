"""``stt-emulator``: run the emulator from a shell until Ctrl-C.

The first line printed is ``listening on ws://127.0.0.1:PORT`` so scripts can wait for it and
parse the port. One line per finished session goes to stderr (``--quiet`` turns that off). An
API key to insist on is read from an environment variable, never from the command line, so it
does not show up in process listings.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import List, Optional

from .records import SessionRecord
from .script import DEFAULT_GAP_MS, DEFAULT_LEAD_IN_MS, DEFAULT_PHRASES, DEFAULT_WORD_MS, TranscriptScript
from .server import FORMAT_TURNS_MODES, Emulator


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stt-emulator",
        description="Local AssemblyAI Streaming emulator (v3 /v3/ws, v2 /v2/realtime/ws, GET /v3/token) "
        "with scripted transcripts. Binds 127.0.0.1 only.",
    )
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: pick a free one)")
    parser.add_argument(
        "--phrase",
        action="append",
        default=[],
        metavar="TEXT",
        help="a formatted phrase to 'recognise', one turn each (repeatable)",
    )
    parser.add_argument(
        "--script", metavar="FILE.json", help="JSON list of phrases, or {phrases, word_ms, gap_ms, lead_in_ms}"
    )
    parser.add_argument(
        "--format-turns-mode",
        choices=FORMAT_TURNS_MODES,
        default="classic",
        help="classic: unformatted end-of-turn then a formatted copy; formatted: formatted throughout",
    )
    parser.add_argument("--word-ms", type=int, help=f"audio per word in ms (default {DEFAULT_WORD_MS})")
    parser.add_argument("--gap-ms", type=int, help=f"silence that ends a turn in ms (default {DEFAULT_GAP_MS})")
    parser.add_argument(
        "--lead-in-ms", type=int, help=f"silence before the first phrase (default {DEFAULT_LEAD_IN_MS})"
    )
    parser.add_argument("--api-key-env", metavar="VAR", help="accept only the API key held in environment variable VAR")
    parser.add_argument(
        "--rate-tolerance-ms",
        type=float,
        default=1500.0,
        help="how far ahead of real time audio may get before close 3007 (default 1500)",
    )
    parser.add_argument(
        "--terminate-delay-ms", type=float, default=150.0, help="delay between Terminate and Termination (default 150)"
    )
    parser.add_argument(
        "--error-frames", action="store_true", help='send {"type": "Error", ...} before protocol-error closes'
    )
    parser.add_argument("--quiet", action="store_true", help="no per-session lines on stderr")
    return parser


def load_script(args: argparse.Namespace) -> TranscriptScript:
    pace = {
        name: value
        for name, value in (("word_ms", args.word_ms), ("gap_ms", args.gap_ms), ("lead_in_ms", args.lead_in_ms))
        if value is not None
    }
    if args.script:
        script = TranscriptScript.from_file(args.script, **pace)
        if args.phrase:
            script = TranscriptScript(
                list(script.phrases) + args.phrase,
                word_ms=script.word_ms,
                gap_ms=script.gap_ms,
                lead_in_ms=script.lead_in_ms,
            )
        return script
    defaults = {"word_ms": DEFAULT_WORD_MS, "gap_ms": DEFAULT_GAP_MS, "lead_in_ms": DEFAULT_LEAD_IN_MS}
    defaults.update(pace)
    return TranscriptScript(args.phrase or DEFAULT_PHRASES, **defaults)


def describe(record: SessionRecord) -> str:
    """One line per session; shows how the client authenticated, never the credential."""
    return (
        f"session {record.id} {record.endpoint} auth={record.auth or 'none'} "
        f"frames={len(record.frames)} audio_ms={record.audio_ms:.0f} "
        f"closed_by={record.closed_by} code={record.close_code} reason={record.close_reason!r}"
    )


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    api_key = None
    if args.api_key_env:
        api_key = os.environ.get(args.api_key_env)
        if not api_key:
            print(f"stt-emulator: environment variable {args.api_key_env} is empty", file=sys.stderr)
            return 2
    try:
        script = load_script(args)
    except (OSError, ValueError) as error:
        print(f"stt-emulator: {error}", file=sys.stderr)
        return 2

    def report(record: SessionRecord) -> None:
        if not args.quiet:
            print(describe(record), file=sys.stderr, flush=True)

    emulator = Emulator(
        script,
        format_turns_mode=args.format_turns_mode,
        port=args.port,
        api_key=api_key,
        rate_tolerance_ms=args.rate_tolerance_ms,
        terminate_delay_ms=args.terminate_delay_ms,
        error_frames=args.error_frames,
        on_session_end=report,
    )
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        emulator.start()
    except (OSError, RuntimeError) as error:
        print(f"stt-emulator: {error}", file=sys.stderr)
        return 1
    print(f"listening on {emulator.base_url}", flush=True)
    print(f"  v3:    {emulator.v3_url}\n  v2:    {emulator.v2_url}\n  token: {emulator.token_url}", flush=True)
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
