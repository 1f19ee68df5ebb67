"""Issue 7's benchmark: what ``migrate-stt`` costs on a whole repository, against baselines
taken in the same run, and what the reference client costs while it streams.

    .venv/bin/python bench/run.py --scale 1      # the full run (a 1M-line tree), a few minutes
    .venv/bin/python bench/run.py --quick        # a 100k-line tree and 3 s of audio
    .venv/bin/python bench/run.py --targets      # issue 15's four ratios alone, about a minute

It prints a table and writes ``results-<UTC time>.json`` and ``latest.json`` under ``--out``
(default ``bench/out/``, which git ignores). Targets are reported, never asserted. See
``bench/README.md`` for what each figure means.
"""

from __future__ import annotations

import argparse
import compileall
import cProfile
import datetime as dt
import json
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import sysconfig
import time
from pathlib import Path
from typing import Dict, List, Optional

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(REPO))

import client  # noqa: E402
import libcst  # noqa: E402
from generate import V2_GLOB, generate, rewrite_set  # noqa: E402
from measure import best_of, best_time, run_once  # noqa: E402

from migrator.engine.core import MigrationError, migrate_source, needs_migration_scan  # noqa: E402
from migrator.files import discover, find  # noqa: E402
from migrator.markers import selected_markers  # noqa: E402

PARTS = 4
#: Lines of source the cProfile passes cover (profiling multiplies run time).
PROFILE_LINES = 3000
SUMMARY = re.compile(rb"(\d+) file\(s\) scanned: (\d+) (?:would change|changed), (\d+) unchanged, (\d+) failed")
#: A figure taken while other processes used more than this many cores is flagged as noisy.
NOISY_LOAD = 0.3


# ---------------------------------------------------------------------- helpers


def migrate_stt_command() -> List[str]:
    script = Path(sys.executable).with_name("migrate-stt")
    return [str(script)] if script.exists() else [sys.executable, "-m", "migrator"]


def v2_markers() -> List[bytes]:
    """Every byte string the prefilter looks for (all rules plus the fact collector), from the
    marker table that both the engine and ``migrate-stt``'s ``git grep`` read."""
    return list(selected_markers())


def ere(markers: List[bytes]) -> str:
    """The markers as one POSIX extended regular expression for ``grep -E``."""
    special = set(".[]()*+?{}|^$\\")
    return "|".join("".join("\\" + c if c in special else c for c in marker.decode()) for marker in markers)


def python_files(paths: List[Path]) -> List[Path]:
    found = []
    for path in paths:
        for root, dirs, names in os.walk(path):
            dirs[:] = sorted(d for d in dirs if d not in (".git", "__pycache__", "site-packages"))
            found.extend(Path(root, name) for name in sorted(names) if name.endswith(".py"))
    return found


def summary_of(stderr_path: Path) -> Dict[str, int]:
    match = None
    for match in SUMMARY.finditer(stderr_path.read_bytes()):  # noqa: B007 (the last match is wanted)
        pass
    if match is None:
        return {}
    scanned, changed, unchanged, failed = map(int, match.groups())
    return {"scanned": scanned, "changed": changed, "unchanged": unchanged, "failed": failed}


def fresh_git_dir(path: Path) -> Path:
    """An empty directory that is its own git repository (migrate-stt asks git what is
    ignored, and the enclosing checkout ignores bench/out/)."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    return path


def copy_files(tree: Path, relpaths: List[str], target: Path) -> None:
    for relpath in relpaths:
        shutil.rmtree(target / relpath.split("/")[0], ignore_errors=True)
    for relpath in relpaths:
        destination = target / relpath
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tree / relpath, destination)


def times(value: Optional[float]) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}x" if value >= 100 else f"{value:.2f}x"


def per_kloc(seconds: float, lines: int) -> Optional[float]:
    return seconds / lines * 1e6 if lines else None


def ratio(a: Optional[float], b: Optional[float]) -> Optional[float]:
    return a / b if a is not None and b else None


def profile_top(sources: List[tuple], count: int = 10) -> List[dict]:
    """Where ``migrate_source`` spends its own time on ``sources`` (cProfile tottime), biggest first."""
    profiler = cProfile.Profile()
    profiler.enable()
    for source, path in sources:
        try:
            migrate_source(source, path=path)
        except MigrationError:
            pass
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = sum(row[2] for row in stats.stats.values()) or 1.0
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:count]
    top = []
    for (filename, line, name), (_, calls, tottime, cumtime, _) in rows:
        short = filename
        for anchor in ("site-packages/", str(REPO) + "/"):
            if anchor in short:
                short = short.split(anchor, 1)[1]
        top.append(
            {
                "function": f"{short}:{line}({name})",
                "calls": calls,
                "tottime_share": tottime / total,
                "cumtime_seconds": cumtime,
            }
        )
    return top


# ---------------------------------------------------------------------- sections


def prefilter_share(files: List[Path], exclude: frozenset = frozenset()) -> dict:
    """How much of ``files`` passes the engine's byte prefilter (and so gets parsed)."""
    count = hits = lines = hit_lines = 0
    started = time.perf_counter()
    for path in files:
        if str(path) in exclude:
            continue
        try:
            data = path.read_bytes()
        except OSError:
            continue
        count += 1
        n = data.count(b"\n")
        lines += n
        if needs_migration_scan(data):
            hits += 1
            hit_lines += n
    return {
        "files": count,
        "lines": lines,
        "hit_files": hits,
        "hit_lines": hit_lines,
        "hit_file_share": hits / count if count else 0.0,
        "hit_line_share": hit_lines / lines if lines else 0.0,
        "read_and_scan_seconds": time.perf_counter() - started,
    }


