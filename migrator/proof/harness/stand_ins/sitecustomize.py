"""Points AssemblyAI hosts at the local emulator inside a harness child process.

Python imports ``sitecustomize`` at start-up from the path, and the harness puts this directory
first on the child's ``PYTHONPATH``. Nothing is imported eagerly: an import hook patches each
client library only when the script imports it, right after the module body runs and before
the script (or the AssemblyAI SDK) can take a reference to its ``connect`` function. Covered:
websocket-client (``WebSocketApp``, ``create_connection``), websockets (asyncio, sync and
legacy clients), aiohttp (``ws_connect`` and HTTP requests), httpx and requests (the SDK's and
users' token requests).

URLs whose host is an AssemblyAI streaming/API host are rewritten to the emulator from
``STT_HARNESS_EMULATOR`` (``ws://127.0.0.1:PORT``): ``wss`` becomes ``ws`` and ``https`` becomes
``http``; path and query are kept, so the emulator routes v2 and v3 by path. Any other URL is
left alone. With ``STT_HARNESS_LEGACY_WEBSOCKETS`` set, pre-14 ``extra_headers`` calls are accepted
too (see `_accept_extra_headers`).

With ``STT_HARNESS_ALLOW`` set (``127.0.0.1:PORT``, the emulator), every other destination is
refused in-process (`guard_network`): ``connect``/``connect_ex``/``sendto`` on any socket family
and name resolution of anything but a loopback address. This guard is in the script's own
interpreter, so code that goes around the ``socket`` module (ctypes, a subprocess such as
``curl``) is not stopped by it; the supervisor's network namespace, where the kernel allows one,
is what stops those. Standard library only; must run on Python 3.9+.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any, Callable, Dict, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

ASSEMBLYAI_HOSTS = frozenset(
    {
        "api.assemblyai.com",
        "streaming.assemblyai.com",
        "streaming.us.assemblyai.com",
        "streaming.eu.assemblyai.com",
    }
)
_SCHEMES = {"wss": "ws", "ws": "ws", "https": "http", "http": "http"}
_TLS_OPTIONS = ("ssl", "ssl_context", "server_hostname")


def _emulator_netloc() -> Optional[str]:
    base = os.environ.get("STT_HARNESS_EMULATOR")
    return urlsplit(base).netloc if base else None


def redirect(url: Any) -> Optional[str]:
    """The emulator URL for an AssemblyAI URL, or None to leave ``url`` alone."""
    netloc = _emulator_netloc()
    if netloc is None or not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in ASSEMBLYAI_HOSTS or parts.scheme not in _SCHEMES:
        return None
    return urlunsplit((_SCHEMES[parts.scheme], netloc, parts.path, parts.query, parts.fragment))


def _redirect_call(args: Tuple[Any, ...], kwargs: Dict[str, Any], name: str) -> Tuple[Tuple[Any, ...], bool]:
    """Rewrite the URL argument (first positional or keyword ``name``) in place."""
    if args:
        new = redirect(args[0])
        if new is not None:
            return (new,) + tuple(args[1:]), True
    elif name in kwargs:
        new = redirect(kwargs[name])
        if new is not None:
            kwargs[name] = new
            return args, True
    return args, False


def _drop_tls(kwargs: Dict[str, Any]) -> None:
    """TLS options are an error on a plain ``ws://`` connection in some clients."""
    for option in _TLS_OPTIONS:
        kwargs.pop(option, None)


# --------------------------------------------------------------------------- patches


def _patch_websocket_client(module: Any) -> None:
    """websocket-client's ``WebSocket.connect``, behind ``create_connection``."""
    original = module.WebSocket.connect

    def connect(self: Any, url: Any, **options: Any) -> Any:
        return original(self, redirect(url) or url, **options)

    module.WebSocket.connect = connect


def _patch_websocket_app(module: Any) -> None:
    """``WebSocketApp`` keeps its own URL (it picks the SSL dispatcher from the scheme)."""
    _wrap_init(module.WebSocketApp, "url")


def _wrap_init(cls: Any, url_name: str) -> None:
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        args, redirected = _redirect_call(args, kwargs, url_name)
        if redirected:
            _drop_tls(kwargs)
        original(self, *args, **kwargs)

    cls.__init__ = __init__


def _patch_websockets_asyncio(module: Any) -> None:
    _wrap_init(module.connect, "uri")
    if os.environ.get("STT_HARNESS_LEGACY_WEBSOCKETS"):
        _accept_extra_headers(module.connect)


def _accept_extra_headers(cls: Any) -> None:
    """Let pre-14 ``websockets.connect(..., extra_headers=...)`` calls run on the new client.

    Only for original v2 scripts run as the reference of a comparison (verify turns it on for
    them alone): a migrated script must work with the websockets it will really meet.
    """
    original = cls.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if "extra_headers" in kwargs and "additional_headers" not in kwargs:
            kwargs["additional_headers"] = kwargs.pop("extra_headers")
        original(self, *args, **kwargs)

    cls.__init__ = __init__


def _patch_websockets_legacy(module: Any) -> None:
    _wrap_init(module.Connect, "uri")


def _patch_websockets_sync(module: Any) -> None:
    original = module.connect

    def connect(*args: Any, **kwargs: Any) -> Any:
        args, redirected = _redirect_call(args, kwargs, "uri")
        if redirected:
            _drop_tls(kwargs)
        return original(*args, **kwargs)

    connect.__doc__ = original.__doc__
    module.connect = connect


