"""Connection URL and query parameters (docs/protocol.md §2)."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from reference_client.endpoint import StreamingParameters, endpoint_url


def query_of(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def test_default_url_is_the_edge_routed_endpoint():
    url = endpoint_url(StreamingParameters())
    assert url.startswith("wss://streaming.assemblyai.com/v3/ws?")


def test_eu_region_uses_the_eu_host():
    assert urlsplit(endpoint_url(StreamingParameters(), region="eu")).netloc == "streaming.eu.assemblyai.com"


def test_unknown_region_is_refused():
    with pytest.raises(ValueError, match="region"):
        endpoint_url(StreamingParameters(), region="ap")


def test_default_query_sends_rate_encoding_model_and_format_turns():
    assert query_of(endpoint_url(StreamingParameters())) == {
        "sample_rate": "16000",
        "encoding": "pcm_s16le",
        "speech_model": "universal-streaming-english",
        "format_turns": "true",
    }


def test_booleans_are_sent_lower_case():
    params = StreamingParameters(format_turns=False, language_detection=True)
    query = query_of(endpoint_url(params))
    assert (query["format_turns"], query["language_detection"]) == ("false", "true")


def test_every_documented_parameter_reaches_the_query():
    params = StreamingParameters(
        sample_rate=8000,
        encoding="pcm_mulaw",
        speech_model="universal-streaming-multilingual",
        format_turns=True,
        end_of_turn_confidence_threshold=0.7,
        min_turn_silence=160,
        max_turn_silence=2400,
        keyterms_prompt=("AssemblyAI",),
        language_detection=True,
        inactivity_timeout=30,
    )
    assert query_of(endpoint_url(params)) == {
        "sample_rate": "8000",
        "encoding": "pcm_mulaw",
        "speech_model": "universal-streaming-multilingual",
        "format_turns": "true",
        "end_of_turn_confidence_threshold": "0.7",
        "min_turn_silence": "160",
        "max_turn_silence": "2400",
        "keyterms_prompt": '["AssemblyAI"]',
        "language_detection": "true",
        "inactivity_timeout": "30",
    }


def test_keyterms_are_one_json_array_that_survives_url_encoding():
    terms = ("Universal-Streaming", "R&D team", "café au lait")
    url = endpoint_url(StreamingParameters(keyterms_prompt=terms))
    assert "&keyterms_prompt=" in url and url.count("keyterms_prompt") == 1
    assert json.loads(query_of(url)["keyterms_prompt"]) == list(terms)


def test_unset_parameters_are_left_to_the_server():
    params = StreamingParameters(speech_model=None, format_turns=None)
    assert set(query_of(endpoint_url(params))) == {"sample_rate", "encoding"}


def test_url_override_keeps_its_own_query_and_appends_ours():
    url = endpoint_url(StreamingParameters(), url="ws://127.0.0.1:8765/v3/ws?trace=1")
    assert url.startswith("ws://127.0.0.1:8765/v3/ws?trace=1&sample_rate=16000")


def test_url_override_must_be_a_websocket_url():
    with pytest.raises(ValueError, match="ws://"):
        endpoint_url(StreamingParameters(), url="http://127.0.0.1:8765/v3/ws")


def test_token_goes_in_the_query_string():
    url = endpoint_url(StreamingParameters(), token="tok en/+")
    assert query_of(url)["token"] == "tok en/+"


@pytest.mark.parametrize(
    "changes, problem",
    [
        ({"sample_rate": 0}, "sample_rate"),
        ({"encoding": "opus"}, "encoding"),
        ({"end_of_turn_confidence_threshold": 1.5}, "end_of_turn_confidence_threshold"),
        ({"min_turn_silence": -1}, "min_turn_silence"),
        ({"inactivity_timeout": 2}, "inactivity_timeout"),
        ({"keyterms_prompt": tuple(f"t{i}" for i in range(101))}, "at most 100"),
        ({"keyterms_prompt": ("x" * 51,)}, "50 characters"),
    ],
)
def test_values_the_server_would_reject_are_refused_early(changes, problem):
    with pytest.raises(ValueError, match=problem):
        StreamingParameters(**changes)
