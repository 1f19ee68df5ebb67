"""What the idempotence fuzzer requires of every migration, and the tally of what it found.

For each input that parses: migrate_source must not raise anything but ``MigrationError``
(a crash otherwise); its output must compile (``MigrationError`` "the rewrite does not
compile" is the safety net catching a rule's fault: counted as unparsable); a second run
must change nothing; the rewrite must not leave a name used that nothing binds any more
(ruff's F821 on the output, compared with the input's); and an audio payload that is still
sent as JSON (``"audio_data"`` still in the code) must keep the base64 encoding it had.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set

from migrator import MigrationError, migrate_source
from tests.fuzz.mutations import FuzzInput

#: The kinds of fault, in the order they are reported. ``import_after_use`` is an undefined
#: name that an import the output has at module level would bind, had it come before the use
#: (where the engine puts the imports rules add); ``undefined_name`` is one nothing binds.
FAULTS = ("crash", "unparsable", "not_idempotent", "undefined_name", "import_after_use", "payload_changed")


@dataclass
class Outcome:
    fuzz_input: FuzzInput
    #: "skipped" (the input itself does not parse for libcst), "unchanged", "migrated", or a fault.
    status: str
    detail: str = ""
    output: Optional[str] = None


@dataclass
class Tally:
    outcomes: List[Outcome] = field(default_factory=list)

    def counts(self) -> Dict[str, int]:
        counts = Counter(outcome.status for outcome in self.outcomes)
        return {
            "inputs": len(self.outcomes),
            "parsed": len(self.outcomes) - counts["skipped"],
            "migrated": counts["migrated"],
            "unchanged": counts["unchanged"],
            **{fault: counts[fault] for fault in FAULTS},
        }

    def faults(self) -> List[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status in FAULTS]


def _code_count(code: str, needle: str) -> int:
    """How many times ``needle`` occurs in the code lines (comments left out)."""
    return sum(line.count(needle) for line in code.splitlines() if not line.lstrip().startswith("#"))


def payload_changed(before: str, after: str) -> bool:
    """A base64 encoding went while the JSON audio message it fed stayed: the rewrite took
    away more ``b64encode`` calls than ``"audio_data"`` keys."""
    encodings_gone = _code_count(before, "b64encode") - _code_count(after, "b64encode")
    messages_gone = _code_count(before, "audio_data") - _code_count(after, "audio_data")
    return encodings_gone > max(messages_gone, 0)


def check_one(fuzz_input: FuzzInput) -> Outcome:
    """Migrate one input twice and check everything but the names (see check_names)."""
    source = fuzz_input.source
    try:
        first = migrate_source(source, path=fuzz_input.id)
    except MigrationError as error:
        if str(error).startswith("cannot parse"):
            return Outcome(fuzz_input, "skipped", str(error))
        return Outcome(fuzz_input, "unparsable", str(error))
    except Exception:  # noqa: BLE001 - the fault being counted
        return Outcome(fuzz_input, "crash", traceback.format_exc(limit=-3))
    output = first.code
    try:
        compile(output, fuzz_input.id, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        return Outcome(fuzz_input, "unparsable", str(error), output)
    try:
        second = migrate_source(output, path=fuzz_input.id)
    except Exception:  # noqa: BLE001 - a crash on our own output is a crash too
        return Outcome(fuzz_input, "crash", "second run: " + traceback.format_exc(limit=-3), output)
    if second.code != output:
        return Outcome(fuzz_input, "not_idempotent", _first_difference(output, second.code), output)
    if payload_changed(source, output):
        return Outcome(fuzz_input, "payload_changed", "a JSON audio send stays but its base64 encoding went", output)
    return Outcome(fuzz_input, "migrated" if first.changed else "unchanged", "", output)


def _first_difference(before: str, after: str) -> str:
    import difflib

    diff = list(difflib.unified_diff(before.splitlines(), after.splitlines(), "run 1", "run 2", lineterm="", n=1))
    return "\n".join(diff[:20])


def _ruff() -> str:
    candidate = Path(sys.executable).with_name("ruff")
    return str(candidate) if candidate.exists() else (shutil.which("ruff") or "")


def undefined_names(sources: Dict[str, str]) -> Dict[str, Set[str]]:
    """File name -> the names ruff's F821 finds undefined in it, for many files in one ruff run."""
    ruff = _ruff()
    if not ruff:
        raise RuntimeError("ruff is not installed")
    with tempfile.TemporaryDirectory() as directory:
        for name, code in sources.items():
            (Path(directory) / name).write_text(code)
        run = subprocess.run(
            [ruff, "check", "--isolated", "--select", "F821", "--output-format", "json", "--exit-zero", "."],
            cwd=directory,
            capture_output=True,
            text=True,
            check=True,
        )
    found: Dict[str, Set[str]] = {name: set() for name in sources}
    for item in json.loads(run.stdout):
        match = re.search(r"`([^`]+)`", item["message"])
        if match:
            found[Path(item["filename"]).name].add(match.group(1))
    return found


def check_names(outcomes: Iterable[Outcome]) -> None:
    """Marks ``undefined_name`` on outcomes whose output uses a name nothing binds that the
    input did not leave undefined already."""
    candidates = [outcome for outcome in outcomes if outcome.status == "migrated"]
    if not candidates:
        return
    files: Dict[str, str] = {}
    for number, outcome in enumerate(candidates):
        files[f"in_{number:05d}.py"] = outcome.fuzz_input.source
        files[f"out_{number:05d}.py"] = outcome.output or ""
    found = undefined_names(files)
    for number, outcome in enumerate(candidates):
        new = found[f"out_{number:05d}.py"] - found[f"in_{number:05d}.py"]
        if new:
            late = new <= module_level_imports(outcome.output or "")
            outcome.status = "import_after_use" if late else "undefined_name"
            outcome.detail = ("used before its import: " if late else "undefined after the rewrite: ") + ", ".join(
                sorted(new)
            )


def module_level_imports(code: str) -> Set[str]:
    """The names the module's top-level import statements bind."""
    bound: Set[str] = set()
    for statement in ast.parse(code).body:
        if isinstance(statement, (ast.Import, ast.ImportFrom)):
            for alias in statement.names:
                bound.add(alias.asname or alias.name.split(".")[0])
    return bound


def run_checks(inputs: Iterable[FuzzInput]) -> Tally:
    tally = Tally([check_one(fuzz_input) for fuzz_input in inputs])
    check_names(tally.outcomes)
    return tally