def skip_path(parts: List[Path], growth: List[int], work: Path, repeats: int, budget: float) -> dict:
    """``migrate-stt --check`` vs ``grep -rlE`` over 1, 2, 4... parts of the tree."""
    pattern = ere(v2_markers())
    grep_env = dict(os.environ, LC_ALL="C")
    rows = []
    for n in growth:
        paths = [str(p) for p in parts[:n]]
        files = python_files(parts[:n])
        sources = [p.read_bytes() for p in files]
        lines = sum(source.count(b"\n") for source in sources)
        # grep must be asked the engine's own question: the same files should match.
        prefilter_hits = sum(1 for source in sources if needs_migration_scan(source))
        del sources
        grep_out = work / f"grep-{n}.txt"
        grep_command = ["grep", "-rlE", "--include=*.py", pattern, *paths]
        run_once(grep_command, env=grep_env)  # page cache warm for both tools
        grep = best_of(grep_command, env=grep_env, repeats=3, budget=1.0, stdout=grep_out)
        grep_matches = len(grep_out.read_text().splitlines())
        check_err = work / f"check-{n}.stderr"
        check = best_of([*migrate_stt_command(), "--check", *paths], repeats=repeats, budget=budget, stderr=check_err)
        rows.append(
            {
                "parts": n,
                "files": len(files),
                "lines": lines,
                "grep": grep.to_dict(),
                "grep_matches": grep_matches,
                "engine_prefilter_hits": prefilter_hits,
                "check": check.to_dict(),
                "check_summary": summary_of(check_err),
                "check_exit_code": check.returncode,
                "ratio_wall": ratio(check.wall, grep.wall),
                "ratio_cpu": ratio(check.cpu, grep.cpu),
                "check_files_per_second": len(files) / check.wall,
                "check_lines_per_second": lines / check.wall,
                "check_cpu_ms_per_kloc": per_kloc(check.cpu, lines),
            }
        )
    first, last = rows[0], rows[-1]
    growth_factor = last["lines"] / first["lines"]

    paths = [str(p) for p in parts[: growth[-1]]]
    ordinary_only = no_v2_tree(parts[: growth[-1]], work, repeats, budget)

    # Where --check's time goes before any parsing, measured in this process.
    started = time.perf_counter()
    discovered = [str(p) for p in discover(paths)]
    discover_seconds = time.perf_counter() - started
    started = time.perf_counter()
    candidates = sum(1 for path in discovered if needs_migration_scan(Path(path).read_bytes()))
    prefilter_seconds = time.perf_counter() - started
    # What --check does instead inside a git work tree: git lists the files and git grep tests them.
    started = time.perf_counter()
    found = find(paths, markers=v2_markers())
    find_seconds = time.perf_counter() - started
    return {
        "grep_pattern": pattern,
        "rows": rows,
        "ordinary_only": ordinary_only,
        "floor_in_process": {
            "files": len(discovered),
            "discover_seconds": discover_seconds,
            "read_and_prefilter_seconds": prefilter_seconds,
            "candidates": candidates,
            "find_with_git_seconds": find_seconds,
            "find_with_git_candidates": len(found.candidates),
        },
        "cost_growth": {
            "lines_factor": growth_factor,
            "check_wall_factor": last["check"]["wall"] / first["check"]["wall"],
            "check_cpu_factor": last["check"]["cpu"] / first["check"]["cpu"],
            "grep_wall_factor": last["grep"]["wall"] / first["grep"]["wall"],
            # 1.0 = linear; above 1 = each line costs more in the bigger tree.
            "check_cpu_per_line_at_largest_vs_smallest": (last["check"]["cpu"] / last["lines"])
            / (first["check"]["cpu"] / first["lines"]),
            # The same without the fixed start-up cost, which makes big trees look cheaper per
            # line: CPU per added line between the two largest sizes over that between the two
            # smallest (1.0 = linear).
            "check_cpu_per_added_line_ratio": _marginal_ratio(rows),
        },
    }


def no_v2_tree(parts: List[Path], work: Path, repeats: int, budget: float) -> dict:
    """The pure skip path: ``--check`` over the tree with the v2 clients left out (so nothing
    is parsed) against ``grep -rlE`` for the same markers over the same files."""
    paths = [str(p) for p in parts]
    grep_env = dict(os.environ, LC_ALL="C")
    grep_command = ["grep", "-rlE", "--include=*.py", f"--exclude={V2_GLOB}", ere(v2_markers()), *paths]
    run_once(grep_command, env=grep_env)  # page cache warm for both tools
    grep = best_of(grep_command, env=grep_env, repeats=max(3, repeats), budget=1.0)
    check_err = work / "check-ordinary.stderr"
    check = best_of(
        [*migrate_stt_command(), "--check", "--exclude", V2_GLOB, *paths],
        repeats=max(3, repeats),
        budget=budget,
        stderr=check_err,
    )
    summary = summary_of(check_err)
    lines = sum(p.read_bytes().count(b"\n") for p in python_files(parts) if not p.name.startswith("stt_"))
    return {
        "files": summary.get("scanned"),
        "lines": lines,
        "grep": grep.to_dict(),
        "check": check.to_dict(),
        "check_summary": summary,
        "check_exit_code": check.returncode,
        "ratio_wall": ratio(check.wall, grep.wall),
        "ratio_cpu": ratio(check.cpu, grep.cpu),
    }


