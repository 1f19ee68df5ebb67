"""``migrate-stt --verify`` runs user code: what it runs, where, with which Python, and that a
hostile script can neither read the caller's secrets, reach another socket, nor leave a process
or a file behind. Driven as a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CLIENTS = Path(__file__).resolve().parent / "harness" / "clients"

#: A v3 client by every measure the model has (it opens a connection to the v3 endpoint), and
#: then everything a careful user would not want a verification run to do.
HOSTILE = """\
import os
import socket
import subprocess
import sys

import websocket

ws = websocket.create_connection(
    "wss://streaming.assemblyai.com/v3/ws?sample_rate=16000",
    header={"Authorization": os.environ["ASSEMBLYAI_API_KEY"]},
)
print("secret=" + repr(os.environ.get("STT_TEST_SECRET")))
print("home=" + os.environ["HOME"])
try:
    socket.create_connection(("127.0.0.1", OTHER_PORT), timeout=3).close()
    print("other-port=connected")
except OSError as error:
    print("other-port=refused " + type(error).__name__)
child = subprocess.Popen(
    [sys.executable, "-c", "import time; time.sleep(600)"], start_new_session=True
)
print("child=%d" % child.pid)
with open("hostile-was-here.txt", "w") as stream:
    stream.write("x")
ws.close()
"""


def cli(*args, cwd=None, env=None, timeout=180):
    return subprocess.run(
        [sys.executable, "-m", "migrator", *map(str, args)], cwd=cwd, capture_output=True, timeout=timeout, env=env
    )


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture
def other_port():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    listener.settimeout(0.2)
    yield listener
    listener.close()


@pytest.mark.timeout(120)
def test_a_hostile_script_sees_no_secret_reaches_no_other_socket_and_leaves_nothing_behind(tmp_path, other_port):
    port = other_port.getsockname()[1]
    (tmp_path / "hostile.py").write_text(HOSTILE.replace("OTHER_PORT", str(port)))
    env = dict(os.environ, STT_TEST_SECRET="hunter2")
    result = cli("hostile.py", "--verify", "--format", "json", cwd=tmp_path, env=env)
    assert result.returncode == 3, result.stderr.decode()
    (entry,) = json.loads(result.stdout)["files"]
    run = entry["verify"]["run"]
    lines = dict(line.split("=", 1) for line in run["stdout_tail"].splitlines() if "=" in line)
    assert lines["secret"] == "None"
    assert "hunter2" not in result.stdout.decode() + result.stderr.decode()
    assert not lines["home"].startswith(str(Path.home())) and "migrate-stt" not in lines["home"].split("/")[-1]
    assert lines["other-port"] == "refused ConnectionRefusedError"
    with pytest.raises(socket.timeout):
        other_port.accept()
    pid = int(lines["child"])
    deadline = time.monotonic() + 5
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the start_new_session child outlived the verify run")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hostile.py"]
    assert any(line.startswith("network: ") for line in run["isolation"])
    assert "processes: subreaper (every descendant is killed afterwards)" in run["isolation"]


@pytest.mark.timeout(120)
def test_the_script_runs_in_a_copy_of_its_directory_with_its_sibling_modules(tmp_path):
    (tmp_path / "settings.py").write_text("URL = 'wss://streaming.assemblyai.com/v3/ws?sample_rate=16000'\n")
    (tmp_path / "client.py").write_text(
        "import os, websocket\nfrom settings import URL\n"
        "ws = websocket.create_connection('wss://streaming.assemblyai.com/v3/ws?' + URL.split('?')[1],"
        " header={'Authorization': os.environ['ASSEMBLYAI_API_KEY']})\n"
        "print('cwd=' + os.getcwd())\nprint('file=' + __file__)\nws.close()\n"
    )
    result = cli("client.py", "--verify", "--format", "json", cwd=tmp_path)
    (entry,) = json.loads(result.stdout)["files"]
    stdout = entry["verify"]["run"]["stdout_tail"]
    lines = dict(line.split("=", 1) for line in stdout.splitlines() if "=" in line)
    assert Path(lines["file"]).name == "client.py" and Path(lines["file"]).parent == Path(lines["cwd"])
    assert not Path(lines["cwd"]).resolve().is_relative_to(tmp_path.resolve())
    assert not Path(lines["cwd"]).exists(), "the copy is deleted afterwards"
    assert "connected_v3" in [c["name"] for c in entry["verify"]["checks"] if c["passed"]]


@pytest.mark.timeout(60)
def test_a_file_that_only_mentions_assemblyai_is_never_run(tmp_path):
    marker = tmp_path / "marker"
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "setup.py").write_text(
        '"""Packaging for our assemblyai StreamingClient helpers (wss://streaming.assemblyai.com/v3/ws)."""\n'
        f"open({str(marker)!r}, 'w').write('ran')\n"
    )
    result = cli("setup.py", "--check", "--verify", cwd=tmp_path / "project", timeout=60)
    assert result.returncode == 0, result.stderr.decode()
    assert not marker.exists()
    assert result.stderr.decode().splitlines()[0] == (
        "verify setup.py: not verified (not a v3 streaming client: "
        "it makes no connection to a v3 endpoint and no StreamingClient)"
    )


