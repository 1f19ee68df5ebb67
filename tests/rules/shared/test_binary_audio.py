from migrator import migrate_source
from tests.migration_checks import check_noop, check_transformed, note_codes

URL = 'URL = "wss://api.assemblyai.com/v2/realtime/ws"\n'  # what makes these snippets AssemblyAI code
HEAD = "import base64\nimport json\nimport websocket\n" + URL


def test_base64_chain_becomes_one_binary_send_and_the_unused_imports_go():
    check_transformed(
        HEAD
        + 'def send(ws, stream):\n    data = stream.read(3200)\n    data = base64.b64encode(data).decode("utf-8")\n'
        '    json_data = json.dumps({"audio_data": str(data)})\n    ws.send(json_data)\n',
        "import websocket\n"
        + URL
        + "def send(ws, stream):\n    data = stream.read(3200)\n    ws.send(data, websocket.ABNF.OPCODE_BINARY)\n",
        select=["STT004"],
    )


def test_inline_base64_send_becomes_binary():
    result = migrate_source(
        HEAD + 'def send(ws, chunk):\n    ws.send(json.dumps({"audio_data": base64.b64encode(chunk).decode()}))\n',
        select=["STT004"],
    )
    assert "    ws.send(chunk, websocket.ABNF.OPCODE_BINARY)\n" in result.code
    assert "import base64" not in result.code


def test_browser_base64_text_is_decoded_before_sending():
    result = migrate_source(
        HEAD + 'def relay(ws, payload):\n    ws.send(json.dumps({"audio_data": payload["audio"]}))\n', select=["STT004"]
    )
    assert 'ws.send(base64.b64decode(payload["audio"]), websocket.ABNF.OPCODE_BINARY)' in result.code
    assert "import base64" in result.code


def test_websockets_library_sends_plain_bytes():
    result = migrate_source(
        "import base64, json\nimport websockets\n"
        + URL
        + "async def send(ws, data):\n    data = base64.b64encode(data).decode('utf-8')\n"
        "    json_data = json.dumps({'audio_data': str(data)})\n    await ws.send(json_data)\n",
        select=["STT004"],
    )
    assert result.code == "import websockets\n" + URL + "async def send(ws, data):\n    await ws.send(data)\n"


def test_aiohttp_send_json_becomes_send_bytes():
    result = migrate_source(
        "import base64\nimport aiohttp\n"
        + URL
        + "async def s(ws, b):\n    await ws.send_json({'audio_data': base64.b64encode(b).decode()})\n",
        select=["STT004"],
    )
    assert "await ws.send_bytes(b)" in result.code


def test_reused_json_variable_is_not_collapsed():
    result = migrate_source(
        HEAD
        + 'def send(ws, data):\n    j = json.dumps({"audio_data": base64.b64encode(data).decode()})\n    ws.send(j)\n    log(j)\n',
        select=["STT004"],
    )
    assert [note.code for note in result.notes] == ["STT004"]


def test_literal_chunk_size_becomes_50_ms_at_the_sample_rate():
    result = migrate_source(
        "import pyaudio\nV2 = 'wss://api.assemblyai.com/v2/realtime/ws'\nFRAMES = 3200\nRATE = 16000\np = pyaudio.PyAudio()\n"
        "s = p.open(format=pyaudio.paInt16, channels=1, rate=RATE, input=True, frames_per_buffer=FRAMES)\n",
        select=["STT004"],
    )
    assert "FRAMES = 800\n" in result.code


def test_chunk_at_8_khz_is_400_frames():
    result = migrate_source(
        "import pyaudio\nV2 = 'wss://api.assemblyai.com/v2/realtime/ws'\np = pyaudio.PyAudio()\ns = p.open(rate=8000, input=True, frames_per_buffer=1600)\n",
        select=["STT004"],
    )
    assert "frames_per_buffer=400" in result.code


def test_computed_chunk_outside_the_v3_range_gets_a_note():
    result = migrate_source(
        "import pyaudio\nV2 = 'wss://api.assemblyai.com/v2/realtime/ws'\nRATE = 16000\np = pyaudio.PyAudio()\ns = p.open(rate=RATE, input=True, frames_per_buffer=int(RATE * 0.02))\n",
        select=["STT004"],
    )
    assert "int(RATE * 0.02)" in result.code
    assert "20 ms" in result.notes[0].message


