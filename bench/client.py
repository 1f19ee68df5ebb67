"""The reference client against the emulator: CPU per second of audio, frame send jitter,
and how soon the process is gone after it sends Terminate.

The emulator runs in this process (``migrator.proof.emulator.Emulator``); the client runs as a
subprocess on a generated WAV, the way a user runs it. Its CPU is read from
``/proc/<pid>/stat`` every 10 ms, so the share used *while streaming* (first audio frame to
Terminate, both as the emulator saw them) is separated from interpreter start-up. Frame
arrival times come from the emulator's session record.
"""

from __future__ import annotations

import array
import importlib.util
import math
import os
import random
import statistics
import subprocess
import sys
import threading
import time
import wave
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from measure import CLOCK_TICKS, run_once

SAMPLE_RATE = 16000


def write_wav(path: Path, seconds: float, seed: int = 7) -> Path:
    """Speech-like audio: voiced bursts (a 120-220 Hz buzz with harmonics) between pauses."""
    rng = random.Random(seed)
    samples = array.array("h")
    total = int(seconds * SAMPLE_RATE)
    while len(samples) < total:
        burst = int(rng.uniform(0.15, 0.6) * SAMPLE_RATE)
        pitch = rng.uniform(120, 220)
        step = 2 * math.pi * pitch / SAMPLE_RATE
        for n in range(burst):
            envelope = math.sin(math.pi * n / burst)
            phase = step * n
            value = math.sin(phase) + 0.5 * math.sin(2 * phase) + 0.25 * math.sin(3 * phase)
            samples.append(int(6000 * envelope * value + rng.gauss(0, 150)))
        samples.extend(int(rng.gauss(0, 150)) for _ in range(int(rng.uniform(0.05, 0.4) * SAMPLE_RATE)))
    del samples[total:]
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(samples.tobytes())
    return path


def not_ready_reason() -> Optional[str]:
    """Why the reference client cannot be benchmarked here, or None when it can."""
    if importlib.util.find_spec("reference_client") is None:
        return "the reference_client package is not importable"
    if importlib.util.find_spec("reference_client.__main__") is None:
        return "reference_client has no __main__ (python -m reference_client)"
    try:
        from migrator.proof.emulator import Emulator  # noqa: F401
    except ImportError as error:
        return f"the emulator cannot be imported ({error})"
    if not Path("/proc/self/stat").exists():
        return "no /proc: CPU while streaming cannot be sampled on this platform"
    return None


def _cpu_ticks(stat_path: str) -> Optional[int]:
    try:
        with open(stat_path) as stat:
            text = stat.read()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _thread_ticks(pid: int) -> Dict[int, int]:
    ticks = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return ticks
    for tid in tids:
        value = _cpu_ticks(f"/proc/{pid}/task/{tid}/stat")
        if value is not None:
            ticks[int(tid)] = value
    return ticks


