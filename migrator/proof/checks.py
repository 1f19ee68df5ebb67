"""``migrate-stt PATH --verify``: prove a migrated script works by running it.

The script runs unmodified under the harness (file-backed microphone, AssemblyAI hosts pointed
at a fresh emulator, Ctrl-C when the audio runs out). The emulator's session records and the
script's own output are then checked against what a correct v3 client does. Each check has a
stable name so callers and CI can rely on it:

``connected_v3``         a session on /v3/ws was accepted (credentials present, valid query)
``binary_audio_only``    audio went out as binary frames only, and some audio went out
``frame_duration``       every audio frame held 50-1000 ms
``realtime_pace``        audio never ran ahead of real time beyond the emulator's tolerance
``finals_printed_once``  each final transcript the session produced appears exactly once in stdout
``terminate_sent``       the client sent ``{"type": "Terminate"}``
``termination_awaited``  the client stayed connected until ``Termination`` was sent
``clean_exit``           the script exited by itself with status 0, promptly after Ctrl-C
``no_v2_messages``       no v2 endpoint, message or query parameter was used
``same_finals_as_v2``    (with the original) both versions print the same finals on the same audio

A check that cannot run (the original could not run where the migrated script does, so there
is nothing to compare with) is *skipped*, with the reason and what would let it run; skipped
checks never fail a report.

Output is compared as a terminal would show it: carriage returns overwrite (partials printed with
``end="\\r"`` vanish behind the final) and ANSI colour codes are ignored.
"""

from __future__ import annotations

import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

from .emulator import Emulator, SessionRecord, TranscriptScript
from .emulator.params import V2_ONLY_QUERY_PARAMS
from .emulator.script import DEFAULT_GAP_MS, DEFAULT_LEAD_IN_MS, DEFAULT_WORD_MS
from .harness import ScriptRun, run_script

CHECK_NAMES = (
    "connected_v3",
    "binary_audio_only",
    "frame_duration",
    "realtime_pace",
    "finals_printed_once",
    "terminate_sent",
    "termination_awaited",
    "clean_exit",
    "no_v2_messages",
    "same_finals_as_v2",
)
#: JSON keys that only v2 clients send.
V2_MESSAGE_KEYS = ("audio_data", "terminate_session", "force_end_utterance", "end_utterance_silence_threshold")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@dataclass
class Check:
    """One named verdict; ``detail`` says what was seen, for a person to act on."""

    name: str
    passed: bool
    detail: str = ""
    #: The check could not run; ``detail`` says why and how to make it run. Never a failure.
    skipped: bool = False

    @property
    def status(self) -> str:
        return "skipped" if self.skipped else "passed" if self.passed else "failed"

    def to_dict(self) -> Dict[str, Any]:
        entry: Dict[str, Any] = {"name": self.name, "passed": self.passed, "detail": self.detail}
        if self.skipped:
            entry["skipped"] = True
        return entry


def skipped(name: str, reason: str) -> Check:
    return Check(name, False, reason, skipped=True)