def _marginal_ratio(rows: List[dict]) -> Optional[float]:
    if len(rows) < 3:
        return None

    def per_added_line(a: dict, b: dict) -> float:
        return (b["check"]["cpu"] - a["check"]["cpu"]) / max(1, b["lines"] - a["lines"])

    small = per_added_line(rows[0], rows[1])
    return per_added_line(rows[-2], rows[-1]) / small if small > 0 else None


def rewrite_path(
    tree: Path,
    v2_files: List[dict],
    work: Path,
    repeats: int,
    budget: float,
    min_seconds: float,
    in_process: bool = True,
) -> dict:
    """The v2 files alone: migrate-stt in place (fresh copy each run) vs bare parse+print;
    with ``in_process``, also ``migrate_source`` against ``parse_module`` in this process."""
    relpaths = [entry["path"] for entry in v2_files]
    target = fresh_git_dir(work / "rewrite")
    lines = sum(entry["lines"] for entry in v2_files)

    def fresh_copy() -> None:
        copy_files(tree, relpaths, target)

    baseline = best_of(
        [sys.executable, str(BENCH / "parse_print.py"), str(target)], prepare=fresh_copy, repeats=repeats, budget=budget
    )
    runs = {}
    for jobs in (1, 2):
        stderr = work / f"rewrite-jobs{jobs}.stderr"
        run = best_of(
            [*migrate_stt_command(), str(target), "--jobs", str(jobs)],
            prepare=fresh_copy,
            repeats=repeats,
            budget=budget,
            stderr=stderr,
        )
        runs[jobs] = (run, summary_of(stderr))

    # The part no pool can share: start-up, imports and the rules' first use, timed as the
    # run on the smallest file alone. It bounds what --jobs 2 can gain (Amdahl).
    smallest = min(relpaths, key=lambda relpath: (tree / relpath).stat().st_size)
    serial = best_of(
        [*migrate_stt_command(), "--check", str(tree / smallest), "--jobs", "1"], repeats=max(3, repeats), budget=budget
    )

    # What the last in-place run left behind: exactly the expected files changed, all compile.
    changed = not_compiling = 0
    for relpath in relpaths:
        after = (target / relpath).read_bytes()
        if after != (tree / relpath).read_bytes():
            changed += 1
        try:
            compile(after, relpath, "exec", dont_inherit=True)
        except SyntaxError:
            not_compiling += 1
    expected_changes = sum(1 for entry in v2_files if entry["expect_change"])

    jobs1, jobs2 = runs[1][0], runs[2][0]
    result = {
        "files": len(relpaths),
        "lines": lines,
        "expected_changes": expected_changes,
        "changed_after_run": changed,
        "not_compiling_after_run": not_compiling,
        "baseline_parse_print": baseline.to_dict(),
        "migrate_jobs1": jobs1.to_dict(),
        "migrate_jobs1_summary": runs[1][1],
        "migrate_jobs2": jobs2.to_dict(),
        "migrate_jobs2_summary": runs[2][1],
        "ratio_cli_wall": ratio(jobs1.wall, baseline.wall),
        "ratio_cli_cpu": ratio(jobs1.cpu, baseline.cpu),
        "jobs_speedup": ratio(jobs1.wall, jobs2.wall),
        "serial_part": serial.to_dict(),
        # --jobs 2's best case: the serial part once, the rest split evenly in two.
        "jobs2_ceiling": ratio(jobs1.wall, serial.wall + max(0.0, jobs1.wall - serial.wall) / 2),
        "migrate_lines_per_second_jobs2": lines / jobs2.wall,
        "migrate_files_per_second_jobs2": len(relpaths) / jobs2.wall,
    }
    if not in_process:
        return result
    sources = [((tree / r).read_bytes(), r) for r in relpaths]

    def engine_pass() -> None:
        for source, path in sources:
            try:
                migrate_source(source, path=path)
            except MigrationError:
                pass

    def parse_print_pass() -> None:
        for source, _ in sources:
            _ = libcst.parse_module(source).code

    engine_pass()  # imports and caches warm
    in_engine = best_time(engine_pass, min_seconds=min_seconds)
    in_parse = best_time(parse_print_pass, min_seconds=min_seconds)
    return {
        **result,
        "in_process": {
            "parse_print_ms_per_kloc": per_kloc(in_parse, lines),
            "engine_ms_per_kloc": per_kloc(in_engine, lines),
            "ratio": ratio(in_engine, in_parse),
        },
        "engine_profile_top": profile_top(_first_lines(sources, PROFILE_LINES)),
    }


def _first_lines(sources: List[tuple], limit: int) -> List[tuple]:
    """The smallest sources, about ``limit`` lines in all (profiling multiplies run time)."""
    chosen, lines = [], 0
    for source, path in sorted(sources, key=lambda item: len(item[0])):
        if lines >= limit:
            break
        chosen.append((source, path))
        lines += source.count(b"\n")
    return chosen


