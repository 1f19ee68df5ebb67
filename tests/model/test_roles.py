"""The value model on small sources: the role expected at each marked position, and the
cases it must call unknown.

A position is marked by a name in a ``probe(...)`` call: ``probe(x)`` asks what ``x`` is
there. Sources are parsed, never run.
"""

from __future__ import annotations

import textwrap

import libcst as cst
import pytest

from migrator.model import ValueModel, roles


def probes(source: str) -> tuple:
    """The model of ``source`` and the expressions passed to ``probe(...)``, in order."""
    module = cst.parse_module(textwrap.dedent(source))
    found = []

    class Finder(cst.CSTVisitor):
        def visit_Call(self, node: cst.Call) -> None:
            if isinstance(node.func, cst.Name) and node.func.value == "probe":
                found.extend(arg.value for arg in node.args)

    module.visit(Finder())
    return ValueModel(module), found


def kinds(model: ValueModel, node) -> set:
    return {tag[0] for tag in model.tags(node)}


# --- connections and their library --------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "library"),
    [
        ("import websocket\nws = websocket.WebSocketApp(URL)\nprobe(ws)", roles.WEBSOCKET_CLIENT),
        ("import websocket as wsc\nws = wsc.create_connection(URL)\nprobe(ws)", roles.WEBSOCKET_CLIENT),
        ("from websocket import WebSocketApp\nws = WebSocketApp(URL)\nprobe(ws)", roles.WEBSOCKET_CLIENT),
        (
            "import websockets\nasync def main():\n    async with websockets.connect(URL) as ws:\n        probe(ws)",
            roles.WEBSOCKETS,
        ),
        (
            "import websockets\nasync def main():\n    ws = await websockets.connect(URL)\n    probe(ws)",
            roles.WEBSOCKETS,
        ),
        (
            "from websockets.legacy.client import connect\nasync def main():\n"
            "    async with connect(URL) as ws:\n        probe(ws)",
            roles.WEBSOCKETS_LEGACY,
        ),
        (
            "from websockets.sync.client import connect\nwith connect(URL) as ws:\n    probe(ws)",
            roles.WEBSOCKETS_SYNC,
        ),
        (
            "import aiohttp\nasync def main():\n    async with aiohttp.ClientSession() as s:\n"
            "        async with s.ws_connect(URL) as ws:\n            probe(ws)",
            roles.AIOHTTP,
        ),
        (
            "def main():\n    import websocket\n    ws = websocket.WebSocketApp(URL)\n    probe(ws)",
            roles.WEBSOCKET_CLIENT,
        ),
    ],
)
def test_a_connection_and_its_library(source, library):
    model, (probe,) = probes(source)
    assert model.socket_libraries(probe) == {library}


def test_the_socket_flows_into_a_helper_through_its_argument():
    model, (probe,) = probes(
        """
        import websockets

        async def send_audio(connection, stream):
            probe(connection)

        async def main():
            async with websockets.connect(URL) as ws:
                await send_audio(ws, None)
        """
    )
    assert model.socket_library(probe) == roles.WEBSOCKETS


def test_two_libraries_in_one_file_stay_apart():
    model, (asyncio_socket, callback_socket) = probes(
        """
        import websocket
        import websockets

        async def stream():
            async with websockets.connect(URL) as ws:
                probe(ws)

        def on_open(ws):
            probe(ws)

        app = websocket.WebSocketApp(URL, on_open=on_open)
        """
    )
    assert model.socket_libraries(asyncio_socket) == {roles.WEBSOCKETS}
    assert model.socket_libraries(callback_socket) == {roles.WEBSOCKET_CLIENT}


def test_self_attribute_across_methods_and_a_subclass():
    model, (probe,) = probes(
        """
        import websocket

        class Base:
            def connect(self):
                self.ws = websocket.WebSocketApp(URL)

        class Client(Base):
            def send_audio(self, data):
                probe(self.ws)
        """
    )
    assert model.socket_library(probe) == roles.WEBSOCKET_CLIENT