class CpuSampler(threading.Thread):
    """CPU ticks of one process, and of each of its threads, every ``interval`` seconds
    until it is gone: (wall clock, process ticks, {thread id: ticks})."""

    def __init__(self, pid: int, interval: float = 0.01) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.samples: List[Tuple[float, int, Dict[int, int]]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            ticks = _cpu_ticks(f"/proc/{self.pid}/stat")
            if ticks is None:
                return
            self.samples.append((time.time(), ticks, _thread_ticks(self.pid)))
            time.sleep(self.interval)

    def cpu_between(self, start: float, end: float) -> Optional[Tuple[float, float, List[float]]]:
        """(CPU seconds, wall seconds, CPU seconds per thread in creation order) over the
        sampled span closest to [start, end]."""
        inside = [sample for sample in self.samples if start <= sample[0] <= end]
        if len(inside) < 2:
            return None
        (t0, c0, threads0), (t1, c1, threads1) = inside[0], inside[-1]
        per_thread = [(threads1[tid] - threads0.get(tid, 0)) / CLOCK_TICKS for tid in sorted(threads1)]
        return (c1 - c0) / CLOCK_TICKS, t1 - t0, per_thread


def _percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure_client(out_dir: Path, audio_seconds: float, python: str = sys.executable) -> dict:
    """Stream ``audio_seconds`` of generated audio through the reference client once."""
    from migrator.proof.emulator import Emulator

    wav = write_wav(out_dir / f"speech-{audio_seconds:g}s.wav", audio_seconds)
    command = [python, "-m", "reference_client"]
    startup = run_once(command + ["--version"])
    log_out, log_err = out_dir / "client.stdout", out_dir / "client.stderr"
    with Emulator() as emulator:
        with open(log_out, "wb") as stdout, open(log_err, "wb") as stderr:
            process = subprocess.Popen(
                command + ["--url", emulator.v3_url, "--wav", str(wav), "--api-key", "bench-key"],
                stdout=stdout,
                stderr=stderr,
                stdin=subprocess.DEVNULL,
                env=dict(os.environ, PYTHONUNBUFFERED="1"),
            )
            sampler = CpuSampler(process.pid)
            sampler.start()
            _, status, usage = os.wait4(process.pid, 0)
            exited_at = time.time()
            sampler.done.set()
            sampler.join()
            process.returncode = os.waitstatus_to_exitcode(status)
        try:
            session = emulator.wait_for_sessions(1, timeout=10)[-1]
        except TimeoutError:
            session = None
    result = {
        "audio_seconds": audio_seconds,
        "exit_code": process.returncode,
        "process_cpu_seconds": usage.ru_utime + usage.ru_stime,
        "startup_cpu_seconds": startup.cpu,
        "max_rss_mib": usage.ru_maxrss / 1024,
    }
    if session is None or not session.audio_frames:
        result["error"] = f"no session with audio was recorded (exit code {process.returncode}; see {log_err})"
        return result

    frames = [frame for frame in session.audio_frames if not frame.after_terminate]
    arrivals = [frame.at for frame in frames]
    frame_ms = statistics.median(frame.audio_ms for frame in frames)
    intervals = [(b - a) * 1000 for a, b in zip(arrivals, arrivals[1:])]
    deviations = [abs(interval - frame_ms) for interval in intervals] or [0.0]
    # Lateness against the ideal schedule: frame i due at first + i * frame_ms.
    lateness = [(at - arrivals[0]) * 1000 - i * frame_ms for i, at in enumerate(arrivals)]
    start_abs = session.started_at + arrivals[0]
    result.update(
        frames=len(frames),
        frame_ms=frame_ms,
        audio_ms_received=session.audio_ms,
        close_code=session.close_code,
        closed_by=session.closed_by,
        interval_mean_ms=statistics.fmean(intervals) if intervals else None,
        interval_stdev_ms=statistics.pstdev(intervals) if intervals else None,
        jitter_p50_ms=_percentile(deviations, 0.5),
        jitter_p99_ms=_percentile(deviations, 0.99),
        jitter_max_ms=max(deviations),
        schedule_lateness_max_ms=max(lateness),
        schedule_drift_end_ms=lateness[-1],
    )
    if session.terminate_at is not None:
        terminate_abs = session.started_at + session.terminate_at
        result["terminate_to_exit_seconds"] = exited_at - terminate_abs
        termination = [m for m in session.server_messages if m.type == "Termination"]
        if termination:
            result["termination_to_exit_seconds"] = exited_at - (session.started_at + termination[-1].at)
        streaming = sampler.cpu_between(start_abs, terminate_abs)
        if streaming is not None:
            cpu, span, per_thread = streaming
            result["streaming_cpu_seconds"] = cpu
            result["streaming_span_seconds"] = span
            result["streaming_core_share"] = cpu / span if span > 0 else None
            #: Threads in creation order (main first); a thread that ended early is missing.
            result["streaming_cpu_seconds_by_thread"] = per_thread
    result["cpu_per_audio_second_whole_process"] = result["process_cpu_seconds"] / audio_seconds
    return result