def test_computed_chunk_inside_the_range_is_left_alone():
    check_noop(
        "import pyaudio\nRATE = 16000\np = pyaudio.PyAudio()\ns = p.open(rate=RATE, input=True, frames_per_buffer=int(RATE * 0.1))\n",
        select=["STT004"],
    )


def test_microphone_reads_tolerate_overflow():
    result = migrate_source(
        "import pyaudio\nV2 = 'wss://api.assemblyai.com/v2/realtime/ws'\np = pyaudio.PyAudio()\ns = p.open(rate=16000, input=True, frames_per_buffer=800)\ndata = s.read(800)\n",
        select=["STT004"],
    )
    assert "data = s.read(800, exception_on_overflow=False)" in result.code


def test_leaves_existing_binary_sends_alone():
    check_noop(
        "import websocket\ndef send(ws, data):\n    ws.send(data, websocket.ABNF.OPCODE_BINARY)\n", select=["STT004"]
    )


def test_leaves_other_json_alone():
    check_noop('import json\ndef send(ws):\n    ws.send(json.dumps({"audio": 1}))\n', select=["STT004"])


def test_leaves_chunk_sizes_in_v3_code_alone():
    check_noop(
        "import pyaudio\nV3 = 'wss://streaming.assemblyai.com/v3/ws'\np = pyaudio.PyAudio()\ns = p.open(rate=16000, input=True, frames_per_buffer=1600)\ndata = s.read(1600)\n",
        select=["STT004"],
    )


# --- payloads followed by the value model ---------------------------------------------------------
def test_payload_built_through_several_variables():
    result = migrate_source(
        HEAD + "def send(ws, stream):\n    while True:\n        data = stream.read(3200)\n"
        '        b64 = base64.b64encode(data).decode("utf-8")\n        payload = {"audio_data": b64}\n'
        "        message = json.dumps(payload)\n        ws.send(message)\n",
        select=["STT004"],
    )
    assert result.code.endswith(
        "def send(ws, stream):\n    while True:\n        data = stream.read(3200)\n"
        "        ws.send(data, websocket.ABNF.OPCODE_BINARY)\n"
    )
    assert "import base64" not in result.code


def test_payload_built_by_a_helper_that_nothing_else_calls():
    result = migrate_source(
        HEAD + "def encode_chunk(chunk):\n    encoded = base64.b64encode(chunk).decode()\n"
        '    return json.dumps({"audio_data": encoded})\n\n'
        "def send(ws, stream):\n    ws.send(encode_chunk(stream.read(3200)))\n",
        select=["STT004"],
    )
    assert "def encode_chunk" not in result.code
    assert "    ws.send(stream.read(3200), websocket.ABNF.OPCODE_BINARY)\n" in result.code


def test_a_helper_called_elsewhere_too_is_kept():
    result = migrate_source(
        HEAD + "def encode_chunk(chunk):\n"
        '    return json.dumps({"audio_data": base64.b64encode(chunk).decode()})\n\n'
        "def send(ws, stream):\n    ws.send(encode_chunk(stream.read(3200)))\n\n"
        "def log(chunk):\n    print(encode_chunk(chunk))\n",
        select=["STT004"],
    )
    assert "def encode_chunk" in result.code
    assert "    ws.send(stream.read(3200), websocket.ABNF.OPCODE_BINARY)\n" in result.code
    assert "import base64" in result.code


def test_the_send_form_follows_the_connection_not_the_imports():
    """A file that imports both libraries: the asyncio connection gets a plain binary send,
    never websocket-client's opcode argument (which websockets would reject)."""
    result = migrate_source(
        "import base64\nimport json\nimport websocket\nimport websockets\n" + URL + "async def pump(ws, stream):\n"
        "    data = stream.read(3200)\n    await ws.send(json.dumps({'audio_data': base64.b64encode(data).decode()}))\n\n"
        "async def main(stream):\n    async with websockets.connect(URL) as ws:\n        await pump(ws, stream)\n",
        select=["STT004"],
    )
    assert "    await ws.send(data)\n" in result.code
    assert "OPCODE_BINARY" not in result.code


