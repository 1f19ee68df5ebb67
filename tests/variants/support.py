"""What the variant tests check, shared by test_static.py, test_verify.py and run_all.py."""

from __future__ import annotations

import os
import random
import re
import tempfile
import threading
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from migrator import MigrationError, migrate_source
from tests.variants.generate import FIXTURES, Case, Variant, all_variants

HERE = Path(__file__).resolve().parent
KNOWN_FAILURES = HERE / "known_failures.txt"
#: Text that only v2 code has. Comment lines are not searched (migrate-stt's notes quote v2).
MARKERS = (
    "api.assemblyai.com/v2/realtime",
    "message_type",
    "FinalTranscript",
    "PartialTranscript",
    "SessionBegins",
    "SessionTerminated",
    "audio_data",
    "terminate_session",
    "RealtimeTranscriber",
)
KINDS = ("static", "verify")
#: How many variants test_verify.py runs, and the seed that picks them.
VERIFY_SAMPLE_SIZE = 8
VERIFY_SAMPLE_SEED = 20250611


# --------------------------------------------------------------------------- known failures


def load_known_failures(path: Path = KNOWN_FAILURES) -> Dict[Tuple[str, str], str]:
    """``{(variant id, "static" | "verify"): reason}`` from lines ``ID  KIND  # reason``."""
    known: Dict[Tuple[str, str], str] = {}
    if not path.exists():
        return known
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line, _, reason = raw.partition("#")
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2 or fields[1] not in KINDS or not reason.strip():
            raise ValueError(f"{path.name}:{number}: expected 'ID  static|verify  # reason', got {raw!r}")
        known[(fields[0], fields[1])] = reason.strip()
    return known


def check_known_failures_exist(known: Dict[Tuple[str, str], str], variants: Sequence[Variant]) -> List[str]:
    """Entries that name no variant (or ask a non-runnable one to run): stale lines."""
    ids = {variant.id: variant for variant in variants}
    stale = []
    for variant_id, kind in known:
        if variant_id not in ids or (kind == "verify" and not ids[variant_id].runnable):
            stale.append(f"{variant_id}  {kind}")
    return stale


# --------------------------------------------------------------------------- static checks


def code_lines(code: str) -> List[str]:
    """Stripped lines that are not comments."""
    return [line.strip() for line in code.splitlines() if line.strip() and not line.strip().startswith("#")]


def accepted_residue(case: Case) -> set:
    """Lines of the fixture's own golden output that still name v2 on purpose (docstrings,
    printed text such as ``print("Receiving SessionBegins ...")``): a variant keeps them verbatim."""
    expected = case.path / "expected.py"
    if not expected.exists():
        return set()
    return {line for line in code_lines(expected.read_text()) if any(marker in line for marker in MARKERS)}


def leftover_markers(code: str, accepted: set = frozenset()) -> List[str]:
    return [line for line in code_lines(code) if line not in accepted and any(marker in line for marker in MARKERS)]


def static_problems(variant: Variant) -> List[str]:
    """Why the variant's migration is not right, statically (empty when it is)."""
    try:
        compile(variant.source, variant.id, "exec")
    except SyntaxError as error:
        return [f"the variant does not compile: {error}"]
    try:
        result = migrate_source(variant.source, path=variant.id)
    except MigrationError as error:
        return [f"migrate_source failed: {error}"]
    problems = []
    try:
        compile(result.code, variant.id, "exec")
    except SyntaxError as error:
        return [f"the migrated code does not compile: {error}"]
    left = leftover_markers(result.code, accepted_residue(variant.case))
    if left:
        problems.append("v2 left in the output: " + " | ".join(left[:4]) + (" ..." if len(left) > 4 else ""))
    try:
        again = migrate_source(result.code, path=variant.id)
    except MigrationError as error:
        problems.append(f"a second run failed: {error}")
    else:
        if again.code != result.code:
            problems.append("a second run changes the output again")
    return problems


# --------------------------------------------------------------------------- verify


def runnable_variants() -> List[Variant]:
    return [variant for variant in all_variants() if variant.runnable]