def test_a_factory_returns_the_connection():
    model, (probe,) = probes(
        """
        import websocket

        def make_socket(url):
            return websocket.create_connection(url)

        ws = make_socket(URL)
        probe(ws)
        """
    )
    assert model.socket_library(probe) == roles.WEBSOCKET_CLIENT


def test_a_relay_servers_socket_is_not_the_services():
    model, (probe,) = probes(
        """
        from fastapi import FastAPI, WebSocket

        app = FastAPI()

        @app.websocket("/ws")
        async def relay(websocket: WebSocket):
            probe(websocket)
        """
    )
    assert model.socket_libraries(probe) == {roles.RELAY_SERVER}


@pytest.mark.parametrize("receive", ["await websocket.receive_text()", "await websocket.receive_json()"])
def test_what_a_relay_server_receives_is_not_a_server_message(receive):
    model, (frame, event) = probes(
        f"""
        import json
        from fastapi import FastAPI, WebSocket

        app = FastAPI()

        @app.websocket("/ws")
        async def relay(websocket: WebSocket):
            frame = {receive}
            event = json.loads(frame)
            probe(frame, event)
        """
    )
    assert not model.is_received_frame(frame)
    assert not model.is_message(frame) and not model.is_message(event)


# --- server messages -------------------------------------------------------------------------
def test_a_callback_message_decoded_through_an_alias_and_a_walrus():
    model, (message, kind) = probes(
        """
        import json as j
        import websocket

        def on_message(ws, raw):
            if (data := j.loads(raw)) is not None:
                probe(data, data.get("message_type"))

        app = websocket.WebSocketApp(URL, on_message=on_message)
        """
    )
    assert model.is_message(message)
    assert model.is_message_type(kind)
    assert model.message_holding_type(kind).value == "data"


def test_a_message_handed_to_a_helper_and_a_method():
    model, (in_helper, in_method) = probes(
        """
        import json
        import websocket

        def handle(m):
            probe(m)

        class Printer:
            def show(self, payload):
                probe(payload)

        printer = Printer()

        def on_message(ws, raw):
            message: dict = json.loads(raw)
            handle(message)
            printer.show(message)

        websocket.WebSocketApp(URL, on_message=on_message)
        """
    )
    assert model.is_message(in_helper)
    assert model.is_message(in_method)


def test_a_dispatch_table_passes_the_message_to_its_handlers():
    model, (probe,) = probes(
        """
        import json
        import websocket

        def on_final(msg):
            probe(msg)

        HANDLERS = {"FinalTranscript": on_final}

        def on_message(ws, raw):
            data = json.loads(raw)
            HANDLERS[data["message_type"]](data)

        websocket.WebSocketApp(URL, on_message=on_message)
        """
    )
    assert model.is_message(probe)


def test_a_queue_carries_messages_from_the_reader_to_the_consumer():
    model, (probe,) = probes(
        """
        import asyncio
        import json
        import websockets

        queue = asyncio.Queue()

        async def reader(ws):
            async for frame in ws:
                await queue.put(json.loads(frame))

        async def consumer():
            while True:
                item = await queue.get()
                probe(item)

        async def main():
            async with websockets.connect(URL) as ws:
                await reader(ws)
        """
    )
    assert model.is_message(probe)


def test_partial_and_lambda_callbacks_get_the_frame():
    model, (partial_frame, lambda_frame) = probes(
        """
        import functools
        import websocket

        def on_message(tag, ws, raw):
            probe(raw)

        def on_data(ws, raw):
            probe(raw)

        websocket.WebSocketApp(URL, on_message=functools.partial(on_message, "tag"))
        websocket.WebSocketApp(URL, on_message=lambda ws, raw: on_data(ws, raw))
        """
    )
    assert model.is_received_frame(partial_frame)
    assert model.is_received_frame(lambda_frame)


