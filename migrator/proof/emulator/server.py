"""The emulator server: routing, the background event loop, and the public `Emulator` API.

One ``websockets`` asyncio server on 127.0.0.1 serves three paths: ``/v3/ws`` (v3 sessions),
``/v2/realtime/ws`` (v2 sessions) and ``GET /v3/token`` (plain HTTP, answered from the
``process_request`` hook before any WebSocket upgrade). `Emulator` runs that server on its own
thread and event loop so synchronous test code and the script harness can use it directly.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import threading
from typing import Callable, Iterable, List, Optional, Sequence, Union
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Request, Response

from .faults import Fault
from .records import SessionLog, SessionRecord
from .script import (
    DEFAULT_GAP_MS,
    DEFAULT_LEAD_IN_MS,
    DEFAULT_WORD_MS,
    TranscriptScript,
    as_script,
)
from .session import EmulatorSettings, SessionContext
from .tokens import TokenStore, token_response
from .v2 import V2Session
from .v3 import V3Session

HOST = "127.0.0.1"
#: websockets logs handshake headers (Authorization included) at DEBUG. The server's logger is
#: held at INFO so no logging configuration, however verbose, can print a client's key.
SERVER_LOGGER = logging.getLogger("migrator.proof.emulator.server")
SERVER_LOGGER.setLevel(logging.INFO)
V3_PATH = "/v3/ws"
V2_PATH = "/v2/realtime/ws"
TOKEN_PATH = "/v3/token"
FORMAT_TURNS_MODES = ("classic", "formatted")

FaultsLike = Union[None, Fault, Iterable[Fault]]


def _as_faults(faults: FaultsLike) -> List[Fault]:
    if faults is None:
        return []
    if isinstance(faults, Fault):
        return [faults]
    return list(faults)


def _json_response(status: int, body: str) -> Response:
    reasons = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
    headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body.encode())))])
    return Response(status, reasons.get(status, ""), headers, body.encode())


class Emulator:
    """A local AssemblyAI Streaming emulator (v3 and v2) running on a background thread.

    Use as a context manager, or call `start` / `stop`. Sessions are recorded in `sessions`.
    """

    def __init__(
        self,
        phrases: Optional[Union[Sequence[str], TranscriptScript]] = None,
        *,
        format_turns_mode: str = "classic",
        word_ms: int = DEFAULT_WORD_MS,
        gap_ms: int = DEFAULT_GAP_MS,
        lead_in_ms: int = DEFAULT_LEAD_IN_MS,
        port: int = 0,
        api_key: Optional[str] = None,
        fault: Optional[Fault] = None,
        faults: FaultsLike = None,
        rate_tolerance_ms: float = 1500.0,
        terminate_delay_ms: float = 150.0,
        timer_scale: float = 1.0,
        error_frames: bool = False,
        max_session_seconds: int = 10800,
        v2_idle_seconds: float = 60.0,
        on_session_end: Optional[Callable[[SessionRecord], None]] = None,
    ) -> None:
        if format_turns_mode not in FORMAT_TURNS_MODES:
            raise ValueError(f"format_turns_mode must be one of {FORMAT_TURNS_MODES}")
        self.script = as_script(phrases, word_ms=word_ms, gap_ms=gap_ms, lead_in_ms=lead_in_ms)
        self.settings = EmulatorSettings(
            script=self.script,
            format_turns_mode=format_turns_mode,
            api_key=api_key,
            rate_tolerance_ms=rate_tolerance_ms,
            terminate_delay_ms=terminate_delay_ms,
            timer_scale=timer_scale,
            error_frames=error_frames,
            max_session_seconds=max_session_seconds,
            v2_idle_seconds=v2_idle_seconds,
        )
        self._requested_port = port
        self._on_session_end = on_session_end
        self._faults = _as_faults(faults) + _as_faults(fault)
        self._log = SessionLog()
        self.tokens = TokenStore(timer_scale=timer_scale)
        self._thread: Optional[threading.Thread] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._stop: Optional["asyncio.Future[None]"] = None
        self._ready = threading.Event()
        self._finished = threading.Event()
        self._startup_error: Optional[BaseException] = None
        self.port: Optional[int] = None

    # ----------------------------------------------------------------- lifecycle

    def start(self) -> "Emulator":
        if self._thread is not None:
            return self
        self._ready.clear()
        self._finished.clear()
        self._startup_error = None
        self.port = None
        self._thread = threading.Thread(target=self._run_loop, name="stt-emulator", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=10)
        if self._startup_error is not None:
            raise RuntimeError(f"emulator failed to start: {self._startup_error}") from self._startup_error
        if self.port is None:
            raise RuntimeError("emulator did not start within 10 s")
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Close every open session (code 1001) and stop the server thread."""
        if self._thread is None or self._loop is None:
            return
        loop, stop = self._loop, self._stop
        if stop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(lambda: stop.done() or stop.set_result(None))
        # An Event rather than Thread.join alone: a join interrupted by Ctrl-C can return early.
        self._finished.wait(timeout)
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> "Emulator":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Run on the calling thread until interrupted (the CLI's mode)."""
        self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.2)
        finally:
            self.stop()

    def _run_loop(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._serve())
        except BaseException as error:  # reported to start(); the thread must not die silently
            self._startup_error = error
        finally:
            self._ready.set()
            loop.close()
            self._finished.set()

    async def _serve(self) -> None:
        self._stop = asyncio.get_running_loop().create_future()
        server: Server
        async with serve(
            self._handle,
            HOST,
            self._requested_port,
            process_request=self._process_request,
            max_size=16 * 2**20,
            close_timeout=2,
            logger=SERVER_LOGGER,
        ) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop

    # ----------------------------------------------------------------- routing

    def _process_request(self, connection: ServerConnection, request: Request) -> Optional[Response]:
        split = urlsplit(request.path)
        if split.path == TOKEN_PATH:
            status, body = token_response(
                self.tokens,
                parse_qs(split.query, keep_blank_values=True),
                request.headers.get("Authorization"),
                self.settings.key_ok,
            )
            return _json_response(status, body)
        if split.path not in (V3_PATH, V2_PATH):
            return _json_response(404, '{"error": "Not found"}')
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        ctx = SessionContext(self.settings, self._log, self.tokens, tuple(self._faults))
        session_class = V2Session if urlsplit(ws.request.path).path == V2_PATH else V3Session
        session = session_class(ws, ctx)
        await session.run()
        if self._on_session_end is not None:
            self._on_session_end(copy.deepcopy(session.record))

    # ----------------------------------------------------------------- public API

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("emulator is not running; use it as a context manager or call start()")
        return f"ws://{HOST}:{self.port}"

    @property
    def v3_url(self) -> str:
        return self.base_url + V3_PATH

    @property
    def v2_url(self) -> str:
        return self.base_url + V2_PATH

    @property
    def http_url(self) -> str:
        """``http://127.0.0.1:PORT``: base of the token endpoint."""
        return "http" + self.base_url[2:]

    @property
    def token_url(self) -> str:
        return self.http_url + TOKEN_PATH

    @property
    def format_turns_mode(self) -> str:
        return self.settings.format_turns_mode

    @property
    def faults(self) -> List[Fault]:
        """Faults applied to sessions that start from now on."""
        return list(self._faults)

    @faults.setter
    def faults(self, faults: FaultsLike) -> None:
        self._faults = _as_faults(faults)

    @property
    def fault(self) -> Optional[Fault]:
        return self._faults[0] if self._faults else None

    @fault.setter
    def fault(self, fault: Optional[Fault]) -> None:
        self._faults = _as_faults(fault)

    @property
    def sessions(self) -> List[SessionRecord]:
        """A snapshot of every session so far, newest last."""
        return self._log.snapshot()

    def session_count(self) -> int:
        return self._log.count()

    def clear_sessions(self) -> None:
        self._log.clear()

    def wait_for_sessions(self, n: int, timeout: float = 10.0) -> List[SessionRecord]:
        """Block until at least ``n`` sessions have closed; return the snapshot.

        Raises TimeoutError if that does not happen within ``timeout`` seconds.
        """
        if not self._log.wait(lambda records: sum(r.closed for r in records) >= n, timeout):
            closed = sum(r.closed for r in self._log.snapshot())
            raise TimeoutError(f"{closed} of {n} sessions closed within {timeout} s")
        return self.sessions

    def wait_idle(self, timeout: float = 5.0) -> bool:
        """Block until no session is open. Returns False on timeout."""
        return self._log.wait(lambda records: all(r.closed for r in records), timeout)

    def issue_token(self, expires_in_seconds: int = 60, max_session_duration_seconds: int = 10800) -> str:
        """Mint a temporary token directly (what ``GET /v3/token`` does over HTTP)."""
        return self.tokens.issue(expires_in_seconds, max_session_duration_seconds)

    def expected_finals(self, audio_ms: Optional[float] = None, *, flush: bool = True) -> List[str]:
        """Formatted final transcripts the script yields after ``audio_ms`` of audio.

        ``audio_ms=None``: the whole script. ``flush``: the session was terminated, so the words
        heard in the open turn form one more final.
        """
        return self.script.expected_finals(audio_ms, flush=flush)

    def expected_finals_for(self, session: SessionRecord) -> List[str]:
        """The finals ``session`` should have received, given the audio it actually sent and
        whether it asked for formatted turns."""
        return self.script.expected_finals(
            session.audio_ms, flush=session.terminated, formatted=session.formatted_finals
        )
