"""One exit code per ending, one-line messages, and credentials kept out of them."""

from __future__ import annotations

import pytest

from reference_client.exit_codes import (
    EXIT_CODE_MEANINGS,
    ExitCode,
    describe_close,
    describe_error_frame,
    exit_code_table,
    one_line,
)
from reference_client.redact import Redactor


@pytest.mark.parametrize(
    "code, expected",
    [
        (1008, ExitCode.UNAUTHORIZED),
        (1013, ExitCode.SERVER_UNAVAILABLE),
        (3005, ExitCode.SERVER_ERROR),
        (3006, ExitCode.INVALID_MESSAGE),
        (3007, ExitCode.AUDIO_REJECTED),
        (3008, ExitCode.SESSION_EXPIRED),
        (3009, ExitCode.TOO_MANY_SESSIONS),
        (4001, ExitCode.SERVER_CLOSED),
        (1011, ExitCode.SERVER_CLOSED),
    ],
)
def test_close_codes_map_to_their_exit_codes(code, expected):
    assert describe_close(code, "why")[0] == expected


def test_close_message_names_the_code_and_the_reason():
    _, message = describe_close(3007, "Input duration violation: 20 ms. Expected between 50 and 1000 ms")
    assert "close code 3007" in message and "Input duration violation: 20 ms" in message


def test_concurrency_limit_reported_as_1008_is_still_too_many_sessions():
    code, _ = describe_close(1008, "Unauthorized connection: Too many concurrent sessions")
    assert code == ExitCode.TOO_MANY_SESSIONS


def test_error_frame_with_a_code_uses_the_close_table():
    assert describe_error_frame(3008, "Session Expired")[0] == ExitCode.SESSION_EXPIRED


def test_error_frame_without_a_code_is_a_server_error():
    code, message = describe_error_frame(None, "Model deprecated")
    assert code == ExitCode.SERVER_ERROR and "Model deprecated" in message


def test_exit_codes_are_distinct_and_all_documented():
    assert len({int(code) for code in ExitCode}) == len(ExitCode)
    assert set(EXIT_CODE_MEANINGS) == set(ExitCode)
    assert len(exit_code_table().splitlines()) == len(ExitCode)


def test_module_docstring_table_lists_every_code():
    import reference_client.exit_codes as module

    for code in ExitCode:
        assert f"{int(code):<4}  {code.name}" in module.__doc__


def test_messages_are_one_line():
    assert one_line("a\nb\r\n  c") == "a b c"
    assert "\n" not in describe_close(3005, "line one\nline two")[1]


def test_long_messages_are_cut():
    assert len(one_line("x" * 1000)) == 300


def test_redactor_masks_raw_and_url_encoded_secrets():
    redact = Redactor(["key/with+chars", None, ""])
    text = "header key/with+chars url token=key%2Fwith%2Bchars"
    assert redact(text) == "header *** url token=***"


def test_redactor_leaves_words_alone_for_implausibly_short_secrets():
    assert Redactor(["k"])("Broken pipe") == "Broken pipe"


def test_log_filter_masks_secrets_in_websocket_client_records():
    import logging

    from reference_client.redact import RedactingFilter

    record = logging.LogRecord("websocket", logging.ERROR, __file__, 1, "sent %s to %s", ("abcd1234", "host"), None)
    RedactingFilter(Redactor(["abcd1234"])).filter(record)
    assert record.getMessage() == "sent *** to host"
