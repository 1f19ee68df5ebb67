"""The benchmark still runs: its generator makes valid, reproducible Python, and ``bench/run.py``
at a tiny scale writes its JSON. No timing is asserted here; timings live in ``bench/``."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "bench"


def load_generator():
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and the process pool look it up by name
    spec.loader.exec_module(module)
    return module


def test_generated_tree_compiles_and_holds_v2_clients(tmp_path):
    manifest = load_generator().generate(tmp_path / "tree", scale=0.002, parts=2, seed=3, v2_per_part=2)
    files = sorted((tmp_path / "tree").rglob("*.py"))
    for path in files:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
    assert len(files) == sum(part["files"] for part in manifest["parts_info"])
    v2 = [entry for part in manifest["parts_info"] for entry in part["v2_files"]]
    assert [entry["kind"] for entry in v2].count("big_v2") == 2
    assert all((tmp_path / "tree" / entry["path"]).exists() for entry in v2)


def test_rewrite_set_holds_the_asked_number_of_v2_clients(tmp_path):
    entries = load_generator().rewrite_set(tmp_path / "set", count=12, seed=3, big=2)
    files = sorted((tmp_path / "set").rglob("*.py"))
    assert len(files) == len(entries) == 12
    assert [entry["kind"] for entry in entries] == ["v2"] * 10 + ["big_v2"] * 2
    assert all(entry["lines"] > 2500 for entry in entries[-2:])
    for path in files:
        compile(path.read_bytes(), str(path), "exec", dont_inherit=True)


def test_generation_is_reproducible(tmp_path):
    generate = load_generator().generate
    generate(tmp_path / "a", scale=0.001, parts=1, seed=5, v2_per_part=1)
    generate(tmp_path / "b", scale=0.001, parts=1, seed=5, v2_per_part=1)
    tree_a = {p.relative_to(tmp_path / "a"): p.read_bytes() for p in (tmp_path / "a").rglob("*.py")}
    tree_b = {p.relative_to(tmp_path / "b"): p.read_bytes() for p in (tmp_path / "b").rglob("*.py")}
    assert tree_a == tree_b


def test_run_writes_results_json(tmp_path):
    completed = subprocess.run(
        [
            sys.executable,
            str(BENCH / "run.py"),
            "--quick",
            "--scale",
            "0.002",
            "--v2-per-part",
            "1",
            "--growth",
            "1,2",
            "--repeats",
            "1",
            "--no-client",
            "--out",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    latest = json.loads((tmp_path / "latest.json").read_text())
    assert list(tmp_path.glob("results-*.json"))
    assert [row["parts"] for row in latest["skip_path"]["rows"]] == [1, 2]
    assert latest["rewrite_path"]["not_compiling_after_run"] == 0
    assert latest["client"] == {"skipped": "--no-client"}
    assert [target["target"] for target in latest["targets"]][:4] == [
        "no-v2 tree vs grep",
        "one file vs python start",
        "rewrite path vs parse+print",
        "--jobs 2 on rewrite-heavy files",
    ]
    assert latest["rewrite_path"]["files"] == 40
    assert latest["startup"]["check_one_file_exit_code"] == 0
    assert latest["no_v2_tree"]["check_summary"]["changed"] == 0
    assert "Targets (reported, not asserted)" in completed.stdout