@dataclass
class VerifyReport:
    path: str
    checks: List[Check]
    run: ScriptRun
    expected_finals: List[str] = field(default_factory=list)
    printed_finals: List[str] = field(default_factory=list)
    original_path: Optional[str] = None
    original_run: Optional[ScriptRun] = None
    #: Lines for the person reading the report: the interpreter and libraries the script ran
    #: with, how it was confined, and warnings (a library too old for the migrated code...).
    environment: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def failed(self) -> List[Check]:
        return [check for check in self.checks if not check.passed and not check.skipped]

    @property
    def skipped(self) -> List[Check]:
        return [check for check in self.checks if check.skipped]

    def check(self, name: str) -> Check:
        for check in self.checks:
            if check.name == name:
                return check
        raise KeyError(name)

    def to_text(self) -> str:
        """Plain lines for a terminal: one per check, then the verdict."""
        marks = {"passed": "PASS", "failed": "FAIL", "skipped": "SKIP"}
        lines = [f"{marks[c.status]}  {c.name:<20} {c.detail}" for c in self.checks]
        failed = len(self.failed)
        lines.append(f"{self.path}: " + ("all checks passed" if not failed else f"{failed} check(s) failed"))
        return "\n".join(lines)

    def to_dict(self) -> Dict[str, Any]:
        report: Dict[str, Any] = {
            "path": self.path,
            "passed": self.passed,
            "checks": [check.to_dict() for check in self.checks],
            "expected_finals": list(self.expected_finals),
            "printed_finals": list(self.printed_finals),
            "run": _run_summary(self.run),
            "environment": list(self.environment),
            "warnings": list(self.warnings),
        }
        if self.original_run is not None:
            report["original"] = {"path": self.original_path, "run": _run_summary(self.original_run)}
        return report


def _run_summary(run: ScriptRun) -> Dict[str, Any]:
    return {
        "returncode": run.returncode,
        "timed_out": run.timed_out,
        "duration_s": round(run.duration_s, 3),
        "exit_after_sigint_s": None if run.exit_after_sigint_s is None else round(run.exit_after_sigint_s, 3),
        "sessions": len(run.sessions),
        "isolation": list(run.isolation),
        "stdout_tail": run.stdout[-2000:],
        "stderr_tail": run.stderr[-2000:],
    }


# --------------------------------------------------------------------------- entry point


def verify_script(
    path: Union[str, Path],
    original_v2_path: Union[str, Path, None] = None,
    audio: Union[str, Path, None] = None,
    timeout: float = 40.0,
    *,
    phrases: Optional[Sequence[str]] = None,
    word_ms: int = DEFAULT_WORD_MS,
    gap_ms: int = DEFAULT_GAP_MS,
    lead_in_ms: int = DEFAULT_LEAD_IN_MS,
    format_turns_mode: str = "classic",
    python: str = sys.executable,
    env: Optional[Mapping[str, str]] = None,
    exit_bound_s: float = 10.0,
    original_python: Optional[str] = None,
    cancel: Optional[threading.Event] = None,
) -> VerifyReport:
    """Run ``path`` against a fresh emulator and check it behaves as a v3 client should.

    With ``original_v2_path``, the original runs at the same time against the v2 endpoint of
    its own emulator, on the same audio and script (with ``original_python``, default
    ``python``), and ``same_finals_as_v2`` is added.
    ``exit_bound_s``: how long after Ctrl-C the script may take to exit.
    ``cancel``: set it to stop both runs at once (Ctrl-C of the caller).
    """

    def run(
        target: Union[str, Path], extra_env: Mapping[str, str], interpreter: str
    ) -> Tuple[ScriptRun, TranscriptScript]:
        with Emulator(
            phrases, word_ms=word_ms, gap_ms=gap_ms, lead_in_ms=lead_in_ms, format_turns_mode=format_turns_mode
        ) as emulator:
            child_env = {**extra_env, **(env or {})}
            return run_script(
                target, emulator, audio=audio, timeout=timeout, env=child_env, python=interpreter, cancel=cancel
            ), emulator.script

    with ThreadPoolExecutor(max_workers=2) as pool:
        migrated = pool.submit(run, path, {}, python)
        # The original is only the reference: let it run as written for websockets < 14.
        original = (
            pool.submit(run, original_v2_path, {"STT_HARNESS_LEGACY_WEBSOCKETS": "1"}, original_python or python)
            if original_v2_path is not None
            else None
        )
        run_v3, script = migrated.result()
        run_v2 = original.result()[0] if original is not None else None

    session = main_session(run_v3.sessions, "v3")
    expected = expected_finals(script, session)
    printed = find_finals(run_v3.stdout, expected)
    checks = [
        check_connected_v3(run_v3.sessions),
        check_binary_audio_only(run_v3.sessions),
        check_frame_duration(run_v3.sessions),
        check_realtime_pace(run_v3.sessions),
        check_finals_printed_once(run_v3.stdout, expected, session),
        check_terminate_sent(session),
        check_termination_awaited(session),
        check_clean_exit(run_v3, exit_bound_s),
        check_no_v2_messages(run_v3.sessions),
    ]
    if run_v2 is not None:
        checks.append(check_same_finals_as_v2(run_v3, run_v2, script))
    return VerifyReport(
        path=str(path),
        checks=checks,
        run=run_v3,
        expected_finals=expected,
        printed_finals=printed,
        original_path=None if original_v2_path is None else str(original_v2_path),
        original_run=run_v2,
    )


