"""Which Python ``--verify`` runs a script with, what that Python has installed, and whether it
is enough for the code it is asked to run.

A migrated script is only proven for the libraries it will really meet, so the default
interpreter is the project's own: ``$VIRTUAL_ENV`` when one is active, else a ``.venv`` or
``venv`` in the script's directory or any directory above it up to the repository root, else
the interpreter migrate-stt runs on. The chosen interpreter is asked (``importlib.metadata``)
for the versions of the client libraries; `requirements` reads what the migrated source needs
(``additional_headers`` is websockets >= 14, ``StreamingClient`` the SDK's minimum, an import a
library at all) and `problems` says which of them the interpreter does not meet.
"""

from __future__ import annotations

import json
import os
import re
import site
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Tuple

#: The distributions whose versions are reported, in this order.
LIBRARIES = ("websockets", "websocket-client", "aiohttp", "assemblyai")
#: The SDK deleted ``RealtimeTranscriber`` in 0.64.3: a v2 SDK script runs only below it.
LAST_V2_SDK = "0.64.2"
#: Since 14, plain ``websockets.connect`` is the new client, which takes ``additional_headers``.
NEW_WEBSOCKETS_CLIENT = "14"
_PROBE = (
    "import json, platform\n"
    "from importlib import metadata\n"
    "def version(name):\n"
    "    try:\n"
    "        return metadata.version(name)\n"
    "    except Exception:\n"
    "        return None\n"
    "print(json.dumps({'python': platform.python_version(), 'libraries': {n: version(n) for n in %r}}))\n"
) % (LIBRARIES,)


@dataclass(frozen=True)
class Interpreter:
    """A Python executable and what it has installed (None: not installed)."""

    path: str
    #: Why this one was chosen: "--python", "$VIRTUAL_ENV", "project .venv", "migrate-stt's own".
    chosen_by: str
    python: Optional[str] = None
    libraries: Dict[str, Optional[str]] = field(default_factory=dict)
    #: Set when the interpreter could not be asked (missing, not Python, crashed).
    error: Optional[str] = None

    def describe(self) -> str:
        """``/path/python (3.12.3, the project .venv): websockets 12.0, ..., aiohttp not installed``"""
        if self.error:
            return f"{self.path} ({self.chosen_by}): {self.error}"
        versions = ", ".join(f"{name} {self.libraries.get(name) or 'not installed'}" for name in LIBRARIES)
        return f"{self.path} (Python {self.python}, {self.chosen_by}): {versions}"

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "chosen_by": self.chosen_by,
            "python": self.python,
            "libraries": dict(self.libraries),
            "error": self.error,
        }


def _venv_python(directory: Path) -> Optional[Path]:
    for candidate in (directory / "bin" / "python", directory / "Scripts" / "python.exe"):
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def default_interpreter(script: Path) -> Tuple[str, str]:
    """(path, why) of the interpreter to run ``script`` with when ``--python`` is not given."""
    active = os.environ.get("VIRTUAL_ENV")
    if active:
        found = _venv_python(Path(active))
        if found is not None:
            return str(found), "$VIRTUAL_ENV"
    directory = script.resolve().parent
    for folder in (directory, *directory.parents):
        for name in (".venv", "venv"):
            found = _venv_python(folder / name)
            if found is not None:
                return str(found), f"the project's {name}"
        if (folder / ".git").exists():
            break
    return sys.executable, "migrate-stt's own"


@lru_cache(maxsize=None)
def probe(path: str, chosen_by: str) -> Interpreter:
    """Ask the interpreter at ``path`` for its version and its libraries' versions."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONUSERBASE": os.environ.get("PYTHONUSERBASE") or site.getuserbase()}
    try:
        done = subprocess.run([path, "-c", _PROBE], env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        return Interpreter(path, chosen_by, error=f"cannot run it: {error}")
    try:
        answer = json.loads(done.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
        return Interpreter(path, chosen_by, answer["python"], answer["libraries"])
    except (ValueError, IndexError, KeyError, TypeError):
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        return Interpreter(path, chosen_by, error=f"not a working Python ({last[:200]})")


# --------------------------------------------------------------------------- what code needs

_IMPORT = r"^[ \t]*(?:import|from)[ \t]+{}\b"


def _imports(source: str, module: str) -> bool:
    """An ``import module``/``from module...`` line (``websocket`` never matches ``websockets``)."""
    return re.search(_IMPORT.format(re.escape(module)), source, re.MULTILINE) is not None


def requirements(source: bytes) -> List[Tuple[str, Optional[str], str]]:
    """(distribution, minimum version or None, why) for what ``source`` needs to run."""
    text = source.decode("utf-8", "replace")
    needs: List[Tuple[str, Optional[str], str]] = []
    if _imports(text, "websocket"):
        needs.append(("websocket-client", None, "it imports websocket"))
    if _imports(text, "websockets"):
        if "additional_headers" in text:
            needs.append(("websockets", NEW_WEBSOCKETS_CLIENT, "it passes additional_headers"))
        else:
            needs.append(("websockets", None, "it imports websockets"))
    if _imports(text, "aiohttp"):
        needs.append(("aiohttp", None, "it imports aiohttp"))
    if "StreamingClient" in text and "assemblyai" in text:
        from migrator.rules.sdk.plan import MINIMUM_SDK

        needs.append(("assemblyai", MINIMUM_SDK, "it uses StreamingClient"))
    elif _imports(text, "assemblyai"):
        needs.append(("assemblyai", None, "it imports assemblyai"))
    return needs


def problems(interpreter: Interpreter, needs: List[Tuple[str, Optional[str], str]]) -> List[str]:
    """One warning per requirement the interpreter does not meet."""
    from packaging.version import InvalidVersion, Version

    if interpreter.error:
        return [f"{interpreter.path}: {interpreter.error}"]
    found = []
    for name, minimum, why in needs:
        have = interpreter.libraries.get(name)
        if have is None:
            found.append(f"{why}, but {name} is not installed for {interpreter.path}")
            continue
        try:
            too_old = minimum is not None and Version(have) < Version(minimum)
        except InvalidVersion:
            continue
        if too_old:
            found.append(f"{why}, which needs {name}>={minimum}; {interpreter.path} has {name} {have}")
    return found


def runs_v2_sdk(interpreter: Interpreter) -> bool:
    """Whether the interpreter's AssemblyAI SDK still has ``RealtimeTranscriber``."""
    from packaging.version import InvalidVersion, Version

    have = interpreter.libraries.get("assemblyai")
    if have is None:
        return False
    try:
        return Version(have) <= Version(LAST_V2_SDK)
    except InvalidVersion:
        return False