def _patch_aiohttp(module: Any) -> None:
    """aiohttp: every request and ws_connect resolves its URL through ``_build_url``."""
    session = module.ClientSession
    original = session._build_url

    def _build_url(self: Any, str_or_url: Any) -> Any:
        url = original(self, str_or_url)
        new = redirect(str(url))
        return type(url)(new) if new is not None else url

    session._build_url = _build_url


def _patch_httpx(module: Any) -> None:
    for client in (module.Client, module.AsyncClient):
        original = client.send

        def send(self: Any, request: Any, *args: Any, _original: Callable[..., Any] = original, **kwargs: Any) -> Any:
            new = redirect(str(request.url))
            if new is not None:
                request.url = type(request.url)(new)
            return _original(self, request, *args, **kwargs)

        client.send = send


def _patch_requests(module: Any) -> None:
    original = module.Session.request

    def request(self: Any, method: Any, url: Any, *args: Any, **kwargs: Any) -> Any:
        return original(self, method, redirect(url) or url, *args, **kwargs)

    module.Session.request = request


PATCHES: Dict[str, Callable[[Any], None]] = {
    "websocket._core": _patch_websocket_client,
    "websocket._app": _patch_websocket_app,
    "websockets.asyncio.client": _patch_websockets_asyncio,
    "websockets.sync.client": _patch_websockets_sync,
    "websockets.legacy.client": _patch_websockets_legacy,
    "aiohttp.client": _patch_aiohttp,
    "httpx._client": _patch_httpx,
    "requests.sessions": _patch_requests,
}


# --------------------------------------------------------------------------- network guard

_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "::ffff:127.0.0.1"})


def _allowed_destination() -> Optional[Tuple[str, int]]:
    value = os.environ.get("STT_HARNESS_ALLOW")
    if not value:
        return None
    host, _, port = value.rpartition(":")
    return host, int(port)


def _is_address(text: str) -> bool:
    """A numeric address resolves to itself; ``connect`` is what refuses it."""
    import ipaddress

    try:
        ipaddress.ip_address(text.split("%")[0])
    except ValueError:
        return False
    return True


def guard_network(allowed: Tuple[str, int]) -> None:
    """Refuse every connection but the one to ``allowed`` (the emulator)."""
    import socket

    host, port = allowed

    def permitted(address: Any) -> bool:
        return (
            isinstance(address, tuple)
            and len(address) >= 2
            and address[1] == port
            and str(address[0]).lower() in (_LOOPBACK_NAMES | {host})
        )

    def refuse(address: Any) -> OSError:
        return ConnectionRefusedError(
            111, f"migrate-stt --verify sandbox: connections other than the emulator are refused ({address!r})"
        )

    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto
    original_getaddrinfo = socket.getaddrinfo

    def connect(self: Any, address: Any) -> Any:
        if not permitted(address):
            raise refuse(address)
        return original_connect(self, address)

    def connect_ex(self: Any, address: Any) -> Any:
        if not permitted(address):
            return 111
        return original_connect_ex(self, address)

    def sendto(self: Any, data: Any, *args: Any) -> Any:
        if not permitted(args[-1] if args else None):
            raise refuse(args[-1] if args else None)
        return original_sendto(self, data, *args)

    def getaddrinfo(name: Any, *args: Any, **kwargs: Any) -> Any:
        text = name.decode() if isinstance(name, bytes) else str(name)
        if text.lower() not in (_LOOPBACK_NAMES | {host}) and not _is_address(text):
            raise socket.gaierror(socket.EAI_NONAME, f"migrate-stt --verify sandbox: {text!r} is not resolved")
        return original_getaddrinfo(name, *args, **kwargs)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo


# --------------------------------------------------------------------------- import hook


def _apply(name: str, module: Any) -> None:
    try:
        PATCHES[name](module)
    except Exception as error:  # a library version we do not know: say so, keep running
        sys.stderr.write(f"[migrate-stt harness] could not redirect {name}: {error!r}\n")


class _PatchingLoader:
    """Runs the real loader, then the patch; everything else is delegated."""

    def __init__(self, loader: Any, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: Any) -> Any:
        return self._loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self._loader.exec_module(module)
        _apply(self._name, module)

    def __getattr__(self, attribute: str) -> Any:
        return getattr(self._loader, attribute)


class _PatchOnImport:
    """Meta-path finder that wraps the loader of each module in `PATCHES`."""

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname not in PATCHES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _PatchingLoader(spec.loader, fullname)
                return spec
        return None


def _chain_to_shadowed_sitecustomize() -> None:
    """Run the sitecustomize this one hides (e.g. a distribution's), if any."""
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sys.path[1:]:
        if not entry or os.path.abspath(entry) == here:
            continue
        candidate = os.path.join(entry, "sitecustomize.py")
        if os.path.isfile(candidate):
            spec = importlib.util.spec_from_file_location("_shadowed_sitecustomize", candidate)
            if spec is not None and spec.loader is not None:
                spec.loader.exec_module(importlib.util.module_from_spec(spec))
            return


def install() -> None:
    allowed = _allowed_destination()
    if allowed is not None:
        guard_network(allowed)
    if _emulator_netloc() is None:
        return
    sys.meta_path.insert(0, _PatchOnImport())
    for name in PATCHES:
        if name in sys.modules:
            _apply(name, sys.modules[name])


install()
_chain_to_shadowed_sitecustomize()