def test_aiohttp_messages():
    model, (decoded, text) = probes(
        """
        import aiohttp

        async def main():
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(URL) as ws:
                    async for msg in ws:
                        probe(msg.json(), msg.data)
        """
    )
    assert model.is_message(decoded)
    assert model.is_received_frame(text)


def test_match_mapping_patterns_capture_type_and_transcript():
    model, (kind, words) = probes(
        """
        import json

        def on_message(ws, raw):
            match json.loads(raw):
                case {"message_type": kind, "text": words}:
                    probe(kind, words)
        """
    )
    assert model.is_message_type(kind)
    assert model.is_transcript(words)


def test_a_thread_target_gets_its_arguments():
    model, (probe,) = probes(
        """
        import threading
        import websocket

        def pump(connection):
            probe(connection)

        ws = websocket.WebSocketApp(URL)
        threading.Thread(target=pump, args=(ws,)).start()
        """
    )
    assert model.socket_library(probe) == roles.WEBSOCKET_CLIENT


def test_definitions_after_their_use():
    model, (probe,) = probes(
        """
        import websocket

        def main():
            app = websocket.WebSocketApp(URL, on_message=on_message)

        def on_message(ws, raw):
            data = decode(raw)
            probe(data)

        def decode(text):
            import json
            return json.loads(text)
        """
    )
    assert model.is_message(probe)


# --- audio -----------------------------------------------------------------------------------
def test_the_audio_chain_through_helpers():
    model, (chunk, encoded, payload, text) = probes(
        """
        import base64
        import json
        import pyaudio

        audio = pyaudio.PyAudio()
        stream = audio.open(format=pyaudio.paInt16, channels=1, rate=16000, input=True, frames_per_buffer=800)

        def encode(data):
            return base64.b64encode(data).decode("utf-8")

        def payload_of(data):
            return {"audio_data": encode(data)}

        chunk = stream.read(800)
        probe(chunk, encode(chunk), payload_of(chunk), json.dumps(payload_of(chunk)))
        """
    )
    assert model.is_audio(chunk)
    assert model.is_base64_audio(encoded)
    assert model.is_audio_payload(payload)
    assert model.is_audio_json(text)


# --- unknown ---------------------------------------------------------------------------------
def test_what_comes_from_outside_the_file_is_unknown():
    model, (socket, data) = probes(
        """
        from mylib import open_connection, fetch

        ws = open_connection()
        data = fetch()
        probe(ws, data)
        """
    )
    assert kinds(model, socket) == set()
    assert kinds(model, data) == set()
    assert model.socket_library(socket) is None


def test_json_of_a_file_or_an_http_response_is_not_a_message():
    model, (config, response) = probes(
        """
        import json

        config = json.loads(open("config.json").read())
        response = json.loads(requests.get(URL).text)
        probe(config, response)
        """
    )
    assert not model.is_message(config)
    assert not model.is_message(response)


def test_a_parameter_nobody_passes_is_a_message_only_by_its_decoding():
    """Flow is opaque (the handler is registered in another module): ``json.loads`` of it is
    taken as a message, as the v2 keys read from it say; the raw text itself stays unknown."""
    model, (raw, message) = probes(
        """
        import json

        def handle(raw):
            message = json.loads(raw)
            probe(raw, message)
        """
    )
    assert not model.is_received_frame(raw)
    assert model.is_message(message)


def test_a_shadowing_local_is_not_the_module_socket():
    model, (probe,) = probes(
        """
        import websocket

        ws = websocket.WebSocketApp(URL)

        def elsewhere():
            ws = make_something_else()
            probe(ws)
        """
    )
    assert model.socket_libraries(probe) == set()


def test_class_body_names_are_not_visible_in_methods():
    model, (probe,) = probes(
        """
        import websocket

        class Client:
            ws = websocket.WebSocketApp(URL)

            def run(self):
                probe(ws)
        """
    )
    assert model.socket_libraries(probe) == set()