def false_positives(files: List[Path], v2_paths: frozenset, max_lines: int, min_seconds: float) -> dict:
    """Ordinary modules that pass the prefilter: what the engine spends on each before
    concluding there is nothing to migrate, against bare parse+print."""
    chosen, lines = [], 0
    for path in files:
        if str(path) in v2_paths:
            continue
        data = path.read_bytes()
        if needs_migration_scan(data):
            chosen.append((data, str(path)))
            lines += data.count(b"\n")
            if lines >= max_lines:
                break

    changed = []

    def engine_pass() -> None:
        changed.clear()
        for source, path in chosen:
            try:
                changed.append(migrate_source(source, path=path).changed)
            except MigrationError:
                changed.append(False)

    def parse_print_pass() -> None:
        for source, _ in chosen:
            _ = libcst.parse_module(source).code

    engine = best_time(engine_pass, min_seconds=min_seconds, max_rounds=3)
    parse = best_time(parse_print_pass, min_seconds=min_seconds, max_rounds=3)
    return {
        "files": len(chosen),
        "lines": lines,
        "changed": sum(changed),
        "engine_ms_per_kloc": per_kloc(engine, lines),
        "parse_print_ms_per_kloc": per_kloc(parse, lines),
        "ratio": ratio(engine, parse),
        "engine_profile_top": profile_top(_first_lines(chosen, PROFILE_LINES)),
    }


def machine_parallelism(iterations: int = 8_000_000) -> dict:
    """What two CPU-bound Python processes get from this machine: the ceiling for ``--jobs 2``
    (shared or hyper-threaded cores deliver well under 2x)."""
    spin = [sys.executable, "-c", f"s = 0\nfor i in range({iterations}): s += i"]
    pair = [
        sys.executable,
        "-c",
        f"import subprocess; ps = [subprocess.Popen({spin!r}) for _ in range(2)]; [p.wait() for p in ps]",
    ]
    one = best_of(spin, repeats=2, budget=10)
    two = best_of(pair, repeats=2, budget=10)
    return {"one_process": one.to_dict(), "two_processes": two.to_dict(), "speedup": 2 * one.wall / two.wall}


def startup(one_file: Path) -> dict:
    """Start-up as pre-commit pays it: ``migrate-stt --check`` on one ordinary file against a
    bare start of the interpreter the ``migrate-stt`` script runs on (``python -c pass``)."""
    bare = [sys.executable, "-c", "pass"]
    check = [*migrate_stt_command(), "--check", str(one_file)]
    run_once(bare), run_once(check)  # both warm
    # Runs this short are easily disturbed: the best of many, interleaved.
    best_bare = best_check = None
    for _ in range(10):
        a, b = best_of(bare, repeats=4, budget=1), best_of(check, repeats=4, budget=1)
        best_bare = a if best_bare is None or a.wall < best_bare.wall else best_bare
        best_check = b if best_check is None or b.wall < best_check.wall else best_check
    version = best_of([*migrate_stt_command(), "--version"], repeats=3, budget=5)
    libcst_import = best_of([sys.executable, "-c", "import libcst"], repeats=3, budget=5)
    return {
        "one_file": str(one_file),
        "python_pass": best_bare.to_dict(),
        "check_one_file": best_check.to_dict(),
        "check_one_file_exit_code": best_check.returncode,
        "ratio_one_file": ratio(best_check.wall, best_bare.wall),
        "migrate_stt_version": version.to_dict(),
        "python_import_libcst": libcst_import.to_dict(),
    }