# --------------------------------------------------------------------------- helpers


def main_session(sessions: Sequence[SessionRecord], endpoint: str) -> Optional[SessionRecord]:
    """The session that carried the run: the accepted one with the most audio, else the last."""
    candidates = [s for s in sessions if s.endpoint == endpoint]
    accepted = [s for s in candidates if s.accepted]
    if accepted:
        return max(accepted, key=lambda s: s.audio_ms)
    return candidates[-1] if candidates else None


def expected_finals(script: TranscriptScript, session: Optional[SessionRecord]) -> List[str]:
    """The finals ``session`` yields, in the form it asked for: a v3 session without
    ``format_turns`` gets unformatted (lower-case, unpunctuated) finals, so those are what a
    correct client prints."""
    if session is None or not session.accepted:
        return []
    return script.expected_finals(session.audio_ms, flush=session.terminated, formatted=session.formatted_finals)


def visible_lines(output: str) -> List[str]:
    """Lines as a terminal shows them: ``\\r`` overwrites from column 0, colour codes vanish."""
    lines = []
    for raw in _ANSI.sub("", output).split("\n"):
        screen = ""
        for segment in raw.split("\r"):
            screen = segment + screen[len(segment) :]
        lines.append(screen)
    return lines


def find_finals(output: str, finals: Iterable[str]) -> List[str]:
    """Every occurrence of a final in the visible output, in order; longer finals win overlaps."""
    candidates = sorted({f for f in finals if f}, key=len, reverse=True)
    found: List[Tuple[int, int, str]] = []
    for number, line in enumerate(visible_lines(output)):
        for final in candidates:
            start = line.find(final)
            while start != -1:
                found.append((number, start, final))
                line = line[:start] + "\0" * len(final) + line[start + len(final) :]
                start = line.find(final, start + len(final))
    return [final for _, _, final in sorted(found)]


def _ms_list(values: Iterable[float], limit: int = 5) -> str:
    values = list(values)
    shown = ", ".join(f"{v:.0f} ms" for v in values[:limit])
    return shown + (", ..." if len(values) > limit else "")


def _closed(session: SessionRecord) -> str:
    if session.closed_by == "dropped":
        return "the connection dropped"
    return f"closed by {session.closed_by} with {session.close_code} {session.close_reason!r}"


# --------------------------------------------------------------------------- checks


def check_connected_v3(sessions: Sequence[SessionRecord]) -> Check:
    name = "connected_v3"
    v3 = [s for s in sessions if s.endpoint == "v3"]
    accepted = [s for s in v3 if s.accepted]
    if accepted:
        first = accepted[0]
        return Check(
            name,
            True,
            f"{len(accepted)} session(s) on /v3/ws; auth via {first.auth}; "
            f"sample_rate={first.settings.get('sample_rate')}",
        )
    if not sessions:
        return Check(name, False, "the script opened no WebSocket session to an AssemblyAI host")
    if not v3:
        return Check(name, False, f"connected only to {sorted({s.path for s in sessions})}, not /v3/ws")
    last = v3[-1]
    if not last.auth_present:
        return Check(name, False, f"no Authorization header or token; {_closed(last)}")
    return Check(name, False, f"session refused: {_closed(last)}")


