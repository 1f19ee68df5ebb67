"""What the libraries a v2 script uses do with values: the tables the value model's
evaluation reads (which call opens a connection, decodes a message, queues a value...)."""

from __future__ import annotations

import builtins

from migrator.model import roles as r

#: What a ``json.loads`` argument reads when it is a file, the environment or an HTTP
#: response rather than a frame from the socket (whose ``text`` must not become ``transcript``).
NOT_A_MESSAGE = (".read", "open(", "environ", "getenv", ".text", ".content", "json(")
JSON_LOADS = frozenset({"json.loads", "ujson.loads", "orjson.loads", "simplejson.loads"})
JSON_DUMPS = frozenset({"json.dumps", "ujson.dumps", "orjson.dumps", "simplejson.dumps"})
BASE64_ENCODERS = frozenset({"base64.b64encode", "base64.standard_b64encode", "base64.encodebytes"})
#: Calls that open a connection, by qualified name -> library.
CONNECTORS = {
    "websocket.WebSocketApp": r.WEBSOCKET_CLIENT,
    "websocket.create_connection": r.WEBSOCKET_CLIENT,
    "websocket.WebSocket": r.WEBSOCKET_CLIENT,
    "websocket._app.WebSocketApp": r.WEBSOCKET_CLIENT,
    "websockets.connect": r.WEBSOCKETS,
    "websockets.asyncio.client.connect": r.WEBSOCKETS,
    "websockets.client.connect": r.WEBSOCKETS_LEGACY,
    "websockets.legacy.client.connect": r.WEBSOCKETS_LEGACY,
    "websockets.sync.client.connect": r.WEBSOCKETS_SYNC,
}
#: Annotations that say a parameter is a connection.
SOCKET_ANNOTATIONS = {
    "websocket.WebSocketApp": r.WEBSOCKET_CLIENT,
    "websocket.WebSocket": r.WEBSOCKET_CLIENT,
    "websockets.WebSocketClientProtocol": r.WEBSOCKETS_LEGACY,
    "websockets.client.WebSocketClientProtocol": r.WEBSOCKETS_LEGACY,
    "websockets.legacy.client.WebSocketClientProtocol": r.WEBSOCKETS_LEGACY,
    "websockets.ClientConnection": r.WEBSOCKETS,
    "websockets.asyncio.client.ClientConnection": r.WEBSOCKETS,
    "aiohttp.ClientWebSocketResponse": r.AIOHTTP,
    "fastapi.WebSocket": r.RELAY_SERVER,
    "starlette.websockets.WebSocket": r.RELAY_SERVER,
}
CONTAINER_FACTORIES = frozenset(
    {
        "queue.Queue",
        "queue.LifoQueue",
        "queue.SimpleQueue",
        "asyncio.Queue",
        "asyncio.LifoQueue",
        "collections.deque",
        "builtins.list",
        "builtins.dict",
        "builtins.set",
        "multiprocessing.Queue",
    }
)
PUT_METHODS = frozenset({"put", "put_nowait", "append", "appendleft", "add", "insert", "setdefault"})
GET_METHODS = frozenset({"get", "get_nowait", "pop", "popleft", "popitem"})
#: websocket-client callbacks: keyword -> the roles of the arguments it is called with.
CALLBACK_ARGUMENTS = {
    "on_open": ("socket",),
    "on_message": ("socket", "message"),
    "on_data": ("socket", "message"),
    "on_error": ("socket", None),
    "on_close": ("socket", None, None),
    "on_ping": ("socket", None),
    "on_pong": ("socket", None),
}
#: Tag kinds that stand for the data itself, so iterating a generator of them yields them.
BUILTIN_NAMES = frozenset(dir(builtins))
#: Modules the rules import under their own name when a rewrite needs one the file does not
#: import (``import json`` for the Terminate message, ``import threading`` for the session
#: thread...). A name that nothing in the file binds and that is one of these is read as that
#: module: after a first run has added the import it is, and a second run must see the file
#: as the first one did.
IMPORTED_WHEN_MISSING = frozenset({"asyncio", "base64", "json", "threading", "time"})
EMPTY: frozenset = frozenset()

#: Methods only one library has: calling one says what the result is, whatever the receiver.
METHODS_OF_ONE_LIBRARY = {"ws_connect": (r.SOCKET, r.AIOHTTP)}  # + the call that made it

#: The SDK's streaming clients, by qualified name -> the protocol version they speak.
SDK_CLIENTS = {
    "assemblyai.RealtimeTranscriber": 2,
    "assemblyai.transcriber.RealtimeTranscriber": 2,
    "assemblyai.streaming.v3.StreamingClient": 3,
    "assemblyai.streaming.v3.client.StreamingClient": 3,
    "assemblyai.RealTimeTranscriber": 3,
}
#: v2 constructor keywords that register a callback -> the v3 event its argument becomes.
SDK_CALLBACKS = {
    "on_open": "Begin",
    "on_data": "Turn",
    "on_error": "Error",
    "on_extra_session_information": "Termination",
    "on_close": None,
}

#: v2 SDK event types, by qualified name -> the v3 event whose object a callback now gets. A
#: parameter annotated with one (or tested with ``isinstance``) holds that event.
SDK_EVENT_TYPES = {
    f"{module}.{name}": event
    for module in ("assemblyai", "assemblyai.types")
    for name, event in (
        ("RealtimeTranscript", "Turn"),
        ("RealtimePartialTranscript", "Turn"),
        ("RealtimeFinalTranscript", "Turn"),
        ("RealtimeSessionOpened", "Begin"),
        ("RealtimeSessionInformation", "Termination"),
        ("RealtimeError", "Error"),
    )
}
#: v3's own event types say the same of a parameter (a half-migrated handler, or a second run).
SDK_EVENT_TYPES.update(
    {
        f"{module}.{name}": event
        for module in ("assemblyai.streaming.v3", "assemblyai.streaming.v3.models")
        for name, event in (
            ("TurnEvent", "Turn"),
            ("BeginEvent", "Begin"),
            ("TerminationEvent", "Termination"),
            ("StreamingError", "Error"),
        )
    }
)
#: The v3 enum of events a handler is registered for (``client.on(StreamingEvents.Turn, ...)``).
SDK_EVENT_ENUMS = frozenset(
    {
        "assemblyai.streaming.v3.StreamingEvents",
        "assemblyai.streaming.v3.models.StreamingEvents",
        "assemblyai.RealTimeEvents",
    }
)
