"""``stt-client`` against bad arguments and a server that sends hostile or broken text:
bad arguments exit 2 at once, server strings can never drive the terminal, and a protocol
error before Begin is reported when it arrives."""

from __future__ import annotations

import json
import threading
from typing import Iterator, List, Union

import pytest
from websockets.sync.server import ServerConnection, serve

from reference_client.exit_codes import ExitCode, one_line
from reference_client.printable import printable, printable_json

#: Sets the terminal's title (OSC 0) and turns the text red (CSI): what a hostile server sends.
TITLE = "\x1b]0;pwned\x07"
RED = "\x1b[31m"


@pytest.fixture
def scripted_server() -> Iterator:
    """A WebSocket server on 127.0.0.1 that sends the given messages (text, or a
    ``("close", code, reason)``) to each client, then waits for it to leave."""
    servers: List = []

    def start(messages: List[Union[str, tuple]]) -> str:
        def handler(connection: ServerConnection) -> None:
            for message in messages:
                if isinstance(message, tuple):
                    connection.close(message[1], message[2])
                    return
                connection.send(message)
            for _ in connection:  # read until the client closes
                pass

        server = serve(handler, "127.0.0.1", 0)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"ws://127.0.0.1:{server.socket.getsockname()[1]}/v3/ws"

    yield start
    for server in servers:
        server.shutdown()


def begin(session_id: str = "s-1") -> str:
    return json.dumps({"type": "Begin", "id": session_id, "expires_at": 2000000000})


def final(text: str) -> str:
    return json.dumps(
        {
            "type": "Turn",
            "turn_order": 0,
            "end_of_turn": True,
            "turn_is_formatted": True,
            "transcript": text,
            "end_of_turn_confidence": 0.9,
            "words": [],
        }
    )


TERMINATION = json.dumps({"type": "Termination", "audio_duration_seconds": 1, "session_duration_seconds": 1})


def test_a_malformed_url_is_a_usage_error_at_once(make_wav, run_client, secret_key):
    run = run_client("--wav", str(make_wav(0.5)), "--url", "ws://127.0.0.1:127.0.0.1/v3/ws", "--api-key", secret_key)
    assert run.returncode == int(ExitCode.USAGE) == 2, run
    assert run.stderr == (
        "stt-client: error: URL is not valid (Port could not be cast to integer value as '127.0.0.1'): "
        "'ws://127.0.0.1:127.0.0.1/v3/ws'\n"
    )
    assert run.elapsed < 5


@pytest.mark.parametrize(
    "url, problem",
    [
        ("ws://127.0.0.1:99999/v3/ws", "URL is not valid (Port out of range 0-65535)"),
        ("ws://:8765/v3/ws", "URL has no host"),
        ("ws://[::1/v3/ws", "URL is not valid (Invalid IPv6 URL)"),
    ],
)
def test_other_malformed_urls_are_usage_errors(make_wav, run_client, secret_key, url, problem):
    run = run_client("--wav", str(make_wav(0.5)), "--url", url, "--api-key", secret_key)
    assert run.returncode == 2, run
    assert run.stderr.startswith(f"stt-client: error: {problem}") and "Traceback" not in run.stderr


def test_transcripts_and_session_ids_are_printed_with_control_characters_escaped(
    make_wav, run_client, secret_key, scripted_server
):
    url = scripted_server([begin(f"id{TITLE}"), final(f"Hello {TITLE}{RED}world."), TERMINATION])
    run = run_client("--wav", str(make_wav(0.5)), "--url", url, "--api-key", secret_key)
    assert run.stdout == "Hello \\x1b]0;pwned\\x07\\x1b[31mworld.\n", run
    assert "session id\\x1b]0;pwned\\x07 started" in run.stderr
    assert "\x1b" not in run.stdout + run.stderr and "\x07" not in run.stdout + run.stderr


def test_json_output_escapes_c1_controls_too(make_wav, run_client, secret_key, scripted_server):
    url = scripted_server([begin(), final("Hello \x9b31m world \u202e."), TERMINATION])
    run = run_client("--wav", str(make_wav(0.5)), "--url", url, "--api-key", secret_key, "--json")
    (final_line,) = [line for line in run.stdout.splitlines() if '"final"' in line]
    assert "\\u009b31m world \\u202e." in final_line and "\x9b" not in run.stdout
    assert json.loads(final_line)["transcript"] == "Hello \x9b31m world \u202e."


def test_error_and_close_reasons_are_escaped(make_wav, run_client, secret_key, scripted_server):
    url = scripted_server([begin(), ("close", 3005, f"Session Cancelled: {TITLE}boom")])
    run = run_client("--wav", str(make_wav(0.5)), "--url", url, "--api-key", secret_key)
    assert run.returncode != 0
    assert run.stderr.splitlines()[-1].endswith("(close code 3005): Session Cancelled: \\x1b]0;pwned\\x07boom"), run
    assert "\x1b" not in run.stderr


def test_a_protocol_error_before_begin_is_reported_when_it_arrives(make_wav, run_client, secret_key, scripted_server):
    url = scripted_server([f"not json {TITLE}"])
    run = run_client("--wav", str(make_wav(2.0)), "--url", url, "--api-key", secret_key, "--connect-timeout", "10")
    assert run.returncode == int(ExitCode.PROTOCOL_ERROR), run
    assert run.stderr.splitlines()[-1] == (
        "stt-client: error: the server sent a message that is not a JSON object: not json \\x1b]0;pwned\\x07"
    )
    assert run.elapsed < 5


def test_an_error_frame_before_begin_is_reported_when_it_arrives(make_wav, run_client, secret_key, scripted_server):
    url = scripted_server([json.dumps({"type": "Error", "error_code": 3005, "error": "Session Cancelled: nope"})])
    run = run_client("--wav", str(make_wav(2.0)), "--url", url, "--api-key", secret_key, "--connect-timeout", "10")
    assert run.stderr.splitlines()[-1].endswith("(close code 3005): Session Cancelled: nope"), run
    assert run.elapsed < 5


def test_printable_leaves_ordinary_text_alone():
    text = 'Grüße, 東京 👋🏽 — "quoted" [brackets] tab\tnewline'
    assert printable(text) == text.replace("\t", "\\x09")
    assert printable("a\rb\x7fc\x9bd") == "a\\x0db\\x7fc\\x9bd"
    assert printable_json('"\u2066x\u2069"') == '"\\u2066x\\u2069"'
    assert one_line(f"two\nlines {TITLE}") == "two lines \\x1b]0;pwned\\x07"