@pytest.mark.timeout(60)
def test_verify_timeout_bounds_a_script_that_never_ends(tmp_path):
    (tmp_path / "stuck.py").write_text(
        "import os, signal, time, websocket\n"
        "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
        "ws = websocket.create_connection('wss://streaming.assemblyai.com/v3/ws?sample_rate=16000',"
        " header={'Authorization': os.environ['ASSEMBLYAI_API_KEY']})\n"
        "time.sleep(600)\n"
    )
    started = time.monotonic()
    result = cli("stuck.py", "--verify", "--verify-timeout", "3", cwd=tmp_path, timeout=60)
    elapsed = time.monotonic() - started
    assert result.returncode == 3, result.stderr.decode()
    assert "  FAIL clean_exit: still running after 3.0 s; killed" in result.stderr.decode()
    assert elapsed < 20


@pytest.mark.timeout(200)
def test_a_comparison_the_tool_cannot_run_is_skipped_not_failed(tmp_path):
    if os.environ.get("STT_V2_SDK_PYTHON"):
        pytest.skip("a v2 SDK is at hand here, so the comparison runs")
    shutil.copy(FIXTURES / "sdk" / "docs_microphone" / "input.py", tmp_path / "mic.py")
    result = cli("mic.py", "--verify", cwd=tmp_path)
    stderr = result.stderr.decode()
    assert result.returncode == 0, stderr
    assert "verify mic.py: passed (9/9 checks, 1 skipped)" in stderr
    (line,) = [line for line in stderr.splitlines() if "same_finals_as_v2" in line]
    assert line.startswith("  skip same_finals_as_v2: the original uses the v2 SDK's RealtimeTranscriber, which ")
    assert line.endswith("to compare, pass --v2-python PATH: a Python with assemblyai==0.64.2")


def _venv_with_websockets_12(at: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(at)], check=True, timeout=60)
    python = at / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "websockets==12.0"],
        capture_output=True,
        timeout=120,
    )
    if installed.returncode != 0:
        pytest.skip("pip cannot install websockets==12.0 here: " + installed.stderr.decode()[-300:])
    return python


@pytest.mark.timeout(200)
@pytest.mark.parametrize("chosen_by", ["the project's .venv", "--python"])
def test_the_users_python_runs_the_script_and_a_too_old_websockets_is_named(tmp_path, chosen_by):
    project = tmp_path / "project"
    project.mkdir()
    python = _venv_with_websockets_12(project / ".venv" if chosen_by != "--python" else tmp_path / "elsewhere")
    shutil.copy(CLIENTS / "v3_websockets_asyncio.py", project / "client.py")
    result = cli("client.py", "--verify", *(["--python", python] if chosen_by == "--python" else []), cwd=project)
    stderr = result.stderr.decode()
    assert result.returncode == 3, stderr
    lines = stderr.splitlines()
    assert f"  python: {python} (Python " in stderr
    (described,) = [line for line in lines if line.startswith("  python: ")]
    assert described.endswith(
        f"{chosen_by}): websockets 12.0, websocket-client not installed, aiohttp not installed, "
        "assemblyai not installed"
    )
    assert (
        f"  warning: it passes additional_headers, which needs websockets>=14; {python} has websockets 12.0"
    ) in lines
    assert "  FAIL clean_exit" in stderr


@pytest.mark.timeout(30)
def test_a_missing_python_is_a_usage_error(tmp_path):
    shutil.copy(CLIENTS / "v3_websockets_asyncio.py", tmp_path / "client.py")
    result = cli("client.py", "--verify", "--python", tmp_path / "nope" / "python", cwd=tmp_path, timeout=30)
    assert result.returncode == 2
    assert (
        result.stderr.decode().splitlines()[-1] == f"error: --python {tmp_path / 'nope' / 'python'}: no such executable"
    )


STUCK_WITH_CHILD = """\
import os, signal, subprocess, sys, time, websocket
signal.signal(signal.SIGINT, signal.SIG_IGN)
ws = websocket.create_connection('wss://streaming.assemblyai.com/v3/ws?sample_rate=16000',
                                 header={'Authorization': os.environ['ASSEMBLYAI_API_KEY']})
child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'], start_new_session=True)
with open(PIDS, 'w') as stream:
    stream.write('%d %d' % (os.getpid(), child.pid))
time.sleep(600)
"""


@pytest.mark.timeout(90)
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stopping_migrate_stt_stops_its_scripts_and_removes_their_copies(tmp_path, signum):
    project, scratch, pids = tmp_path / "project", tmp_path / "tmp", tmp_path / "pids"
    project.mkdir()
    scratch.mkdir()
    (project / "stuck.py").write_text(STUCK_WITH_CHILD.replace("PIDS", repr(str(pids))))
    process = subprocess.Popen(
        [sys.executable, "-m", "migrator", "stuck.py", "--verify", "--verify-timeout", "60"],
        cwd=project,
        env=dict(os.environ, TMPDIR=str(scratch)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not (pids.exists() and len(pids.read_text().split()) == 2) and time.monotonic() < deadline:
        time.sleep(0.05)
    script, child = map(int, pids.read_text().split())
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=20)
    deadline = time.monotonic() + 5
    while (_alive(script) or _alive(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in (script, child) if _alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, "processes outlived migrate-stt"
    assert sorted(p.name for p in project.iterdir()) == ["stuck.py"]
    if signum != signal.SIGKILL:
        assert process.returncode == 130
        assert (
            stderr.decode().splitlines()[-1] == "interrupted: --verify runs stopped and their temporary copies removed"
        )
        assert list(scratch.iterdir()) == []
