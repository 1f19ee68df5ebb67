"""Lines no rule rewrites stay byte-identical: in a file that mixes v2 code with code that has
nothing to do with it, and in standard library modules with a line of v2 code appended."""

from __future__ import annotations

import difflib
import random
import sysconfig
from pathlib import Path

import pytest

from migrator import MigrationError, migrate_source
from migrator.engine.verbatim import restore_untouched_lines

HEAD = """\
import json
import os

import websocket

URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"
"""

#: Code no rule covers, written the way people do: odd spacing (some of which libcst's tree
#: cannot hold), sample rates that are also v2 close codes, comments.
UNRELATED = """\


def check_rate(rate):
    if 4000 <= rate <= 25000:  # the range our microphones support
        return True
    if rate == 4000 or rate in (4000, 8000):
        return False
    return rate != 4001


def read_config(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except OSError :
        return {}
    except (ValueError) :
        return None


def spaced( a ,b ):
    return [ a , b ]  ;  # trailing semicolon


"""

V2_CODE = """\
def on_message(ws, message):
    result = json.loads(message)
    if result["message_type"] == "FinalTranscript":
        print(result["text"])


def on_close(ws, code, reason):
    if code == 4001:
        print("not authorized")


ws = websocket.WebSocketApp(URL, header={"Authorization": os.environ["KEY"]}, on_message=on_message, on_close=on_close)
ws.run_forever()
"""


def changed_input_lines(before: str, after: str) -> set:
    """1-based numbers of the input lines the output does not keep byte for byte."""
    matcher = difflib.SequenceMatcher(None, before.splitlines(True), after.splitlines(True), autojunk=False)
    changed = set()
    for tag, start, end, _, _ in matcher.get_opcodes():
        if tag != "equal":
            changed.update(range(start + 1, max(end, start + 1) + 1))
    return changed


def test_only_v2_lines_change_in_a_file_mixing_v2_and_unrelated_code():
    source = HEAD + UNRELATED + V2_CODE
    result = migrate_source(source)
    assert result.changed
    unrelated = range(HEAD.count("\n") + 1, HEAD.count("\n") + UNRELATED.count("\n") + 1)
    assert UNRELATED in result.code
    touched = changed_input_lines(source, result.code)
    assert not touched & set(unrelated), [source.splitlines()[n - 1] for n in sorted(touched & set(unrelated))]
    assert "STT009" not in {note.code for note in result.notes if note.line <= HEAD.count("\n") + 20}


def test_libcst_reprint_losses_are_taken_from_the_original():
    original = b"try:\n    x = 1\nexcept OSError :\n    pass\nv = 2\n"
    reprinted = b"try:\n    x = 1\nexcept OSError:\n    pass\nv = 2\n"
    migrated = b"try:\n    x = 1\nexcept OSError:\n    pass\nv = 3\n"
    assert restore_untouched_lines(original, reprinted, migrated) == (
        b"try:\n    x = 1\nexcept OSError :\n    pass\nv = 3\n"
    )
    # A reprint with other line breaks cannot be lined up: the migrated text is kept as it is.
    assert restore_untouched_lines(original, b"x\n", migrated) == migrated


# --- the standard library with a v2 tie -------------------------------------------------------------

#: Lines that tie a module to the v2 API, each appended to every module.
TIES = (
    'V2_URL = "wss://api.assemblyai.com/v2/realtime/ws"\n',
    "\n\ndef _on_v2_message(message):\n    import json\n\n    result = json.loads(message)\n"
    '    if result["message_type"] == "FinalTranscript":\n        print(result["text"])\n',
    '\n\nV2_URL = "wss://api.assemblyai.com/v2/realtime/ws"\n\n\n'
    "def _v2_send(ws, data):\n    import base64\n    import json\n\n"
    '    ws.send(json.dumps({"audio_data": base64.b64encode(data).decode()}))\n',
)
MODULE_COUNT = 30
MAX_MODULE_BYTES = 60_000


def standard_library_modules() -> list:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    candidates = sorted(path for path in stdlib.glob("*.py") if path.stat().st_size <= MAX_MODULE_BYTES)
    return random.Random(14).sample(candidates, min(MODULE_COUNT, len(candidates)))


@pytest.mark.parametrize("tie", TIES, ids=["url", "message", "audio"])
def test_in_standard_library_modules_only_the_tie_changes(tie):
    changed_files, problems = 0, []
    for path in standard_library_modules():
        body = path.read_text(encoding="utf-8", errors="surrogateescape")
        if not body.endswith("\n"):
            body += "\n"
        source = body + tie
        try:
            result = migrate_source(source, path=str(path))
        except MigrationError as error:
            problems.append(f"{path.name}: {error}")
            continue
        changed_files += result.changed
        body_lines = body.count("\n")
        before, after = source.splitlines(True), result.code.splitlines(True)
        matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
        for tag, start, end, new_start, new_end in matcher.get_opcodes():
            if tag == "equal" or start >= body_lines:
                continue  # the tie's own lines
            added = after[new_start:new_end]
            if tag == "insert" and all(line.startswith(("import ", "from ")) for line in added):
                continue  # an import a rewrite of the tie needs
            problems.append(f"{path.name}:{start + 1}: {before[start:end][:2]} -> {added[:2]}")
    assert not problems, "\n".join(problems)
    assert changed_files == MODULE_COUNT
