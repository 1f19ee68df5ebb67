"""What a value in a script can be: the roles the value model gives expressions.

A value is a frozenset of *tags*, each a small tuple whose first item is its kind. A tag
says one thing the value may be (the model over-approximates: a name bound to a socket in
one branch and to ``None`` in another has the socket tag). Rules read roles through
:class:`migrator.model.ValueModel`'s questions, not through tags directly.
"""

from __future__ import annotations

# --- websocket libraries a connection can belong to ------------------------------------------
WEBSOCKET_CLIENT = "websocket-client"  #: ``websocket.WebSocketApp``/``create_connection``/``WebSocket``
WEBSOCKETS = "websockets"  #: ``websockets.connect`` (the asyncio client, websockets >= 14)
WEBSOCKETS_LEGACY = "websockets-legacy"  #: ``websockets.legacy.client``/``websockets.client``
WEBSOCKETS_SYNC = "websockets-sync"  #: ``websockets.sync.client.connect``
AIOHTTP = "aiohttp"  #: ``ClientSession.ws_connect`` -> ``ClientWebSocketResponse``
#: Server-side sockets of a relay (flask-sock, FastAPI/Starlette, Django Channels): their
#: peer is a browser or a phone line, never AssemblyAI.
RELAY_SERVER = "relay-server"

ASYNCIO_LIBRARIES = frozenset({WEBSOCKETS, WEBSOCKETS_LEGACY, AIOHTTP})

# --- tag kinds ---------------------------------------------------------------------------------
SOCKET = "socket"  #: (SOCKET, library, id(call that made it) or None): a WebSocket connection
RAW_MESSAGE = "raw_message"  #: (RAW_MESSAGE, library): a text frame received from a socket
AIOHTTP_MESSAGE = "aiohttp_message"  #: aiohttp's ``WSMessage`` (``.data``, ``.json()``, ``.type``)
MESSAGE = "message"  #: (MESSAGE, evidence): a decoded server message (a mapping)
MESSAGE_TYPE = "message_type"  #: (MESSAGE_TYPE, origin slot or None): a message's type value
TRANSCRIPT = "transcript"  #: the transcript text of a message
AUDIO = "audio"  #: raw audio bytes (a microphone read, a chunk of a file)
MICROPHONE = "microphone"  #: (MICROPHONE, id(the open() call)): a pyaudio input stream
BASE64_AUDIO = "base64_audio"  #: (BASE64_AUDIO, is text): base64 of audio, bytes or str
AUDIO_PAYLOAD = "audio_payload"  #: a ``{"audio_data": ...}`` dict
AUDIO_JSON = "audio_json"  #: the JSON text of an audio payload
QUALIFIED = "qualified"  #: (QUALIFIED, "json.loads"): a module or a name imported from one
FUNCTION = "function"  #: (FUNCTION, id(def or lambda), bound positional count)
CLASS = "class"  #: (CLASS, id(ClassDef))
INSTANCE = "instance"  #: (INSTANCE, id(ClassDef)): an object of a class defined in the file
CONTAINER = "container"  #: (CONTAINER, id(node)): a dict, list, tuple, set or queue of values
BOUND = "bound"  #: (BOUND, tag, attribute): a method looked up on a value, not yet called
#: (MADE_BY, qualified name): an object of a library class the model knows no more of
#: (``pyaudio.PyAudio()``, flask-sock's ``Sock(app)``), kept for what its methods return
MADE_BY = "made_by"
#: (GENERATOR, id(def)): what calling a generator function gives; iterating it yields its yields
GENERATOR = "generator"
#: (FACTORY, qualified name, id(the partial call)): ``functools.partial`` of a library class
FACTORY = "factory"
HTTP_SESSION = "http_session"  #: an aiohttp ``ClientSession``
#: (SDK_CLIENT, 2 or 3, id(construction call) or None): ``RealtimeTranscriber``/``StreamingClient``
SDK_CLIENT = "sdk_client"
#: (SDK_EVENT, v3 event name): what the SDK passes a callback ("Turn", "Begin", "Error"...)
SDK_EVENT = "sdk_event"
