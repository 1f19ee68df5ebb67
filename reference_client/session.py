"""One Universal Streaming (v3) session over websocket-client, start to finish.

:class:`StreamingSession` is the library behind ``stt-client`` and the model every
migrated script follows. What it does that the migration guide's script and the SDK's
threaded client do not (docs/protocol.md §7.6, §7.7):

* **Bounded everything.** Begin is awaited for ``connect_timeout``; after ``Terminate``
  the ``Termination`` is awaited for ``terminate_timeout`` (an event, not a fixed sleep);
  the close handshake for ``close_timeout``, then the socket is shut down hard. All
  threads are daemons and every join has a timeout, so the process always exits.
* **Ctrl-C.** The first ``KeyboardInterrupt`` in :meth:`StreamingSession.run` stops
  capture, sends what was captured, sends ``Terminate`` and waits for ``Termination``; a
  second one closes the socket at once and ends the run as ``INTERRUPTED``.
* **Audio path.** capture thread -> bounded queue -> one sender thread. The sender cuts
  the stream into frames of exactly 50 ms (last frame padded with silence), so no message
  breaks the server's 50..1000 ms rule, and sends ``Terminate`` only after the last frame.
  The source paces itself at real time.
* **Every ending classified.** Close codes, ``Error`` frames, handshake refusals, DNS
  failures, dropped connections and silent servers each end in one :class:`ExitCode`
  with a one-line message from which credentials are redacted.

Threads: ``run()``'s caller (main), the websocket receiver (``run_forever``; all listener
callbacks run here), the capture thread and the sender thread. The single stop signal is
:attr:`StreamingSession.stop_event`.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import queue
import socket
import ssl
import struct
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import urlsplit

import websocket

from .audio import AudioSource
from .endpoint import StreamingParameters, endpoint_url
from .events import FinalTranscript, PartialTranscript, ServerWarning, SessionBegan, SessionTerminated
from .exit_codes import ExitCode, describe_close, describe_error_frame, one_line
from .latency import LatencyTracker
from .pcm import FRAME_MS, SILENCE_BYTE, FrameChunker, encode_mulaw, frame_size
from .redact import RedactingFilter, Redactor
from .turns import TurnAssembler

SessionEvent = Union[SessionBegan, PartialTranscript, FinalTranscript, SessionTerminated, ServerWarning]
Listener = Callable[[SessionEvent], None]

USER_AGENT = "migrate-stt-reference-client/0.1"
#: Main-thread waits are sliced so Ctrl-C is delivered promptly on every platform.
_WAIT_SLICE = 0.5
_END_OF_AUDIO = None


@dataclasses.dataclass(frozen=True)
class SessionConfig:
    """Where and how to connect; all timeouts in seconds."""

    params: StreamingParameters = dataclasses.field(default_factory=StreamingParameters)
    api_key: Optional[str] = None
    token: Optional[str] = None
    region: str = "us"
    url: Optional[str] = None
    connect_timeout: float = 10.0
    terminate_timeout: float = 5.0
    close_timeout: float = 1.0
    #: Pings detect a peer that vanished without a FIN; the server answers them.
    ping_interval: float = 20.0
    ping_timeout: float = 10.0
    #: Captured chunks waiting for the sender (~50 ms each): a few seconds of slack.
    queue_chunks: int = 100
    measure_latency: bool = False

    def __post_init__(self) -> None:
        if not (self.api_key or self.token):
            raise ValueError("an API key or a temporary token is required")
        for name in ("connect_timeout", "terminate_timeout", "close_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        endpoint_url(self.params, region=self.region, url=self.url)  # validates region/url

    def endpoint(self) -> str:
        """The connection URL (contains the token, if any: never print it unredacted)."""
        return endpoint_url(self.params, region=self.region, url=self.url, token=self.token)

    def headers(self) -> Dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.api_key and not self.token:
            headers["Authorization"] = self.api_key
        return headers

    @property
    def host(self) -> str:
        return urlsplit(endpoint_url(self.params, region=self.region, url=self.url)).netloc


@dataclasses.dataclass
class SessionResult:
    """How a run ended and what it produced."""

    exit_code: ExitCode
    message: Optional[str]
    session_id: Optional[str] = None
    finals: List[FinalTranscript] = dataclasses.field(default_factory=list)
    termination: Optional[SessionTerminated] = None
    close_code: Optional[int] = None
    close_reason: str = ""
    frames_sent: int = 0
    terminate_sent: bool = False
    latency: Optional[dict] = None

    @property
    def ok(self) -> bool:
        return self.exit_code == ExitCode.OK

    @property
    def audio_seconds_sent(self) -> float:
        return self.frames_sent * FRAME_MS / 1000.0


class StreamingSession:
    """A single-use v3 session: ``StreamingSession(config, listener).run(source)``.

    ``listener`` receives :data:`SessionEvent` objects on the receiver thread; an
    exception from it stops the session as ``INTERNAL``. :meth:`stop` may be called from
    any thread (or a listener) and behaves like Ctrl-C.
    """

    def __init__(self, config: SessionConfig, listener: Optional[Listener] = None) -> None:
        self.config = config
        self.stop_event = threading.Event()
        self._listener = listener
        self._redact = Redactor([config.api_key, config.token])
        self._turns = TurnAssembler(format_turns=bool(config.params.format_turns))
        self._latency = LatencyTracker() if config.measure_latency else None
        self._audio: "queue.Queue[Optional[bytes]]" = queue.Queue(maxsize=config.queue_chunks)
        self._state = threading.Condition()
        self._app: Optional[websocket.WebSocketApp] = None
        #: The open connection, kept past websocket-client's teardown so it can be closed.
        self._socket: Optional[websocket.WebSocket] = None
        self._threads: Dict[str, threading.Thread] = {}
        self._used = False
        # Everything below is written under self._state.
        self._opened = False
        self._began = False
        self._terminated = False
        self._closed = False
        self._client_closed = False
        self._connect_timed_out = False
        self._interrupted = False
        self._terminate_sent = False
        self._frames_sent = 0
        self._session_id: Optional[str] = None
        self._termination: Optional[SessionTerminated] = None
        self._finals: List[FinalTranscript] = []
        self._close_code: Optional[int] = None
        self._close_reason = ""
        self._peer_close: Optional[Tuple[Optional[int], str]] = None
        self._error_frame: Optional[Tuple[Optional[int], str]] = None
        self._failure: Optional[Tuple[ExitCode, str]] = None
        self._connect_error: Optional[BaseException] = None
        self._transport_error: Optional[BaseException] = None

    # ----------------------------------------------------------------- public API

    def run(self, source: AudioSource) -> SessionResult:
        """Connect, stream ``source`` until it ends or :meth:`stop`, terminate, close.

        Takes ownership of ``source``: it is closed before this returns. Never raises for
        network or server problems; the result's ``exit_code`` and ``message`` say what
        happened.
        """
        if self._used:
            raise RuntimeError("a StreamingSession runs once; create a new one")
        self._used = True
        log_filter = RedactingFilter(self._redact)
        logging.getLogger("websocket").addFilter(log_filter)
        try:
            try:
                self._connect()
                if self._await_begin():
                    self._start_audio(source)
                    self._wait_until(lambda: self.stop_event.is_set() or self._closed)
            except KeyboardInterrupt:
                pass  # the first Ctrl-C means "finish gracefully", which is what follows
            self._shutdown()
        except KeyboardInterrupt:  # Ctrl-C during the shutdown: stop waiting for the server
            with self._state:
                self._interrupted = True
            self._abort()
        finally:
            self.stop_event.set()
            source.close()
            self._join_threads()
            logging.getLogger("websocket").removeFilter(log_filter)
        return self._result()

    def stop(self) -> None:
        """Ask for a graceful end: stop capture, flush, Terminate, await Termination."""
        self.stop_event.set()
        with self._state:
            self._state.notify_all()

    def force_endpoint(self) -> None:
        """End the current turn now (``ForceEndpoint``); the server answers with its final Turn."""
        self._send_json({"type": "ForceEndpoint"})

    def update_configuration(self, **fields: Any) -> None:
        """Change turn-detection settings or keyterms mid-session (``UpdateConfiguration``)."""
        self._send_json({"type": "UpdateConfiguration", **fields})

    # ----------------------------------------------------------------- lifecycle

    def _connect(self) -> None:
        self._app = websocket.WebSocketApp(
            self.config.endpoint(),
            header=self.config.headers(),
            on_open=self._on_open,
            on_message=self._on_message,
            on_error=self._on_error,
            on_close=self._on_close,
        )
        self._start_thread(
            "receiver",
            self._receive,
            kwargs={
                "ping_interval": self.config.ping_interval,
                "ping_timeout": self.config.ping_timeout,
                "reconnect": 0,
            },
        )

    def _receive(self, **options: Any) -> None:
        """``run_forever`` on the receiver thread. Whatever it raises instead of reporting
        through ``on_error`` becomes this session's failure: no thread traceback, no wait for
        the connect timeout."""
        assert self._app is not None
        try:
            self._app.run_forever(**options)
        except Exception as error:
            self._on_error(self._app, error)
            with self._state:
                self._closed = True
                self._state.notify_all()
            self.stop()

    def _await_begin(self) -> bool:
        """Wait for Begin (or a failure) within ``connect_timeout``; True once Begin arrived."""
        # A protocol error or an Error frame before Begin ends the wait at once: it is
        # reported when it arrives, not when the connect timeout runs out.
        arrived = self._wait_until(
            lambda: self._began or self._closed or self._failure is not None or self._error_frame is not None,
            self.config.connect_timeout,
        )
        with self._state:
            if not arrived:
                self._connect_timed_out = True
            return self._began and not self._closed

    def _start_audio(self, source: AudioSource) -> None:
        self._start_thread("sender", self._send_audio)
        self._start_thread("capture", self._capture, args=(source,))

    def _shutdown(self) -> None:
        """Graceful end from any state: flush and Terminate if a session is live, then close."""
        self.stop()
        deadline = time.monotonic() + self.config.terminate_timeout
        with self._state:
            live = self._began and not self._closed
            rejected = self._error_frame is not None
        if live and rejected:
            # The server reported a fatal error; give it a moment to send its close code.
            self._wait_until(lambda: self._closed, self.config.close_timeout)
        elif live:
            self._join("capture", deadline)
            # Normally the capture thread has queued the end marker; if it is stuck in a
            # device read, queue it here so the sender still flushes and terminates.
            self._enqueue(_END_OF_AUDIO, deadline)
            self._join("sender", deadline)
            self._wait_until(lambda: self._terminated or self._closed, deadline - time.monotonic())
        self._close()

    def _close(self) -> None:
        """Close handshake bounded by ``close_timeout``, then a hard shutdown if needed."""
        with self._state:
            if self._closed:
                return
            self._client_closed = True
        sock = self._app.sock if self._app is not None else None
        if sock is not None and sock.connected:
            try:
                sock.send_close(websocket.STATUS_NORMAL)
            except (websocket.WebSocketException, OSError):
                pass
            if self._wait_until(lambda: self._closed, self.config.close_timeout):
                return
        self._abort()

    def _abort(self) -> None:
        """Drop the connection now; the receiver wakes on EOF and finishes."""
        with self._state:
            self._client_closed = True
        app = self._app
        if app is None:
            return
        app.keep_running = False
        with self._state:
            sock = self._socket or app.sock  # app.sock alone during the handshake
        raw = getattr(sock, "sock", None) if sock is not None else None
        if raw is not None:
            try:
                raw.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _join_threads(self) -> None:
        deadline = time.monotonic() + self.config.close_timeout + 1.0
        for name in ("capture", "sender", "receiver"):
            self._join(name, deadline)

    # ----------------------------------------------------------------- audio threads

    def _capture(self, source: AudioSource) -> None:
        """Read the source until it ends or stop is set; an ended source stops the session."""
        try:
            while not self.stop_event.is_set():
                chunk = source.read()
                if chunk is None:
                    break
                if chunk:
                    self._enqueue(chunk, None)
        except Exception as error:  # a device can fail mid-session (unplugged microphone)
            self._fail(ExitCode.AUDIO_UNAVAILABLE, f"audio capture failed: {error}")
        finally:
            self._enqueue(_END_OF_AUDIO, time.monotonic() + self.config.terminate_timeout)
            self.stop()

    def _enqueue(self, item: Optional[bytes], deadline: Optional[float]) -> None:
        """Put on the bounded queue, waiting while the sender catches up (not past the close)."""
        while True:
            try:
                self._audio.put(item, timeout=_WAIT_SLICE)
                return
            except queue.Full:
                with self._state:
                    if self._closed:
                        return
                if deadline is not None and time.monotonic() >= deadline:
                    return

    def _send_audio(self) -> None:
        """The one sender: exact 50 ms frames in order, then the padded tail, then Terminate."""
        params = self.config.params
        chunker = FrameChunker(frame_size(params.sample_rate, params.bytes_per_sample), SILENCE_BYTE[params.encoding])
        mulaw = params.encoding == "pcm_mulaw"
        try:
            while True:
                chunk = self._audio.get()
                if chunk is _END_OF_AUDIO or self._session_over():
                    break
                for frame in chunker.feed(encode_mulaw(chunk) if mulaw else chunk):
                    self._send_frame(frame)
            if self._session_over():
                return
            tail = chunker.flush()
            if tail is not None:
                self._send_frame(tail)
            self._send_json({"type": "Terminate"})
            with self._state:
                self._terminate_sent = True
        except (websocket.WebSocketException, OSError) as error:
            # The receiver sees the same broken connection and reports it.
            with self._state:
                if self._transport_error is None:
                    self._transport_error = error
        except Exception as error:  # a bug must end the session visibly, not strand it
            self._fail(ExitCode.INTERNAL, f"audio sender failed: {error!r}")

    def _send_frame(self, frame: bytes) -> None:
        assert self._app is not None
        self._app.send(frame, websocket.ABNF.OPCODE_BINARY)
        with self._state:
            self._frames_sent += 1
            audio_end_ms = self._frames_sent * FRAME_MS
        if self._latency is not None:
            self._latency.frame_sent(audio_end_ms, time.monotonic())

    def _send_json(self, message: Dict[str, Any]) -> None:
        if self._app is None:
            raise RuntimeError("the session is not connected")
        self._app.send(json.dumps(message), websocket.ABNF.OPCODE_TEXT)

    # ----------------------------------------------------------------- receiver callbacks

    def _on_open(self, app: websocket.WebSocketApp) -> None:
        with self._state:
            self._opened = True
            self._socket = app.sock

    def _on_message(self, _app: websocket.WebSocketApp, raw: Union[str, bytes]) -> None:
        try:
            self._handle_message(raw, time.monotonic())
        except Exception as error:  # e.g. a Turn whose turn_order is not a number
            self._fail(ExitCode.PROTOCOL_ERROR, f"cannot handle a server message: {error!r}")

    def _handle_message(self, raw: Union[str, bytes], received_at: float) -> None:
        try:
            message = json.loads(raw)
        except (ValueError, TypeError):
            message = None
        if not isinstance(message, dict):
            preview = one_line(raw if isinstance(raw, str) else repr(raw[:60]), 80)
            self._fail(ExitCode.PROTOCOL_ERROR, f"the server sent a message that is not a JSON object: {preview}")
            return
        kind = message.get("type")
        if kind == "Begin":
            self._on_begin(message)
        elif kind == "Turn":
            for event in self._turns.on_turn(message):
                self._emit_turn_event(event, received_at)
        elif kind == "Termination":
            self._on_termination(message, received_at)
        elif kind == "Error" or (kind is None and "error" in message):
            code = message.get("error_code")
            with self._state:
                if self._error_frame is None:
                    self._error_frame = (code if isinstance(code, int) else None, str(message.get("error", "")))
            self.stop()
        elif kind == "Warning":
            code = message.get("warning_code")
            self._emit(ServerWarning(code if isinstance(code, int) else None, str(message.get("warning", "")), message))
        # Unknown types (Heartbeat, SpeechStarted, future ones) are ignored, as documented.

    def _on_begin(self, message: Dict[str, Any]) -> None:
        expires_at = message.get("expires_at")
        expires = int(expires_at) if isinstance(expires_at, (int, float)) else None
        event = SessionBegan(str(message.get("id", "")), expires, message)
        with self._state:
            self._session_id = event.session_id
            self._began = True
            self._state.notify_all()
        self._emit(event)

    def _on_termination(self, message: Dict[str, Any], received_at: float) -> None:
        for event in self._turns.flush():
            self._emit_turn_event(event, received_at)

        def seconds(key: str) -> Optional[float]:
            value = message.get(key)
            return value if isinstance(value, (int, float)) else None

        event = SessionTerminated(seconds("audio_duration_seconds"), seconds("session_duration_seconds"), message)
        with self._state:
            self._termination = event
            self._terminated = True
            self._state.notify_all()
        self._emit(event)
        self.stop()

    def _emit_turn_event(self, event: Union[PartialTranscript, FinalTranscript], received_at: float) -> None:
        if isinstance(event, FinalTranscript):
            if self._latency is not None:
                latency = self._latency.measure(event.last_word_end_ms, received_at)
                event = dataclasses.replace(event, latency_ms=latency)
            with self._state:
                self._finals.append(event)
        self._emit(event)

    def _on_error(self, _app: websocket.WebSocketApp, error: Any) -> None:
        # websocket-client reports a received close frame here too: 1.9.2 as an exception
        # with status_code/reason, 1.9.0-1.9.1 as the raw frame, and those two then call
        # on_close without the code. Keep the code so on_close can use it.
        peer_close = _close_frame_args(error)
        if peer_close is not None:
            with self._state:
                self._peer_close = peer_close
            return
        with self._state:
            if not self._opened:
                if self._connect_error is None:
                    self._connect_error = error
            elif self._transport_error is None:
                self._transport_error = error

    def _on_close(self, _app: websocket.WebSocketApp, code: Optional[int], reason: Optional[str]) -> None:
        with self._state:
            if code is None and self._peer_close is not None:
                code, reason = self._peer_close
            self._closed = True
            self._close_code = code
            self._close_reason = reason or ""
            connection, self._socket = self._socket, None
        self.stop()
        if connection is not None:
            # websocket-client answers a server-initiated close but leaves the TCP socket
            # open until garbage collection; the server would wait for it. Close it now.
            connection.shutdown()
        try:
            self._audio.put_nowait(_END_OF_AUDIO)  # wake the sender if it waits for audio
        except queue.Full:
            pass  # a full queue means the sender is not waiting

    # ----------------------------------------------------------------- helpers

    def _emit(self, event: SessionEvent) -> None:
        if self._listener is None:
            return
        try:
            self._listener(event)
        except Exception as error:
            self._fail(ExitCode.INTERNAL, f"output failed: {error}")

    def _fail(self, code: ExitCode, message: str) -> None:
        """Record the first local failure and stop; the shutdown path still terminates cleanly."""
        with self._state:
            if self._failure is None:
                self._failure = (code, message)
        self.stop()

    def _session_over(self) -> bool:
        """True once nothing more should be sent: closed, terminated, or rejected by the server."""
        with self._state:
            return self._closed or self._terminated or self._error_frame is not None

    def _wait_until(self, predicate: Callable[[], bool], timeout: Optional[float] = None) -> bool:
        """Wait on the state condition; sliced so KeyboardInterrupt arrives promptly."""
        deadline = None if timeout is None else time.monotonic() + max(0.0, timeout)
        with self._state:
            while not predicate():
                remaining = _WAIT_SLICE if deadline is None else min(_WAIT_SLICE, deadline - time.monotonic())
                if remaining <= 0:
                    return False
                self._state.wait(remaining)
            return True

    def _start_thread(
        self, name: str, target: Callable[..., Any], args: tuple = (), kwargs: Optional[dict] = None
    ) -> None:
        thread = threading.Thread(target=target, args=args, kwargs=kwargs or {}, name=f"stt-{name}", daemon=True)
        self._threads[name] = thread
        thread.start()

    def _join(self, name: str, deadline: float) -> None:
        thread = self._threads.get(name)
        if thread is not None and thread is not threading.current_thread():
            thread.join(max(0.0, deadline - time.monotonic()))

    # ----------------------------------------------------------------- outcome

    def _result(self) -> SessionResult:
        for event in self._turns.flush():  # a held turn when no Termination came
            self._emit_turn_event(event, time.monotonic())
        with self._state:
            exit_code, message = self._outcome()
            return SessionResult(
                exit_code=exit_code,
                message=self._redact(one_line(message)) if message else None,
                session_id=self._session_id,
                finals=list(self._finals),
                termination=self._termination,
                close_code=self._close_code,
                close_reason=self._redact(self._close_reason),
                frames_sent=self._frames_sent,
                terminate_sent=self._terminate_sent,
                latency=self._latency.summary() if self._latency is not None else None,
            )

    def _outcome(self) -> Tuple[ExitCode, Optional[str]]:
        """The one exit code for this run; the most specific evidence wins."""
        host = self.config.host
        abnormal_close = self._close_code is not None and self._close_code != websocket.STATUS_NORMAL
        if self._interrupted:
            return ExitCode.INTERRUPTED, "interrupted; closed without waiting for the server"
        if self._error_frame is not None:
            code, text = self._error_frame
            if code is None and abnormal_close:
                code = self._close_code
            return describe_error_frame(code, text or self._close_reason)
        if abnormal_close:
            return describe_close(self._close_code, self._close_reason)
        if self._failure is not None:
            return self._failure
        if not self._began:
            return self._connect_outcome(host)
        if self._closed and not self._client_closed and not self._terminated:
            if self._close_code is None:
                detail = f" ({self._transport_error})" if self._transport_error else ""
                return ExitCode.CONNECTION_LOST, f"connection to {host} lost without a close frame{detail}"
            if not self._terminate_sent:
                return ExitCode.SERVER_CLOSED, "the server ended the session unexpectedly (close code 1000)"
        # A 1000 after our own close frame is only the echo; it does not excuse a missing Termination.
        if self._terminate_sent and not self._terminated and (self._client_closed or self._close_code is None):
            return (
                ExitCode.NO_TERMINATION,
                f"no Termination from {host} within {self.config.terminate_timeout:g} s after Terminate",
            )
        return ExitCode.OK, None

    def _connect_outcome(self, host: str) -> Tuple[ExitCode, str]:
        # Checked first: aborting a hung handshake makes websocket-client report an error too.
        if self._connect_timed_out:
            if self._opened:
                return ExitCode.CONNECT_TIMEOUT, f"no Begin from {host} within {self.config.connect_timeout:g} s"
            return ExitCode.CONNECT_TIMEOUT, f"could not connect to {host} within {self.config.connect_timeout:g} s"
        if self._connect_error is not None:
            return classify_connect_error(self._connect_error, host)
        if self._closed and self._opened:
            return ExitCode.SERVER_CLOSED, f"{host} closed the connection before Begin"
        return ExitCode.OK, None  # interrupted before a session existed


def _close_frame_args(error: Any) -> Optional[Tuple[Optional[int], str]]:
    """(code, reason) if websocket-client handed ``on_error`` a received close frame."""
    if isinstance(error, websocket.ABNF):
        if error.opcode != websocket.ABNF.OPCODE_CLOSE:
            return None
        data = error.data or b""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if len(data) < 2:
            return None, ""
        return struct.unpack("!H", data[:2])[0], data[2:].decode("utf-8", "replace")
    if isinstance(error, websocket.WebSocketConnectionClosedException) and hasattr(error, "status_code"):
        return error.status_code, getattr(error, "reason", None) or ""
    return None


def classify_connect_error(error: BaseException, host: str) -> Tuple[ExitCode, str]:
    """Exit code and message for a failure before the WebSocket was open."""
    if isinstance(error, websocket.WebSocketBadStatusException):
        status = error.status_code
        body = error.resp_body.decode("utf-8", "replace") if isinstance(error.resp_body, bytes) else ""
        detail = f": {one_line(body, 120)}" if body.strip() else ""
        if status in (401, 403):
            return ExitCode.UNAUTHORIZED, f"{host} refused the credentials (HTTP {status}){detail}"
        return ExitCode.CONNECT_FAILED, f"{host} refused the WebSocket handshake (HTTP {status}){detail}"
    if isinstance(error, ConnectionRefusedError):
        return ExitCode.CONNECT_FAILED, f"connection refused by {host}"
    if isinstance(error, (websocket.WebSocketAddressException, socket.gaierror)):
        return ExitCode.CONNECT_FAILED, f"cannot resolve {host.rsplit(':', 1)[0]} (DNS): {error}"
    if isinstance(error, (socket.timeout, websocket.WebSocketTimeoutException)):
        return ExitCode.CONNECT_TIMEOUT, f"timed out connecting to {host}"
    if isinstance(error, ssl.SSLError):
        return ExitCode.CONNECT_FAILED, f"TLS handshake with {host} failed: {error}"
    if isinstance(error, websocket.WebSocketConnectionClosedException):
        return ExitCode.CONNECT_FAILED, f"{host} closed the connection during the handshake"
    return ExitCode.CONNECT_FAILED, f"cannot connect to {host}: {error}"
