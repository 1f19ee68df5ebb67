"""Runs one harness script and makes sure nothing it started outlives it.

The harness starts this file with the tool's own interpreter, ``python -I supervisor.py
[--netns SOCKET:PORT] [--report FILE] -- PYTHON SCRIPT ARGS...``; it uses the standard library
only. On Linux it:

* becomes a *child subreaper* (``prctl(PR_SET_CHILD_SUBREAPER)``): every process the script
  starts, even one that left its session (``start_new_session=True``) or double-forked, is
  re-parented to the supervisor when its own parent dies, so it can be found and killed;
* dies with the harness (``prctl(PR_SET_PDEATHSIG, SIGTERM)``): when migrate-stt goes away,
  even by SIGKILL, the supervisor gets SIGTERM and takes the script's processes with it;
* with ``--netns``, moves itself and the script into a new user and network namespace whose
  only reachable address is ``127.0.0.1:PORT``, relayed to the emulator through the Unix socket
  ``SOCKET`` (a socket bound to a path works across network namespaces; nothing else does).
  Where the kernel refuses an unprivileged namespace the script runs without one and
  ``--report`` says so.

When the script exits, or on SIGTERM, every descendant is killed (SIGKILL) and reaped; then the
supervisor exits with the script's status, dying of the same signal if the script did. SIGINT
(the harness's Ctrl-C to the process group) is meant for the script: the supervisor ignores it.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from typing import Callable, Dict, List, Optional

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
SIOCSIFFLAGS = 0x8914
IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x1, 0x8, 0x40
#: How long the kill loop keeps finding new processes (a fork loop) before it gives up.
KILL_ROUNDS = 200


def _libc() -> Optional[ctypes.CDLL]:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


def _prctl(libc: Optional[ctypes.CDLL], option: int, value: int) -> bool:
    if libc is None:
        return False
    return libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0


# --------------------------------------------------------------------------- relaying


def pump(source: socket.socket, sink: socket.socket) -> None:
    """Copy bytes from ``source`` to ``sink`` until EOF, then half-close ``sink``."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for close in (lambda: sink.shutdown(socket.SHUT_WR), lambda: source.shutdown(socket.SHUT_RD)):
            try:
                close()
            except OSError:
                pass


def relay(listener: socket.socket, connect: Callable[[], socket.socket]) -> None:
    """Accept on ``listener`` forever; join each connection to a fresh ``connect()`` one."""
    while True:
        try:
            inside, _ = listener.accept()
        except OSError:
            return
        try:
            outside = connect()
        except OSError:
            inside.close()
            continue
        for a, b in ((inside, outside), (outside, inside)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()


def _unix_connector(path: str) -> Callable[[], socket.socket]:
    def connect() -> socket.socket:
        outside = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        outside.connect(path)
        return outside

    return connect


# --------------------------------------------------------------------------- network namespace


def enter_network_namespace(libc: Optional[ctypes.CDLL], unix_path: str, port: int) -> str:
    """Enter a new user+network namespace with loopback up and a relay on 127.0.0.1:``port``.

    Returns how the network is limited, for the report. Must run before any thread starts.
    """
    if libc is None:
        return "in-process guard only (no network namespaces on this system)"
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0:
        error = os.strerror(ctypes.get_errno())
        return f"in-process guard only (the kernel refused an unprivileged network namespace: {error})"
    try:
        # The script keeps its own user id inside; without a mapping it would be 'nobody'.
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as stream:
                stream.write(text)
        import fcntl

        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as control:
            request = struct.pack("16sH14s", b"lo", IFF_UP | IFF_LOOPBACK | IFF_RUNNING, b"")
            fcntl.ioctl(control.fileno(), SIOCSIFFLAGS, request)
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
    except OSError as error:
        # Half set up: the namespace has no usable network at all, which is safe but useless.
        return f"network namespace without a relay ({error}); the script cannot reach the emulator"
    threading.Thread(target=relay, args=(listener, _unix_connector(unix_path)), daemon=True).start()
    return "network namespace (only 127.0.0.1:%d, relayed to the emulator) and in-process guard" % port


# --------------------------------------------------------------------------- process tree


def _children_by_parent() -> Dict[int, List[int]]:
    children: Dict[int, List[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stream:
                stat = stream.read()
        except OSError:
            continue
        fields = stat.rsplit(b")", 1)[-1].split()
        if len(fields) > 1:
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def descendants(root: int) -> List[int]:
    """Every live process below ``root`` (from /proc), nearest first."""
    children = _children_by_parent()
    found: List[int] = []
    queue = list(children.get(root, ()))
    while queue:
        pid = queue.pop(0)
        found.append(pid)
        queue.extend(children.get(pid, ()))
    return found


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_everything(script: Optional[int]) -> None:
    """SIGKILL every process below the supervisor until none is left, and reap them.
    Without /proc only the script itself can be found here (the harness then kills the
    process group)."""
    if not os.path.isdir("/proc"):
        if script is not None:
            try:
                os.kill(script, signal.SIGKILL)
            except OSError:
                pass
        _reap()
        return
    for _ in range(KILL_ROUNDS):
        pids = descendants(os.getpid())
        if not pids:
            break
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.005)
        _reap()
    _reap()


# --------------------------------------------------------------------------- main


def _parse(argv: List[str]) -> Optional[tuple]:
    netns = report = None
    parent = None
    while argv and argv[0] != "--":
        option, value = argv[0], argv[1] if len(argv) > 1 else None
        if value is None:
            return None
        if option == "--netns":
            netns = value
        elif option == "--report":
            report = value
        elif option == "--parent":
            parent = int(value)
        else:
            return None
        argv = argv[2:]
    if len(argv) < 2:
        return None
    return netns, report, parent, argv[1:]


def main(argv: List[str]) -> int:
    parsed = _parse(argv)
    if parsed is None:
        sys.stderr.write("usage: supervisor.py [--netns SOCKET:PORT] [--report FILE] [--parent PID] -- COMMAND...\n")
        return 2
    netns, report, parent, command = parsed
    libc = _libc()
    _prctl(libc, PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent is not None and os.getppid() != parent:
        return 137  # the harness died before the death signal was armed
    reaper = _prctl(libc, PR_SET_CHILD_SUBREAPER, 1)
    network = "in-process guard only"
    if netns is not None:
        path, _, port = netns.rpartition(":")
        network = enter_network_namespace(libc, path, int(port))
    if report is not None:
        with open(report, "w") as stream:
            stream.write(f"network: {network}\n")
            stream.write(
                "processes: "
                + ("subreaper (every descendant is killed afterwards)" if reaper else "process group only")
                + "\n"
            )

    child: Dict[str, subprocess.Popen] = {}

    def stop(_signum: int, _frame: object) -> None:
        process = child.get("script")
        kill_everything(process.pid if process is not None else None)
        os._exit(137)

    signal.signal(signal.SIGTERM, stop)
    # A handler, not SIG_IGN: an ignored SIGINT would be inherited by the script.
    signal.signal(signal.SIGINT, lambda _signum, _frame: None)
    try:
        child["script"] = subprocess.Popen(command)
    except OSError as error:
        sys.stderr.write(f"cannot start {command[0]}: {error}\n")
        return 127
    while True:
        try:
            status = child["script"].wait()
            break
        except KeyboardInterrupt:  # pragma: no cover - SIGINT has a handler
            continue
    kill_everything(child["script"].pid)
    if status < 0:
        signal.signal(-status, signal.SIG_DFL)
        os.kill(os.getpid(), -status)
        return 128 - status
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