def test_a_method_is_looked_up_in_the_nearest_class_that_defines_it():
    model, (probe,) = probes(
        """
        class Base:
            def handle(self, event):
                pass

        class Child(Base):
            def handle(self, event):
                pass

        child = Child()
        probe(child.handle)
        """
    )
    ((function, bound),) = model.callables(probe)
    classes = {info.node.name.value: info.node for info in model.walk.classes.values()}
    assert bound == 1
    assert function is classes["Child"].body.body[0]  # not Base.handle, which Child overrides
    assert model.subclasses_of(classes["Base"]) == [classes["Child"]]


# --- calls of a function, and what they pass -----------------------------------------------------
def _function(model: ValueModel, name: str):
    return next(
        info.node
        for info in model.walk.functions.values()
        if getattr(info.node, "name", None) and info.node.name.value == name
    )


def test_the_calls_of_a_function_through_a_variable_and_a_method():
    model, (first, second, third) = probes(
        """
        def make(rate, words=None):
            pass
        class Maker:
            def make(self, rate):
                pass
        alias = make
        probe(alias(16_000), make(8_000, words=W), Maker().make(rate=4))
        """
    )
    assert model.calls_of(_function(model, "make")) == [first, second]
    assert model.arguments_bound(first, _function(model, "make")) == {
        "rate": first.args[0].value,
        "words": _default(model),
    }
    assert model.arguments_bound(second, _function(model, "make"))["words"] is second.args[1].value
    method = [info.node for info in model.walk.functions.values() if info.owner is not None][0]
    assert model.calls_of(method) == [third]
    assert model.arguments_bound(third, method) == {"rate": third.args[0].value}


def _default(model: ValueModel):
    make = _function(model, "make")
    return make.params.params[1].default


@pytest.mark.parametrize(
    "call",
    ["make(*rates)", "make(1, 2, 3)", "make(other=1)", "make(1, rate=2)", "make()"],
)
def test_arguments_that_cannot_be_bound_give_none(call):
    model, (node,) = probes(f"def make(rate, words=None):\n    pass\nprobe({call})\n")
    assert model.arguments_bound(node, _function(model, "make")) is None


def test_the_calls_of_a_partial():
    model, (made,) = probes(
        "import functools\nimport assemblyai as aai\n"
        "make = functools.partial(aai.RealtimeTranscriber)\nt = make(token=T)\nprobe(t)\n"
    )
    (partial,) = model.sdk_clients_made_at(made)
    assert [call.func.value for call in model.calls_of(partial)] == ["make"]


@pytest.mark.parametrize(
    ("source", "same"),
    [
        ("def f(rate):\n    x = probe(rate)\n    probe(here)\n", True),
        ("def f(self):\n    x = probe(self.rate)\n    probe(here)\n", True),
        ("def f():\n    rate = 1\n    x = probe(rate)\n    probe(here)\n", True),
        ("x = probe(16_000)\ndef f():\n    probe(here)\n", True),
        ("def f(rate):\n    x = probe(rate)\n    rate = 2\n    probe(here)\n", False),
        ("def f():\n    rate = 1\n    x = probe(rate)\n    rate = 2\n    probe(here)\n", False),
        ("def f(rate):\n    x = probe(rate)\ndef g(rate):\n    probe(here)\n", False),
        ("def f(rate):\n    x = probe(rate + 1)\n    probe(here)\n", False),
    ],
)
def test_whether_an_expression_means_the_same_elsewhere(source, same):
    model, (expression, place) = probes(source)
    assert model.means_the_same_at(expression, place) is same