def test_a_connection_of_unknown_library_in_a_file_with_two_gets_a_note():
    result = migrate_source(
        "import base64\nimport json\nimport websocket\nimport websockets\n" + URL + "def pump(ws, data):\n"
        "    ws.send(json.dumps({'audio_data': base64.b64encode(data).decode()}))\n",
        select=["STT004"],
    )
    assert "ws.send(json.dumps(" in result.code
    assert [note.code for note in result.notes] == ["STT004"]


def test_a_helper_fed_base64_text_is_followed_back_to_the_callers_bytes():
    result = migrate_source(
        "import base64\nimport json\nimport websockets\n" + URL + "def make_audio_message(data):\n"
        '    return json.dumps({"audio_data": str(data)})\n\n'
        "async def send(ws, stream):\n    data = stream.read(3200)\n"
        '    data = base64.b64encode(data).decode("utf-8")\n    await ws.send(make_audio_message(data))\n',
        select=["STT004"],
    )
    assert result.code.endswith("async def send(ws, stream):\n    data = stream.read(3200)\n    await ws.send(data)\n")
    assert "make_audio_message" not in result.code
    assert "import base64" not in result.code


def test_a_helper_building_the_message_from_browser_text_returns_decoded_bytes():
    result = migrate_source(
        "import json\nimport websockets\n" + URL + "def make_audio_message(message):\n"
        '    return json.dumps({"audio_data": message["audio"]})\n\n'
        "async def relay(upstream, message):\n    await upstream.send(make_audio_message(message))\n",
        select=["STT004"],
    )
    assert '    return base64.b64decode(message["audio"])\n' in result.code
    assert "    await upstream.send(make_audio_message(message))\n" in result.code
    assert "import base64\n" in result.code


# --- chunks computed from the capture's own rate ------------------------------------------------
MICROPHONE_HELPER = (
    "import pyaudio\nV2 = 'wss://api.assemblyai.com/v2/realtime/ws'\n\n"
    "def microphone_chunks(sample_rate=16_000):\n"
    "    audio = pyaudio.PyAudio()\n"
    "    frames = sample_rate // {divisor}\n"
    "    stream = audio.open(rate=sample_rate, input=True, frames_per_buffer=frames)\n"
    "    while True:\n"
    "        yield stream.read(frames, exception_on_overflow=False)\n"
)


def test_a_chunk_of_a_twentieth_of_the_capture_rate_is_50_ms_at_any_rate():
    """The helper STT024 writes: it got an STT004 note on the next run."""
    check_noop(MICROPHONE_HELPER.format(divisor=20), select=["STT004"])


def test_a_chunk_of_a_hundredth_of_the_capture_rate_gets_a_note_with_its_duration():
    result = check_transformed(
        MICROPHONE_HELPER.format(divisor=100),
        MICROPHONE_HELPER.format(divisor=100).replace(
            "    stream = audio.open(",
            "    # migrate-stt(STT004): this chunk is 10 ms of audio; v3 closes the session (3007) unless each "
            "message holds 50-1000 ms\n    stream = audio.open(",
        ),
        select=["STT004"],
    )
    assert note_codes(result) == [(7, "STT004")]


def test_an_import_dropped_under_the_docstring_leaves_the_blank_line_below_the_docstring():
    body = (
        "def send(ws, stream):\n"
        '    ws.send(json.dumps({"audio_data": base64.b64encode(stream.read(800)).decode()}))\n'
        '    print(json.dumps({"sent": True}))\n'
    )
    result = migrate_source(
        '"""Captions."""\n\nimport base64\nimport json\nimport websocket\n' + URL + body, select=["STT004"]
    )
    assert result.code.startswith('"""Captions."""\n\nimport json\nimport websocket\n')
    result = migrate_source(
        '"""Captions."""\nimport json\n\nimport base64\n\nimport websocket\n' + URL + body, select=["STT004"]
    )
    assert result.code.startswith('"""Captions."""\nimport json\n\nimport websocket\n')