def ordinary_file(files: List[Path]) -> Path:
    """The first ordinary module of about the median size that the prefilter rules out."""
    ordinary = [p for p in files if not p.name.startswith("stt_") and p.name != "__init__.py"]
    sizes = sorted(p.stat().st_size for p in ordinary)
    median = sizes[len(sizes) // 2]
    for path in ordinary:
        if abs(path.stat().st_size - median) <= median // 4 and not needs_migration_scan(path.read_bytes()):
            return path
    raise SystemExit("no ordinary file to time start-up on")


# ---------------------------------------------------------------------- report


def targets(results: dict) -> List[dict]:
    found = []

    def add(name: str, goal: str, measured: Optional[float], met: Optional[bool], shown: str) -> None:
        found.append({"target": name, "goal": goal, "measured": measured, "met": met, "shown": shown})

    nv = results["no_v2_tree"]
    r = nv["ratio_wall"]
    whole = results.get("skip_path", {}).get("rows")
    add(
        "no-v2 tree vs grep",
        "--check within 2x of grep -rlE (wall)",
        r,
        r is not None and r <= 2.0,
        f"{times(r)} ({nv['check']['wall']:.3f} s vs {nv['grep']['wall']:.3f} s over {nv['lines']:,} lines)"
        + (f"; whole tree with its v2 files: {times(whole[-1]['ratio_wall'])}" if whole else ""),
    )
    st = results["startup"]
    r = st["ratio_one_file"]
    add(
        "one file vs python start",
        "--check FILE within 1.5x of python -c pass",
        r,
        r is not None and r <= 1.5,
        f"{times(r)} ({st['check_one_file']['wall'] * 1000:.0f} ms vs {st['python_pass']['wall'] * 1000:.0f} ms)",
    )
    rw = results["rewrite_path"]
    r = rw["ratio_cli_wall"]
    in_process = rw.get("in_process", {}).get("ratio")
    add(
        "rewrite path vs parse+print",
        f"--jobs 1 on {rw['files']} v2 files within 1.5x of bare libcst parse+print",
        r,
        r is not None and r <= 1.5,
        f"{times(r)} end to end" + (f", {times(in_process)} in-process" if in_process is not None else ""),
    )
    s = rw["jobs_speedup"]
    ceiling = results["machine"]["speedup"]
    add(
        "--jobs 2 on rewrite-heavy files",
        "close to 2x (>= 1.8x)",
        s,
        s is not None and s >= 1.8,
        f"{times(s)} (two plain Python processes get {times(ceiling)} here; "
        f"the serial part allows {times(rw.get('jobs2_ceiling'))})",
    )
    if "skip_path" not in results:
        return found
    skip = results["skip_path"]
    g = skip["cost_growth"]["check_cpu_per_line_at_largest_vs_smallest"]
    m = skip["cost_growth"].get("check_cpu_per_added_line_ratio")
    shown = (
        f"CPU per added line {m:.2f} (1.00 = linear); per line overall {g:.2f}"
        if m is not None
        else f"CPU per line {g:.2f} (1.00 = linear)"
    )
    add(
        "linear in tree size",
        "CPU per added line no more than 20% above at the large end",
        m if m is not None else g,
        (m if m is not None else g) <= 1.2,
        shown,
    )
    c = results.get("client") or {}
    if "streaming_core_share" in c:
        share = c["streaming_core_share"]
        add("client CPU while streaming", "under 1% of a core", share, share < 0.01, f"{share:.2%} of a core")
    else:
        add(
            "client CPU while streaming",
            "under 1% of a core",
            None,
            None,
            c.get("skipped") or c.get("error") or "not measured",
        )
    if "termination_to_exit_seconds" in c:
        t = c["termination_to_exit_seconds"]
        add(
            "client exit after Termination",
            "within 1 s",
            t,
            t <= 1.0,
            f"{t * 1000:.0f} ms after Termination ({c['terminate_to_exit_seconds'] * 1000:.0f} ms after Terminate)",
        )
    else:
        add(
            "client exit after Termination",
            "within 1 s",
            None,
            None,
            c.get("skipped") or c.get("error") or "not measured",
        )
    return found


def _table(rows: List[List[str]], indent: str = "  ") -> str:
    widths = [max(len(row[i]) for row in rows if i < len(row)) for i in range(max(map(len, rows)))]
    lines = []
    for row in rows:
        cells = [cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)]
        lines.append(indent + "  ".join(cells).rstrip())
    return "\n".join(lines)


def _short(function: str) -> str:
    """``libcst/_nodes/base.py:211(visit)`` -> ``base.py:211(visit)``; built-ins by name."""
    built_in = re.search(r"<built-in method ([\w.]+)>", function)
    if built_in:
        return built_in.group(1).split(".")[-1]
    return function.split("/")[-1]


def _noisy(run: dict) -> str:
    load = run.get("other_load")
    return "*" if load is not None and load > NOISY_LOAD else ""