# --- what the SDK hands a callback ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "event"),
    [
        # a v2 constructor keyword, handed on to a helper
        (
            "import assemblyai as aai\ndef on_data(t):\n    show(t)\ndef show(x):\n    probe(x)\n"
            "aai.RealtimeTranscriber(on_data=on_data)\n",
            "Turn",
        ),
        # an annotation names the v2 type, in a string too
        ("import assemblyai as aai\ndef opened(s: 'aai.RealtimeSessionOpened'):\n    probe(s)\n", "Begin"),
        ("from assemblyai import RealtimeError\ndef failed(e: RealtimeError):\n    probe(e)\n", "Error"),
        # an isinstance test says what a parameter holds
        (
            "import assemblyai as aai\ndef handle(t):\n    if isinstance(t, aai.RealtimeFinalTranscript):\n        probe(t)\n",
            "Turn",
        ),
        # a subclass registers its methods through super().__init__
        (
            "import assemblyai as aai\nclass T(aai.RealtimeTranscriber):\n"
            "    def __init__(self):\n        super().__init__(on_error=self.failed)\n"
            "    def failed(self, error):\n        probe(error)\n",
            "Error",
        ),
        # v3 registration on a client from elsewhere: a v2-shaped handler gets the event alone
        (
            "from assemblyai.streaming.v3 import StreamingEvents\ndef on_turn(t):\n    probe(t)\n"
            "client.on(StreamingEvents.Turn, on_turn)\n",
            "Turn",
        ),
        (
            "from assemblyai.streaming.v3 import StreamingEvents\ndef on_turn(c, t):\n    probe(t)\n"
            "client.on(StreamingEvents.Turn, on_turn)\n",
            "Turn",
        ),
        # one helper handed two kinds of event: not one event
        (
            "import assemblyai as aai\ndef show(x):\n    probe(x)\n"
            "aai.RealtimeTranscriber(on_data=show, on_error=show)\n",
            None,
        ),
        # not an SDK callback at all
        ("def show(x):\n    probe(x)\nshow(1)\n", None),
    ],
)
def test_the_event_a_callback_gets(source, event):
    model, (node,) = probes(source)
    assert model.sdk_event(node) == event


def test_what_runs_from_a_handler():
    model, () = probes(
        "def on_turn(t):\n    helper(t)\ndef helper(t):\n    deeper()\ndef deeper():\n    pass\ndef other():\n    pass\n"
    )
    functions = {info.node.name.value: info.node for info in model.walk.functions.values()}
    assert model.run_from([functions["on_turn"]]) == {id(functions[n]) for n in ("on_turn", "helper", "deeper")}


@pytest.mark.parametrize(
    ("source", "clients"),
    [
        ("import assemblyai as aai\nt = aai.RealtimeTranscriber()\nprobe(t)\n", [2]),
        # an annotation, on an attribute, in a string
        (
            "from typing import Optional\nimport assemblyai as aai\nclass R:\n"
            "    def __init__(self):\n        self.t: 'Optional[aai.RealtimeTranscriber]' = None\n"
            "    def stop(self):\n        probe(self.t)\n",
            [2],
        ),
        ("from assemblyai.streaming.v3 import StreamingClient\ndef stop(c: StreamingClient):\n    probe(c)\n", [3]),
        # an isinstance test on an attribute of an object from outside the file
        (
            "import assemblyai as aai\ndef stop(session):\n"
            "    if isinstance(session.transcriber, aai.RealtimeTranscriber):\n        probe(session.transcriber)\n",
            [2],
        ),
        # another binding of the same name is another object
        (
            "import assemblyai as aai\ndef stop(session):\n"
            "    isinstance(session.transcriber, aai.RealtimeTranscriber)\ndef other(session):\n"
            "    probe(session.transcriber)\n",
            [],
        ),
        ("def stop(session):\n    probe(session.transcriber)\n", []),
    ],
)
def test_sdk_clients_from_constructors_annotations_and_type_tests(source, clients):
    model, (node,) = probes(source)
    assert sorted(version for version, _ in model.sdk_clients(node)) == clients


def test_an_attribute_of_an_outside_object_is_followed_by_its_access_path():
    model, (node,) = probes(
        "import websockets\nasync def run(state):\n    state.ws = await websockets.connect(URL)\n    probe(state.ws)\n"
    )
    assert model.socket_library(node) == roles.WEBSOCKETS