def check_binary_audio_only(sessions: Sequence[SessionRecord]) -> Check:
    name = "binary_audio_only"
    v3 = [s for s in sessions if s.endpoint == "v3"]
    json_audio = sum(1 for s in v3 for f in s.text_frames if isinstance(f.payload, dict) and "audio_data" in f.payload)
    binary = sum(len(s.binary_frames) for s in v3)
    if json_audio:
        return Check(
            name,
            False,
            f"{json_audio} audio message(s) sent as base64 JSON text "
            f'({{"audio_data": ...}}); v3 takes raw bytes in binary frames',
        )
    if not binary:
        return Check(name, False, "no binary audio frames were sent")
    return Check(name, True, f"{binary} binary audio frame(s)")


def check_frame_duration(sessions: Sequence[SessionRecord]) -> Check:
    name = "frame_duration"
    frames = [f for s in sessions if s.endpoint == "v3" for f in s.binary_frames if not f.after_terminate]
    if not frames:
        return Check(name, False, "no audio frames to check")
    bad = [f.audio_ms for f in frames if not 50.0 <= (f.audio_ms or 0.0) <= 1000.0]
    if bad:
        return Check(name, False, f"{len(bad)} of {len(frames)} frame(s) outside 50-1000 ms: {_ms_list(bad)}")
    sizes = sorted({round(f.audio_ms or 0.0) for f in frames})
    return Check(name, True, f"{len(frames)} frame(s), {_ms_list(sizes)} each")


def max_lead_ms(session: SessionRecord) -> float:
    """How far (ms) the session's audio ever got ahead of wall-clock time since its first frame."""
    frames = [f for f in session.audio_frames if not f.after_terminate]
    if not frames:
        return 0.0
    start, total, lead = frames[0].at, 0.0, 0.0
    for frame in frames:
        total += frame.audio_ms or 0.0
        lead = max(lead, total - (frame.at - start) * 1000.0)
    return lead


def check_realtime_pace(sessions: Sequence[SessionRecord], tolerance_ms: float = 1500.0) -> Check:
    name = "realtime_pace"
    v3 = [s for s in sessions if s.endpoint == "v3" and s.audio_frames]
    if not v3:
        return Check(name, False, "no audio was sent")
    for session in v3:
        if (session.close_reason or "").startswith("Audio Transmission Rate Exceeded"):
            return Check(name, False, f"closed 3007: {session.close_reason}")
    lead = max(max_lead_ms(s) for s in v3)
    if lead > tolerance_ms:
        return Check(name, False, f"audio ran {lead:.0f} ms ahead of real time (tolerance {tolerance_ms:.0f} ms)")
    return Check(name, True, f"audio at most {lead:.0f} ms ahead of real time")


def check_finals_printed_once(stdout: str, expected: List[str], session: Optional[SessionRecord]) -> Check:
    name = "finals_printed_once"
    if session is None or not session.accepted:
        return Check(name, False, "no accepted v3 session, so no finals")
    if not expected:
        return Check(
            name,
            False,
            f"the session produced no final transcript ({session.audio_ms:.0f} ms of audio; {_closed(session)})",
        )
    found = find_finals(stdout, expected)
    problems = []
    for final in expected:
        count = found.count(final)
        if count != 1:
            problems.append(f"{final!r} printed {count} times")
    if problems:
        return Check(name, False, "; ".join(problems))
    return Check(name, True, f"{len(expected)} final(s), each printed once")


def check_terminate_sent(session: Optional[SessionRecord]) -> Check:
    name = "terminate_sent"
    if session is None:
        return Check(name, False, "no v3 session")
    if any(isinstance(m, dict) and m.get("type") == "Terminate" for m in session.control_messages):
        return Check(name, True, f"Terminate sent at {session.terminate_at:.2f} s")
    if any(isinstance(m, dict) and "terminate_session" in m for m in session.control_messages):
        return Check(name, False, 'sent the v2 {"terminate_session": true} instead of {"type": "Terminate"}')
    return Check(name, False, f"no Terminate message; {_closed(session)}")