def render(results: dict) -> str:
    out = []
    p, tree = results["params"], results["tree"]
    out.append(
        f"migrate-stt benchmark  {results['timestamp']}  scale {p['scale']:g} ({tree['lines']:,} lines in {PARTS} parts)  "
        f"{results['host']['cpus']} cores  load avg {results['host']['loadavg_start']:.2f} -> {results['host']['loadavg_end']:.2f}"
    )
    out.append(
        f"two CPU-bound Python processes run {times(results['machine']['speedup'])} as fast as one on this machine (the ceiling for --jobs 2)"
    )
    out.append(
        f"tree: {tree['files']:,} files, {tree['lines']:,} lines, {tree['bytes'] / 2**20:.0f} MiB, {tree['v2_files']} v2 clients "
        f"({tree['v2_styles']} styles, {tree['big_v2_files']} big); {'reused' if tree['cached'] else 'generated'} in {tree['generate_seconds']:.1f} s"
    )
    st = results["startup"]
    out.append(
        f"\nStart-up: migrate-stt --check on one ordinary file {st['check_one_file']['wall'] * 1000:.0f} ms, "
        f"python -c pass {st['python_pass']['wall'] * 1000:.0f} ms ({times(st['ratio_one_file'])}); "
        f"migrate-stt --version {st['migrate_stt_version']['wall'] * 1000:.0f} ms, "
        f"python -c 'import libcst' {st['python_import_libcst']['wall'] * 1000:.0f} ms"
    )
    nv = results["no_v2_tree"]
    out.append(
        f"No-v2 tree: --check --exclude '{V2_GLOB}' over {nv['files']:,} files, {nv['lines']:,} lines: "
        f"{nv['check']['wall']:.3f} s{_noisy(nv['check'])} (CPU {nv['check']['cpu']:.2f} s) vs grep -rlE "
        f"{nv['grep']['wall']:.3f} s{_noisy(nv['grep'])} (CPU {nv['grep']['cpu']:.2f} s): {times(nv['ratio_wall'])}"
    )
    if "skip_path" in results:
        real = results["prefilter"]
        out.append("\nPrefilter: share of ordinary code that passes the byte test and gets parsed")
        rows = [["corpus", "files", "lines", "files hit", "lines hit"]]
        for name, share in real.items():
            if share:
                rows.append(
                    [
                        name,
                        f"{share['files']:,}",
                        f"{share['lines']:,}",
                        f"{share['hit_file_share']:.1%}",
                        f"{share['hit_line_share']:.1%}",
                    ]
                )
        out.append(_table(rows))

        skip = results["skip_path"]
        out.append(
            "\nSkip path: migrate-stt --check TREE vs grep -rlE MARKERS TREE (best of N; * = other load > 0.3 cores)"
        )
        rows = [
            [
                "size",
                "files",
                "lines",
                "grep",
                "check",
                "ratio",
                "check CPU",
                "CPU ms/KLOC",
                "files/s",
                "lines/s",
                "peak RSS",
                "changed",
                "failed",
            ]
        ]
        base = skip["rows"][0]["parts"]
        for row in skip["rows"]:
            rows.append(
                [
                    f"{row['parts'] // base}x",
                    f"{row['files']:,}",
                    f"{row['lines']:,}",
                    f"{row['grep']['wall']:.3f} s{_noisy(row['grep'])}",
                    f"{row['check']['wall']:.2f} s{_noisy(row['check'])}",
                    times(row["ratio_wall"]),
                    f"{row['check']['cpu']:.2f} s",
                    f"{row['check_cpu_ms_per_kloc']:.1f}",
                    f"{row['check_files_per_second']:,.0f}",
                    f"{row['check_lines_per_second']:,.0f}",
                    f"{row['check']['max_rss_mib']:.0f} MiB",
                    str(row["check_summary"].get("changed", "?")),
                    str(row["check_summary"].get("failed", "?")),
                ]
            )
        out.append(_table(rows))
        for row in skip["rows"]:
            if row["engine_prefilter_hits"] > row["grep_matches"]:
                out.append(
                    f"  warning: grep matched {row['grep_matches']} files, the engine's prefilter {row['engine_prefilter_hits']} (markers out of step?)"
                )
        last = skip["rows"][-1]
        if last["grep_matches"] > last["engine_prefilter_hits"]:
            out.append(
                f"  grep matched {last['grep_matches']} files at {last['parts'] // base}x, the prefilter {last['engine_prefilter_hits']}: "
                "the others mention v2 words but nothing ties them to AssemblyAI, so they are not parsed"
            )
        o, f = skip["ordinary_only"], skip["floor_in_process"]
        out.append(
            f"  ordinary files only (--exclude '{V2_GLOB}'): grep {o['grep']['wall']:.3f} s, check {o['check']['wall']:.2f} s"
            f"{_noisy(o['check'])} ({times(o['ratio_wall'])}), check CPU {o['check']['cpu']:.2f} s"
        )
        out.append(
            f"  before any parsing, in-process over the whole tree: discover {f['discover_seconds']:.2f} s, "
            f"read + prefilter {f['read_and_prefilter_seconds']:.2f} s -> {f['candidates']} files to parse; "
            f"with git (what --check does): {f['find_with_git_seconds']:.2f} s -> {f['find_with_git_candidates']}"
        )
        g = skip["cost_growth"]
        added = g.get("check_cpu_per_added_line_ratio")
        out.append(
            f"  growth: {g['lines_factor']:.1f}x the lines -> check wall {g['check_wall_factor']:.2f}x, CPU {g['check_cpu_factor']:.2f}x, grep {g['grep_wall_factor']:.2f}x"
            + (
                f"; CPU per added line, largest step vs smallest: {added:.2f} (1.00 = linear)"
                if added is not None
                else ""
            )
        )

    rw = results["rewrite_path"]
    out.append(f"\nRewrite path: the {rw['files']} v2 files alone ({rw['lines']:,} lines), in place on a fresh copy")
    rows = [["", "wall", "CPU", "CPU ms/KLOC", "vs baseline", "peak RSS"]]
    b = rw["baseline_parse_print"]
    rows.append(
        [
            "bare parse+print (1 process)",
            f"{b['wall']:.2f} s{_noisy(b)}",
            f"{b['cpu']:.2f} s",
            f"{per_kloc(b['cpu'], rw['lines']):.0f}",
            "1.00x",
            f"{b['max_rss_mib']:.0f} MiB",
        ]
    )
    for jobs in (1, 2):
        r = rw[f"migrate_jobs{jobs}"]
        rows.append(
            [
                f"migrate-stt --jobs {jobs}",
                f"{r['wall']:.2f} s{_noisy(r)}",
                f"{r['cpu']:.2f} s",
                f"{per_kloc(r['cpu'], rw['lines']):.0f}",
                times(r["wall"] / b["wall"]),
                f"{r['max_rss_mib']:.0f} MiB",
            ]
        )
    ip = rw.get("in_process")
    if ip:
        rows.append(["in-process parse+print", "", "", f"{ip['parse_print_ms_per_kloc']:.0f}", "1.00x"])
        rows.append(["in-process migrate_source", "", "", f"{ip['engine_ms_per_kloc']:.0f}", times(ip["ratio"])])
    fp = results.get("false_positives") or {}
    if fp.get("files"):
        rows.append(
            [
                f"false positives: {fp['files']} ordinary files, in-process",
                "",
                "",
                f"{fp['engine_ms_per_kloc']:.0f}",
                times(fp["ratio"]),
            ]
        )
    out.append(_table(rows))
    out.append(
        f"  --jobs 2 vs --jobs 1: {times(rw['jobs_speedup'])}; {rw['migrate_lines_per_second_jobs2']:,.0f} lines/s, "
        f"{rw['migrate_files_per_second_jobs2']:.0f} files/s; changed {rw['changed_after_run']} of {rw['files']} "
        f"(expected {rw['expected_changes']}), {rw['not_compiling_after_run']} not compiling"
    )
    out.append(
        f"  serial part (start-up, imports, the rules' first use: --check on the smallest file): "
        f"{rw['serial_part']['wall']:.2f} s{_noisy(rw['serial_part'])}, so --jobs 2 can reach at most "
        f"{times(rw['jobs2_ceiling'])} here"
    )
    if "engine_profile_top" in rw:
        out.append(
            "  engine hot spots (own time, rewrite set): "
            + "; ".join(
                f"{_short(row['function'])} {row['tottime_share']:.0%}" for row in rw["engine_profile_top"][:10]
            )
        )

    c = results.get("client") or {}
    if c:
        out.append("\nReference client against the emulator")
    if not c:
        pass
    elif "skipped" in c:
        out.append(f"  skipped: {c['skipped']}")
    elif "error" in c:
        out.append(f"  failed: {c['error']}")
    else:
        out.append(
            _table(
                [
                    [
                        "audio streamed",
                        f"{c['audio_seconds']:g} s in {c['frames']} frames of {c['frame_ms']:g} ms; exit {c['exit_code']}, close {c['close_code']} by {c['closed_by']}",
                    ],
                    [
                        "CPU while streaming",
                        f"{c.get('streaming_core_share', float('nan')):.2%} of a core ({c.get('streaming_cpu_seconds', float('nan')):.2f} s over {c.get('streaming_span_seconds', float('nan')):.1f} s)",
                    ],
                    [
                        "CPU whole process",
                        f"{c['process_cpu_seconds']:.2f} s ({c['cpu_per_audio_second_whole_process']:.3f} s per audio second; start-up alone {c['startup_cpu_seconds']:.2f} s)",
                    ],
                    ["frame interval", f"mean {c['interval_mean_ms']:.2f} ms, stdev {c['interval_stdev_ms']:.2f} ms"],
                    [
                        "jitter |interval - frame|",
                        f"p50 {c['jitter_p50_ms']:.2f} ms, p99 {c['jitter_p99_ms']:.2f} ms, max {c['jitter_max_ms']:.2f} ms",
                    ],
                    [
                        "schedule lateness",
                        f"max {c['schedule_lateness_max_ms']:.1f} ms, at the end {c['schedule_drift_end_ms']:.1f} ms",
                    ],
                    [
                        "Terminate -> exit",
                        f"{c.get('terminate_to_exit_seconds', float('nan')) * 1000:.0f} ms (Termination -> exit {c.get('termination_to_exit_seconds', float('nan')) * 1000:.0f} ms)",
                    ],
                    ["peak RSS", f"{c['max_rss_mib']:.0f} MiB"],
                ]
            )
        )

    out.append("\nTargets (reported, not asserted)")
    rows = [["", "goal", "measured", ""]]
    for t in results["targets"]:
        verdict = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
        rows.append([t["target"], t["goal"], t["shown"], verdict])
    out.append(_table(rows))
    return "\n".join(out)


