"""Each rewritten requirements file installs what the migrated code works with: pip resolves
it OFFLINE (``--no-index --find-links``) against tiny wheels built here, old and new releases of
each library side by side, and must pick a release the migrated code accepts."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from migrator.manifests import read_manifest

from .helpers import wanted

RELEASES = {"assemblyai": ("0.21.0", "0.30.0", "0.64.16"), "websockets": ("10.4", "12.0", "14.0"), "rich": ("13.0",)}


def build_wheel(directory: Path, name: str, version: str) -> None:
    """A minimal valid wheel: one module, and the dist-info METADATA, WHEEL and RECORD."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": f'__version__ = "{version}"\n',
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    with zipfile.ZipFile(directory / f"{name}-{version}-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{path},sha256={digest},{len(data)}")
            wheel.writestr(path, data)
        record.append(f"{dist_info}/RECORD,,")
        wheel.writestr(f"{dist_info}/RECORD", "\n".join(record) + "\n")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    directory = tmp_path_factory.mktemp("wheels")
    for name, versions in RELEASES.items():
        for version in versions:
            build_wheel(directory, name, version)
    return directory


def resolve(requirements: Path, wheels: Path) -> dict:
    """name -> version pip would install, resolved with no index at all."""
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--no-index",
         "--find-links", str(wheels), "--quiet", "--report", "-", "-r", str(requirements)],
        capture_output=True, text=True, timeout=60, cwd=requirements.parent,
        env={"PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1", "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    return {item["metadata"]["name"]: item["metadata"]["version"] for item in report["install"]}


@pytest.mark.parametrize(
    "before",
    [
        "assemblyai==0.30.0\nwebsockets==12.0\nrich\n",
        "assemblyai>=0.21.0,<0.40  # capped\nwebsockets~=10.4\n",
        'assemblyai[extras] ; python_version >= "3"\nwebsockets<13\n',
        "-r base.txt\n",
    ],
    ids=["exact-pins", "capped", "unpinned-and-upper", "included"],
)
def test_rewritten_requirements_resolve_offline_to_releases_the_code_works_with(tmp_path, wheels, before):
    (tmp_path / "base.txt").write_text("assemblyai==0.21.0\nwebsockets==10.4\n")
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(before)
    for path in (requirements, tmp_path / "base.txt"):
        update = read_manifest(path, path.read_text(), wanted())
        path.write_text(update.text)
    chosen = resolve(requirements, wheels)
    assert chosen["assemblyai"] == "0.64.16" and chosen["websockets"] == "14.0"


def test_the_original_requirements_resolve_to_releases_that_break_it(tmp_path, wheels):
    """Without the rewrite the same resolution picks what the migrated code cannot run on."""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("assemblyai==0.30.0\nwebsockets<13\n")
    assert resolve(requirements, wheels) == {"assemblyai": "0.30.0", "websockets": "12.0"}