def verify_sample() -> List[Variant]:
    """A fixed sample spread over the three styles (3 websocket_client, 3 websockets, 2 sdk)."""
    rng = random.Random(VERIFY_SAMPLE_SEED)
    quota = {"websocket_client": 3, "websockets": 3, "sdk": 2}
    sample: List[Variant] = []
    for style, count in quota.items():
        pool = [variant for variant in runnable_variants() if variant.case.style == style]
        sample.extend(rng.sample(pool, min(count, len(pool))))
    return sample[:VERIFY_SAMPLE_SIZE]


def write_variant(variant: Variant, root: Path) -> Tuple[Path, Path]:
    """Write the variant (v2) and its migration (v3) where a fixture would be, beside a link to
    the fixture audio (scripts find it relative to themselves). Returns (v3 path, v2 path)."""
    folder = root / variant.case.style / variant.case.path.name
    folder.mkdir(parents=True, exist_ok=True)
    audio = root / "audio"
    if not audio.exists():
        audio.symlink_to(FIXTURES / "audio", target_is_directory=True)
    original = folder / "input.py"
    migrated = folder / "expected.py"
    original.write_text(variant.source)
    migrated.write_text(migrate_source(variant.source, path=str(original)).code)
    return migrated, original


def verify_variant(variant: Variant, timeout: float = 60):
    """Migrate the variant and run it under ``migrate-stt --verify``'s checks. Non-SDK variants
    also run as written against the v2 endpoint (``same_finals_as_v2``). The SDK's v2 client
    cannot run here, so an SDK variant's output is compared with its migrated fixture's instead
    (``same_output_as_fixture``, added to the report's checks)."""
    from migrator.proof.checks import Check, verify_script, visible_lines

    with tempfile.TemporaryDirectory(prefix="stt-variant-") as directory:
        migrated, original = write_variant(variant, Path(directory))
        report = verify_script(migrated, original_v2_path=None if variant.sdk else original, timeout=timeout)
    if variant.sdk:
        expected = fixture_output(variant.case, timeout)
        printed = _masked(visible_lines(report.run.stdout))
        if printed == expected:
            report.checks.append(Check("same_output_as_fixture", True, "prints what the migrated fixture prints"))
        else:
            extra = [line for line in printed if line not in expected][:3]
            missing = [line for line in expected if line not in printed][:3]
            detail = (
                f"{len(printed)} line(s) vs the migrated fixture's {len(expected)}; extra {extra}, missing {missing}"
            )
            report.checks.append(Check("same_output_as_fixture", False, detail))
    return report


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_fixture_outputs: Dict[Path, List[str]] = {}
_fixture_lock = threading.Lock()


def _masked(lines: Sequence[str]) -> List[str]:
    return [_UUID.sub("<id>", line) for line in lines if line.strip()]


def fixture_output(case: Case, timeout: float = 60) -> List[str]:
    """What the fixture's migrated script prints against the emulator (session ids masked); run
    once per fixture and process."""
    from migrator.proof.checks import verify_script, visible_lines

    with _fixture_lock:
        if case.path not in _fixture_outputs:
            script = case.path / ("input.py" if case.meta.get("unchanged") else "expected.py")
            report = verify_script(script, timeout=timeout)
            if not report.passed:
                raise RuntimeError(f"the migrated fixture {case.id} itself fails verify: {describe_failure(report)}")
            _fixture_outputs[case.path] = _masked(visible_lines(report.run.stdout))
        return _fixture_outputs[case.path]


def failed_checks(report) -> Dict[str, str]:
    return {check.name: check.detail for check in report.failed}


def describe_failure(report) -> str:
    """The failed checks by name, then the details that say why: a crash's error when the script
    crashed (the other checks then fail with it), else each failed check's detail."""
    failed = failed_checks(report)
    crash = failed.get("clean_exit", "")
    if "stderr:" in crash or "Error" in crash:
        details = {"clean_exit": crash}
    else:
        details = failed
    text = f"[{', '.join(failed)}] " + "; ".join(f"{name}: {detail}" for name, detail in details.items())
    if report.original_run is not None and "same_finals_as_v2" in failed:
        text += f" (the v2 variant itself exited {report.original_run.returncode})"
    return re.sub(r"\s+", " ", text)


def jobs_default() -> int:
    return max(1, min(3, os.cpu_count() or 1))