# ---------------------------------------------------------------------- main


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, help="million lines in the whole tree (default 1; --quick: 0.1)")
    parser.add_argument("--quick", action="store_true", help="a small run: 0.1M lines, 3 s of audio, fewer repeats")
    parser.add_argument(
        "--growth", default="1,2,4", help="parts of the tree the skip path runs on, to show growth (default 1,2,4)"
    )
    parser.add_argument(
        "--audio-seconds", type=float, help="audio the reference client streams (default 20; --quick: 3)"
    )
    parser.add_argument("--no-client", action="store_true", help="skip the reference-client section")
    parser.add_argument(
        "--targets",
        action="store_true",
        help="only what issue 15's four targets need: start-up on one file, the no-v2 tree, the rewrite set",
    )
    parser.add_argument(
        "--rewrite-files",
        type=int,
        help="v2 clients in the rewrite path's set, the last 4 of them big (default 200; --quick: 40)",
    )
    parser.add_argument("--repeats", type=int, help="best of N for each timed command (default 3; --quick: 2)")
    parser.add_argument(
        "--v2-per-part",
        type=int,
        help="small v2 clients in each quarter of the tree (default: 1%% of its files, at least one per style)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--out",
        type=Path,
        default=BENCH / "out",
        help="where the tree, scratch files and results go (default bench/out)",
    )
    args = parser.parse_args(argv)
    args.scale = args.scale if args.scale is not None else (0.1 if args.quick else 1.0)
    args.rewrite_files = args.rewrite_files if args.rewrite_files is not None else (40 if args.quick else 200)
    args.audio_seconds = args.audio_seconds if args.audio_seconds is not None else (3.0 if args.quick else 20.0)
    args.growth = sorted({int(n) for n in args.growth.split(",")})
    if not args.growth or args.growth[0] < 1 or args.growth[-1] > PARTS:
        parser.error(f"--growth takes part counts between 1 and {PARTS}")
    return args


