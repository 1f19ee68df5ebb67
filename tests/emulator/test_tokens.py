"""``GET /v3/token`` over real HTTP, and single-use redemption on ``/v3/ws``."""

import json
import time
import urllib.error
import urllib.request

import pytest

from tests.emulator.wire import KEY, begin, open_v3, receive_all

pytestmark = pytest.mark.timeout(20)


def get(url, authorization=KEY):
    request = urllib.request.Request(url, headers={"Authorization": authorization} if authorization else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers["Content-Type"], json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], json.loads(error.read())


def mint(emulator, query="expires_in_seconds=60"):
    status, _, body = get(f"{emulator.token_url}?{query}")
    assert status == 200, body
    return body["token"]


def test_token_endpoint_answers_json_with_token_and_lifetime(emulator):
    status, content_type, body = get(f"{emulator.token_url}?expires_in_seconds=60&max_session_duration_seconds=600")
    assert (status, content_type) == (200, "application/json")
    assert set(body) == {"token", "expires_in_seconds"} and body["expires_in_seconds"] == 60
    assert KEY not in body["token"]


def test_token_endpoint_needs_authorization(emulator):
    status, _, body = get(f"{emulator.token_url}?expires_in_seconds=60", authorization=None)
    assert status == 401 and "error" in body


@pytest.mark.parametrize(
    "query, error",
    [
        ("", "expires_in_seconds is required"),
        ("expires_in_seconds=0", "expires_in_seconds must be between 1 and 600, got 0"),
        ("expires_in_seconds=601", "expires_in_seconds must be between 1 and 600, got 601"),
        (
            "expires_in_seconds=60&max_session_duration_seconds=59",
            "max_session_duration_seconds must be between 60 and 10800, got 59",
        ),
        (
            "expires_in_seconds=60&max_session_duration_seconds=10801",
            "max_session_duration_seconds must be between 60 and 10800, got 10801",
        ),
    ],
)
def test_token_endpoint_validates_its_parameters(emulator, query, error):
    status, _, body = get(f"{emulator.token_url}?{query}")
    assert (status, body) == (400, {"error": error})


def test_unknown_paths_are_404(emulator):
    status, _, body = get(emulator.http_url + "/v2/realtime/token")
    assert status == 404 and body == {"error": "Not found"}


def test_a_token_opens_one_session_only(emulator):
    token = mint(emulator)
    with open_v3(emulator, f"sample_rate=16000&token={token}", auth=False) as ws:
        begin(ws)
    with open_v3(emulator, f"sample_rate=16000&token={token}", auth=False) as ws:
        _, code, reason = receive_all(ws)
    assert (code, reason) == (1008, "Unauthorized Connection: Token already used")


def test_an_expired_token_is_refused(make_emulator):
    emulator = make_emulator(timer_scale=0.001)  # 1 s -> 1 ms
    token = mint(emulator, "expires_in_seconds=1")
    time.sleep(0.05)
    with open_v3(emulator, f"sample_rate=16000&token={token}", auth=False) as ws:
        _, code, reason = receive_all(ws)
    assert (code, reason) == (1008, "Unauthorized Connection: Token expired")


def test_an_unknown_token_is_refused(emulator):
    with open_v3(emulator, "sample_rate=16000&token=made-up", auth=False) as ws:
        _, code, reason = receive_all(ws)
    assert (code, reason) == (1008, "Unauthorized Connection: Invalid token")


def test_the_sdk_style_token_in_the_authorization_header_is_single_use_too(emulator):
    token = mint(emulator)
    with open_v3(emulator, auth=False, headers={"Authorization": token}) as ws:
        begin(ws)
    with open_v3(emulator, auth=False, headers={"Authorization": token}) as ws:
        _, code, _ = receive_all(ws)
    assert code == 1008
    assert [r.auth for r in emulator.wait_for_sessions(2)] == ["token_header", "token_header"]
