"""Running over many files: what ``candidates`` promises, and that it changes no outcome."""

from __future__ import annotations

import subprocess
import sys

from migrator.files import find
from migrator.markers import selected_markers
from migrator.runner import POOL_MIN_FILES, Options, run

V2 = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'


def test_a_file_outside_the_candidates_is_unchanged_without_being_read(tmp_path):
    client, gone = tmp_path / "client.py", tmp_path / "gone.py"
    client.write_text(V2)
    outcomes = run([str(client), str(gone)], Options(write=False), jobs=1, candidates=set())
    assert [outcome.status for outcome in outcomes] == ["unchanged", "unchanged"]
    assert not any(outcome.parsed for outcome in outcomes)


def test_candidates_from_git_give_the_outcomes_of_reading_every_file(tmp_path, monkeypatch):
    files = {
        "client.py": V2,
        "plain.py": "x = 1\n",
        "mention.py": "# audio_data and assemblyai\n",
        "other.py": "# audio_data\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True, timeout=60)
    monkeypatch.chdir(tmp_path)
    found = find(["."], markers=selected_markers())
    assert found.candidates == {"client.py", "mention.py"}
    with_candidates = run(found.files, Options(write=False, diff=True), jobs=1, candidates=found.candidates)
    read_here = run(found.files, Options(write=False, diff=True), jobs=1)
    assert [o.to_dict() for o in with_candidates] == [o.to_dict() for o in read_here]
    assert [o.status for o in read_here] == ["changed", "unchanged", "unchanged", "unchanged"]


def test_a_path_given_twice_is_migrated_once(tmp_path):
    (tmp_path / "client.py").write_text(V2)
    path = str(tmp_path / "client.py")
    first, second = run([path, path], Options(write=True), jobs=1)
    assert first is second and first.status == "changed"


#: Runs the runner on the files named, then says whether it started a process pool.
POOL_STARTED = """
import sys
import migrator.runner
from migrator.runner import POOL_MIN_FILES, Options, run
migrator.runner.POOL_MIN_BYTES = int(sys.argv[1])
outcomes = run(sys.argv[2:], Options(write=False), jobs=2)
print(*(outcome.status for outcome in outcomes), "concurrent.futures.process" in sys.modules)
"""


def test_a_pool_starts_only_for_enough_source_or_files_to_pay_for_it(tmp_path):
    paths = []
    for index in range(10):
        (tmp_path / f"c{index}.py").write_text(V2)
        paths.append(str(tmp_path / f"c{index}.py"))

    def pool_started(min_bytes: int, files: list) -> list:
        completed = subprocess.run(
            [sys.executable, "-c", POOL_STARTED, str(min_bytes), *files], capture_output=True, timeout=120
        )
        return completed.stdout.decode().split()

    few = paths[: POOL_MIN_FILES - 1]
    assert pool_started(64 * 1024, few) == ["changed"] * len(few) + ["False"]  # a few one-line files: not worth it
    assert pool_started(0, few) == ["changed"] * len(few) + ["True"]
    # enough files: a worker that dies (native code, memory) must cost only its own file
    assert pool_started(64 * 1024, paths) == ["changed"] * 10 + ["True"]