def check_termination_awaited(session: Optional[SessionRecord]) -> Check:
    name = "termination_awaited"
    if session is None:
        return Check(name, False, "no v3 session")
    if not session.terminated:
        return Check(name, False, "no Terminate was sent, so there was no Termination to wait for")
    if session.messages("Termination"):
        return Check(name, True, "stayed connected until Termination")
    return Check(
        name,
        False,
        f"Termination was never delivered: {_closed(session)} "
        f"{(session.ended_at or 0) - (session.terminate_at or 0):.2f} s after Terminate",
    )


def check_clean_exit(run: ScriptRun, exit_bound_s: float) -> Check:
    name = "clean_exit"
    if run.timed_out:
        return Check(name, False, f"still running after {run.timeout_s:.1f} s; killed")
    if run.returncode != 0:
        last = next((line for line in reversed(run.stderr.splitlines()) if line.strip()), "")
        return Check(name, False, f"exit status {run.returncode}" + (f"; stderr: {last[:200]}" if last else ""))
    after = run.exit_after_sigint_s
    if after is not None and after > exit_bound_s:
        return Check(name, False, f"took {after:.1f} s to exit after Ctrl-C (bound {exit_bound_s:.0f} s)")
    when = f", {after:.1f} s after Ctrl-C" if after is not None else " before the audio ran out"
    return Check(name, True, f"exit status 0{when}")


def check_no_v2_messages(sessions: Sequence[SessionRecord]) -> Check:
    name = "no_v2_messages"
    problems: List[str] = []
    if any(s.endpoint == "v2" for s in sessions):
        problems.append("connected to /v2/realtime/ws")
    keys = sorted(
        {
            key
            for s in sessions
            for frame in s.text_frames
            if isinstance(frame.payload, dict)
            for key in frame.payload
            if key in V2_MESSAGE_KEYS
        }
    )
    if keys:
        problems.append("sent v2 message(s): " + ", ".join(keys))
    params = sorted({p for s in sessions if s.endpoint == "v3" for p in s.query if p in V2_ONLY_QUERY_PARAMS})
    if params:
        problems.append("v2-only query parameter(s): " + ", ".join(params))
    if problems:
        return Check(name, False, "; ".join(problems))
    return Check(name, True, "no v2 endpoint, message or parameter")


def _how_it_ended(run: ScriptRun) -> str:
    if run.timed_out:
        return f"it was still running after {run.timeout_s:.0f} s"
    last = next((line for line in reversed(run.stderr.splitlines()) if line.strip()), "")
    return f"it exited with status {run.returncode}" + (f": {last[:200]}" if last else "")


def check_same_finals_as_v2(run_v3: ScriptRun, run_v2: ScriptRun, script: TranscriptScript) -> Check:
    name = "same_finals_as_v2"
    v2_session = main_session(run_v2.sessions, "v2")
    v3_session = main_session(run_v3.sessions, "v3")
    if v2_session is None or not v2_session.accepted:
        return skipped(name, f"the original produced no accepted v2 session to compare with ({_how_it_ended(run_v2)})")
    candidates = set(expected_finals(script, v2_session)) | set(expected_finals(script, v3_session))
    printed_v2 = find_finals(run_v2.stdout, candidates)
    printed_v3 = find_finals(run_v3.stdout, candidates)
    if not printed_v2:
        return skipped(name, f"the original printed no final transcript to compare with ({_how_it_ended(run_v2)})")
    if printed_v2 != printed_v3:
        return Check(name, False, f"v2 printed {printed_v2}; migrated printed {printed_v3}")
    return Check(name, True, f"both printed {len(printed_v3)} identical final(s)")
