"""Each manifest kind: exact text before and after, only the constraint changed, and the
cases left alone."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from migrator.manifests import ManifestError, read_manifest
from migrator.manifests.spots import line_column

from .helpers import SDK_NEED, SDK_REASON, UNPINNED, WEBSOCKETS_REASON, wanted


def edit(name: str, before: str, *needs) -> tuple:
    before = textwrap.dedent(before).lstrip("\n")
    update = read_manifest(Path(name), before, wanted(*needs))
    notes = [(*line_column(before, offset), message) for offset, message in update.notes]
    return update.text, sorted(notes)


CASES = {
    "requirements.txt": (
        """
        # runtime
        AssemblyAI[extras] >= 0.21.0 ; python_version >= "3.8"  # the SDK
        websockets==10.4
        pyaudio>=0.2.13
        -r more.txt
        """,
        """
        # runtime
        AssemblyAI[extras] >=0.64.16 ; python_version >= "3.8"  # the SDK
        websockets>=14
        pyaudio>=0.2.13
        -r more.txt
        """,
    ),
    "pyproject.toml": (
        """
        [project]
        name = "demo"
        dependencies = [
            "assemblyai>=0.21.0",  # the SDK
            'websockets (==12.0)',
            "rich",
        ]

        [project.optional-dependencies]
        mic = ["pyaudio", "assemblyai[extras]>=0.30,<0.40; sys_platform != 'win32'"]
        """,
        """
        [project]
        name = "demo"
        dependencies = [
            "assemblyai>=0.64.16",  # the SDK
            'websockets (>=14)',
            "rich",
        ]

        [project.optional-dependencies]
        mic = ["pyaudio", "assemblyai[extras]>=0.64.16,<0.65; sys_platform != 'win32'"]
        """,
    ),
    "poetry/pyproject.toml": (
        """
        [tool.poetry.dependencies]
        python = "^3.9"
        assemblyai = "^0.30.0"   # pinned for the v2 API
        websockets = { version = "~12.0", optional = true }

        [tool.poetry.group.dev.dependencies]
        pytest = "*"
        """,
        """
        [tool.poetry.dependencies]
        python = "^3.9"
        assemblyai = "^0.64.16"   # pinned for the v2 API
        websockets = { version = "~14", optional = true }

        [tool.poetry.group.dev.dependencies]
        pytest = "*"
        """,
    ),
    "setup.cfg": (
        """
        [metadata]
        name = demo

        [options]
        packages = find:
        install_requires =
            assemblyai==0.30.0
            # the socket
            websockets>=10,<13
        python_requires = >=3.9

        [options.extras_require]
        mic = pyaudio
        """,
        """
        [metadata]
        name = demo

        [options]
        packages = find:
        install_requires =
            assemblyai>=0.64.16
            # the socket
            websockets>=14,<15
        python_requires = >=3.9

        [options.extras_require]
        mic = pyaudio
        """,
    ),
    "setup.py": (
        """
        from setuptools import setup

        REQUIREMENTS = [
            "assemblyai>=0.21.0",
            'websockets',
        ]

        setup(
            name="demo",
            install_requires=REQUIREMENTS,
            extras_require={"mic": ["pyaudio"]},
        )
        """,
        """
        from setuptools import setup

        REQUIREMENTS = [
            "assemblyai>=0.64.16",
            'websockets>=14',
        ]

        setup(
            name="demo",
            install_requires=REQUIREMENTS,
            extras_require={"mic": ["pyaudio"]},
        )
        """,
    ),
    "Pipfile": (
        """
        [[source]]
        url = "https://pypi.org/simple"
        verify_ssl = true
        name = "pypi"

        [packages]
        assemblyai = "*"
        websockets = {version = "==12.0", extras = []}

        [dev-packages]
        pytest = "*"
        """,
        """
        [[source]]
        url = "https://pypi.org/simple"
        verify_ssl = true
        name = "pypi"

        [packages]
        assemblyai = ">=0.64.16"
        websockets = {version = ">=14", extras = []}

        [dev-packages]
        pytest = "*"
        """,
    ),
    "environment.yml": (
        """
        name: demo
        channels:
          - conda-forge
        dependencies:
          - python=3.11
          - websockets=12.0   # conda's fuzzy pin
          - pip
          - pip:
              - "assemblyai[extras]==0.30.0"
              - pyaudio
        """,
        """
        name: demo
        channels:
          - conda-forge
        dependencies:
          - python=3.11
          - websockets>=14,<15   # conda's fuzzy pin
          - pip
          - pip:
              - "assemblyai[extras]>=0.64.16"
              - pyaudio
        """,
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_only_the_constraint_changes(name):
    before, after = CASES[name]
    text, notes = edit(Path(name).name, before)
    assert text == textwrap.dedent(after).lstrip("\n")
    assert notes and all("->" in message for _, _, message in notes)


def test_requirements_notes_are_at_the_constraint():
    _, notes = edit("requirements.txt", CASES["requirements.txt"][0])
    assert notes == [
        (2, 20, f"AssemblyAI>= 0.21.0 -> AssemblyAI>=0.64.16: {SDK_REASON}"),
        (3, 11, f"websockets==10.4 -> websockets>=14: {WEBSOCKETS_REASON}"),
    ]


def test_unpinned_setup_py_name_gets_the_bound_and_says_so():
    _, notes = edit("setup.py", CASES["setup.py"][0])
    assert (5, 16, f"websockets (unpinned) -> websockets>=14: {WEBSOCKETS_REASON}{UNPINNED}") in notes


def test_crlf_and_no_final_newline_are_kept():
    before = "assemblyai==0.30.0\r\nrich\r\nwebsockets"
    update = read_manifest(Path("requirements.txt"), before, wanted())
    assert update.text == "assemblyai>=0.64.16\r\nrich\r\nwebsockets>=14"


@pytest.mark.parametrize(
    "name, text",
    [
        ("requirements.txt", "assemblyai>=0.65\nwebsockets>=14.1\n"),
        ("requirements.txt", "rich\n# assemblyai==0.30 is commented out\n"),
        ("requirements.txt", "-e .\n--index-url https://example.org/simple\n./local-package\n"),
        ("pyproject.toml", '[project]\nname = "x"\ndependencies = ["assemblyai>=1.0", "websockets>=15"]\n'),
        ("Pipfile", '[packages]\nrich = "*"\n'),
        ("setup.cfg", "[options]\ninstall_requires =\n    assemblyai~=1.2\n"),
    ],
)
def test_left_alone(name, text):
    update = read_manifest(Path(name), text, wanted())
    assert update.text == text and update.notes == []


def test_hash_pinned_and_url_requirements_are_noted_not_changed():
    text = "assemblyai==0.30.0 --hash=sha256:0123\nwebsockets @ https://example.org/websockets-12.0-py3-none-any.whl\n"
    update = read_manifest(Path("requirements.txt"), text, wanted())
    assert update.text == text
    assert [(offset, message.split(":")[0]) for offset, message in update.notes] == [
        (10, "assemblyai==0.30.0 -> assemblyai>=0.64.16"),
        (38, "websockets is installed from a URL or path"),
    ]
    assert "pinned with --hash, so it is left as written" in update.notes[0][1]


def test_requirement_files_report_their_includes():
    update = read_manifest(Path("requirements.txt"), "-r base.txt\n--constraint=pins.txt\nrich\n", wanted())
    assert update.includes == ["base.txt", "pins.txt"]


def test_only_wanted_packages_count_as_listed():
    update = read_manifest(Path("requirements.txt"), "assemblyai>=1\nrich\n", wanted(SDK_NEED))
    assert update.listed == {"assemblyai"}


@pytest.mark.parametrize(
    "name, text",
    [("pyproject.toml", "[project\n"), ("setup.py", "setup(\n"), ("environment.yml", "a: [\n"), ("Pipfile", "= 1")],
)
def test_broken_manifest_is_an_error_with_its_reason(name, text):
    with pytest.raises(ManifestError, match="cannot parse"):
        read_manifest(Path(name), text, wanted())