def host_info() -> dict:
    try:
        commit = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "-C", str(REPO), "status", "--porcelain", "--", "migrator", "reference_client"],
                capture_output=True,
                text=True,
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = "", None
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "libcst": getattr(libcst, "__version__", None) or _version("libcst"),
        "commit": commit,
        "uncommitted_changes": dirty,
        "loadavg_start": os.getloadavg()[0],
    }


def _version(package: str) -> Optional[str]:
    try:
        from importlib.metadata import version

        return version(package)
    except Exception:
        return None


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    work.mkdir(exist_ok=True)
    repeats, budget, min_seconds = (2, 2.0, 0.3) if args.quick else (3, 6.0, 1.5)
    repeats = args.repeats or repeats
    started = time.perf_counter()
    timestamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H-%M-%SZ")
    results: Dict[str, object] = {
        "schema": 1,
        "timestamp": timestamp,
        "host": host_info(),
        "params": {
            "scale": args.scale,
            "seed": args.seed,
            "growth_parts": args.growth,
            "quick": args.quick,
            "audio_seconds": args.audio_seconds,
            "repeats": repeats,
            "v2_per_part": args.v2_per_part,
            "rewrite_files": args.rewrite_files,
            "targets_only": args.targets,
            "markers": [m.decode() for m in v2_markers()],
        },
    }

    def step(name: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f} s] {name}", file=sys.stderr, flush=True)

    # An installed package has its bytecode written at install time; with a checkout (or
    # PYTHONDONTWRITEBYTECODE set) every run would compile migrator's modules first.
    step("compiling migrator's modules to bytecode, as an install does")
    compileall.compile_dir(str(REPO / "migrator"), quiet=1)
    step("generating the tree")
    tree_root = out / (
        f"tree-s{args.scale:g}-seed{args.seed}" + (f"-v2x{args.v2_per_part}" if args.v2_per_part is not None else "")
    )
    t0 = time.perf_counter()
    manifest = generate(tree_root, scale=args.scale / PARTS, parts=PARTS, seed=args.seed, v2_per_part=args.v2_per_part)
    generate_seconds = time.perf_counter() - t0
    parts = [tree_root / f"part{i}" for i in range(PARTS)]
    v2_files = [entry for part in manifest["parts_info"] for entry in part["v2_files"]]
    v2_paths = frozenset(str(tree_root / entry["path"]) for entry in v2_files)
    results["tree"] = {
        "root": str(tree_root),
        "files": sum(p["files"] for p in manifest["parts_info"]),
        "lines": sum(p["lines"] for p in manifest["parts_info"]),
        "bytes": sum(p["bytes"] for p in manifest["parts_info"]),
        "v2_files": len(v2_files),
        "v2_styles": len({e["style"] for e in v2_files}),
        "big_v2_files": sum(1 for e in v2_files if e["kind"] == "big_v2"),
        "cached": bool(manifest.get("reused")),
        "generate_seconds": generate_seconds,
    }

    all_files = python_files(parts)
    if not args.targets:
        step("prefilter share: synthetic tree and the installed stdlib")
        stdlib = Path(sysconfig.get_paths()["stdlib"])
        results["prefilter"] = {
            "synthetic tree (ordinary files)": prefilter_share(all_files, exclude=v2_paths),
            "python stdlib (real code)": prefilter_share(python_files([stdlib])) if stdlib.is_dir() else None,
        }

    step("start-up cost and what two processes get from this machine")
    results["startup"] = startup(ordinary_file(all_files))
    results["machine"] = machine_parallelism()
    if args.targets:
        step("no-v2 tree: --check vs grep")
        results["no_v2_tree"] = no_v2_tree(parts, work, repeats, budget)
    else:
        step(f"skip path: --check vs grep on {args.growth} parts")
        results["skip_path"] = skip_path(parts, args.growth, work, repeats, budget)
        results["no_v2_tree"] = results["skip_path"]["ordinary_only"]
    step(f"rewrite path: {args.rewrite_files} v2 files alone")
    rewrite_source = work / "rewrite-set"
    rewrite_files = rewrite_set(rewrite_source, count=args.rewrite_files, seed=args.seed)
    results["rewrite_path"] = rewrite_path(
        rewrite_source, rewrite_files, work, repeats, budget, min_seconds, in_process=not args.targets
    )
    if not args.targets:
        step("false positives: ordinary files the prefilter lets through")
        results["false_positives"] = false_positives(all_files, v2_paths, 3_000 if args.quick else 10_000, min_seconds)

    if args.targets:
        pass
    elif args.no_client:
        results["client"] = {"skipped": "--no-client"}
    else:
        reason = client.not_ready_reason()
        if reason:
            results["client"] = {"skipped": f"reference client not ready: {reason}"}
        else:
            step(f"reference client: {args.audio_seconds:g} s of audio against the emulator")
            try:
                results["client"] = client.measure_client(work, args.audio_seconds)
            except Exception as error:  # the client is someone else's work in progress
                results["client"] = {"error": f"{type(error).__name__}: {error}"}

    results["host"]["loadavg_end"] = os.getloadavg()[0]
    results["total_seconds"] = time.perf_counter() - started
    results["targets"] = targets(results)
    text = json.dumps(results, indent=1, default=str)
    (out / f"results-{timestamp}.json").write_text(text)
    (out / "latest.json").write_text(text)
    step("done")
    print(render(results))
    print(f"\nwrote {out / f'results-{timestamp}.json'} and {out / 'latest.json'} ({results['total_seconds']:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
