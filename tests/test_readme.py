"""The README's recipes, run as written: each command block follows a
``<!-- readme-test: NAME -->`` marker, and the test for NAME runs that block's lines (only a
fixed port is swapped for a free one, so that parallel runs do not collide).

``test_pre_commit_*`` build the hook's environment the way pre-commit does for a user: a
virtualenv and ``pip install`` of this repository, with packages from the index pip is
configured with (about 15-30 s the first time; the environment is then reused within the
test's PRE_COMMIT_HOME).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
V2_SCRIPT = ROOT / "fixtures" / "websocket_client" / "getting_started"
#: Where this interpreter's console scripts (migrate-stt, stt-emulator, stt-client, pre-commit) are.
SCRIPTS = Path(sys.executable).parent


def readme_block(name: str) -> str:
    """The code block after ``<!-- readme-test: NAME -->``."""
    match = re.search(rf"<!-- readme-test: {re.escape(name)} -->\n```\w*\n(.*?)```", README.read_text(), re.DOTALL)
    assert match, f"README.md has no block marked readme-test: {name}"
    return match.group(1)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(**extra: str) -> dict:
    return {**os.environ, "PATH": f"{SCRIPTS}{os.pathsep}{os.environ.get('PATH', '')}", **extra}


def test_every_marked_block_has_a_test():
    names = re.findall(r"<!-- readme-test: ([\w-]+) -->", README.read_text())
    assert sorted(names) == ["emulator-example", "pre-commit-config"]


@pytest.mark.timeout(90)
def test_emulator_example_runs_as_printed():
    emulator_line, client_line = [line for line in readme_block("emulator-example").splitlines() if line.strip()]
    assert "--api-key" in client_line, "the client refuses to start without a key"
    port = str(free_port())
    emulator_args = shlex.split(emulator_line.replace("8765", port))
    client_args = shlex.split(client_line.replace("8765", port))
    emulator = subprocess.Popen(
        emulator_args, cwd=ROOT, env=environment(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert emulator.stdout.readline().strip() == f"listening on ws://127.0.0.1:{port}"
        client = subprocess.run(client_args, cwd=ROOT, env=environment(), capture_output=True, text=True, timeout=60)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    assert client.returncode == 0, client.stderr
    assert client.stdout == "Hello world.\n"
    assert " ended: 5 s of audio" in client.stderr


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory):
    if shutil.which("pre-commit", path=str(SCRIPTS)) is None:
        pytest.fail("pre-commit is a test dependency: pip install -e '.[test]'")
    return tmp_path_factory.mktemp("pre-commit-home")


def project_with_a_v2_script(directory: Path) -> Path:
    subprocess.run(["git", "init", "-q"], cwd=directory, check=True)
    shutil.copy(V2_SCRIPT / "input.py", directory / "mic.py")
    subprocess.run(["git", "add", "mic.py"], cwd=directory, check=True)
    return directory


def pre_commit(home: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(SCRIPTS / "pre-commit"), *args],
        cwd=cwd,
        # try-repo commits uncommitted changes of the repository to a shadow copy: that needs a name
        env=environment(
            PRE_COMMIT_HOME=str(home),
            PRE_COMMIT_COLOR="never",
            GIT_AUTHOR_NAME="test",
            GIT_AUTHOR_EMAIL="test@example.com",
            GIT_COMMITTER_NAME="test",
            GIT_COMMITTER_EMAIL="test@example.com",
        ),
        capture_output=True,
        text=True,
        timeout=240,
    )


@pytest.mark.timeout(300)
def test_pre_commit_try_repo_check_hook(tmp_path, pre_commit_home):
    project = project_with_a_v2_script(tmp_path)
    result = pre_commit(pre_commit_home, "try-repo", str(ROOT), "migrate-stt-check", "--files", "mic.py", cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "would migrate mic.py (STT001, STT003, STT004, STT005, STT007)" in result.stdout
    assert "+++ b/mic.py" in result.stdout
    assert (project / "mic.py").read_bytes() == (V2_SCRIPT / "input.py").read_bytes()


@pytest.mark.timeout(300)
def test_pre_commit_config_from_the_readme(tmp_path, pre_commit_home):
    """The README's snippet writes the configuration; the hook then rewrites a staged v2 script
    into exactly the fixture's expected output, and a second run passes."""
    project = project_with_a_v2_script(tmp_path)
    snippet = readme_block("pre-commit-config")
    assert snippet.startswith("MIGRATE_STT=/path/to/migrate-stt\n")
    snippet = snippet.replace("MIGRATE_STT=/path/to/migrate-stt", f"MIGRATE_STT={shlex.quote(str(ROOT))}", 1)
    subprocess.run(["bash", "-euc", snippet], cwd=project, check=True, timeout=30)
    config = (project / ".pre-commit-config.yaml").read_text()
    head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    assert f"rev: {head.strip()}\n" in config
    first = pre_commit(pre_commit_home, "run", "--files", "mic.py", cwd=project)
    assert first.returncode == 1, first.stdout + first.stderr  # pre-commit fails when a hook changed files
    assert "files were modified by this hook" in first.stdout
    assert (project / "mic.py").read_bytes() == (V2_SCRIPT / "expected.py").read_bytes()
    second = pre_commit(pre_commit_home, "run", "--files", "mic.py", cwd=project)
    assert second.returncode == 0, second.stdout + second.stderr
