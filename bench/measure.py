"""Timing a command the way the benchmark needs it: wall time, the CPU and peak memory of
that command alone (its process and every descendant it waited for, from ``wait4``), and how
busy the rest of the machine was meanwhile (so a noisy figure can be told from a slow one)."""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import asdict, dataclass, field
from typing import Callable, List, Optional, Sequence

CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def busy_cpu_seconds() -> Optional[float]:
    """CPU seconds the whole machine has spent busy since boot (None without /proc)."""
    try:
        with open("/proc/stat") as stat:
            fields = [int(value) for value in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / CLOCK_TICKS


@dataclass
class Run:
    wall: float
    user: float
    system: float
    #: Peak resident set size of the command or its largest descendant, in MiB.
    max_rss_mib: float
    returncode: int
    #: Cores' worth of CPU that *other* processes used while this ran (0 = quiet machine).
    other_load: Optional[float] = None
    #: Wall times of every repetition, when the figure is a best-of-N.
    walls: List[float] = field(default_factory=list)

    @property
    def cpu(self) -> float:
        return self.user + self.system

    def to_dict(self) -> dict:
        data = asdict(self)
        data["cpu"] = self.cpu
        return data


def run_once(command: Sequence[str], *, cwd=None, env=None, stdout=None, stderr=None) -> Run:
    """Run ``command`` to completion. ``stdout``/``stderr``: paths to save them to (else discarded)."""
    out = open(stdout, "wb") if stdout else subprocess.DEVNULL
    err = open(stderr, "wb") if stderr else subprocess.DEVNULL
    try:
        busy_before = busy_cpu_seconds()
        started = time.perf_counter()
        process = subprocess.Popen(list(command), cwd=cwd, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        busy_after = busy_cpu_seconds()
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        for stream in (out, err):
            if stream is not subprocess.DEVNULL:
                stream.close()
    cpu = usage.ru_utime + usage.ru_stime
    other = None
    if busy_before is not None and busy_after is not None and wall > 0:
        other = max(0.0, (busy_after - busy_before - cpu) / wall)
    return Run(wall, usage.ru_utime, usage.ru_stime, usage.ru_maxrss / 1024, process.returncode, other)


def best_of(
    command: Sequence[str],
    *,
    repeats: int = 3,
    budget: float = 3.0,
    prepare: Optional[Callable[[], None]] = None,
    **kwargs,
) -> Run:
    """The fastest of up to ``repeats`` runs; stops repeating once ``budget`` seconds are spent.
    ``prepare`` runs before each repetition, untimed (e.g. a fresh copy for an in-place run)."""
    runs: List[Run] = []
    spent = 0.0
    while len(runs) < max(1, repeats) and (not runs or spent < budget):
        if prepare is not None:
            prepare()
        run = run_once(command, **kwargs)
        runs.append(run)
        spent += run.wall
    best = min(runs, key=lambda run: run.wall)
    best.walls = [round(run.wall, 4) for run in runs]
    return best


def best_time(function: Callable[[], object], *, min_seconds: float, max_rounds: int = 50) -> float:
    """Fastest single call of ``function`` over rounds lasting at least ``min_seconds`` in all."""
    times = []
    while len(times) < max_rounds and (sum(times) < min_seconds or not times):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return min(times)
