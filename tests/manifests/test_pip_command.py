"""Notebook ``pip install`` lines: the same constraint changes, word by word, shell-safe."""

from __future__ import annotations

import pytest

from migrator.manifests.pip_command import update_pip_command

from .helpers import wanted


@pytest.mark.parametrize(
    "line, after",
    [
        ("!pip install assemblyai==0.30.0 websockets", '!pip install "assemblyai>=0.64.16" "websockets>=14"'),
        ("%pip install -q 'assemblyai[extras]>=0.21' pyaudio", "%pip install -q 'assemblyai[extras]>=0.64.16' pyaudio"),
        ("!{sys.executable} -m pip install assemblyai==0.30 > /dev/null",
         '!{sys.executable} -m pip install "assemblyai>=0.64.16" > /dev/null'),
        ("!pip install -U assemblyai", "!pip install -U assemblyai"),  # --upgrade installs the newest anyway
        ("!pip install -r requirements.txt", "!pip install -r requirements.txt"),
        ("!brew install portaudio", "!brew install portaudio"),
        ('%pip install "assemblyai>=0.70"', '%pip install "assemblyai>=0.70"'),
    ],
)  # fmt: skip
def test_pip_install_line(line, after):
    update = update_pip_command(line, wanted())
    assert update.text == after
    assert update.changed == (line != after)


def test_notes_are_at_the_word():
    update = update_pip_command("!pip install assemblyai==0.30.0", wanted())
    assert update.listed == {"assemblyai"}
    assert [(column, message.split(":")[0]) for column, message in update.notes] == [
        (13, "assemblyai==0.30.0 -> assemblyai>=0.64.16")
    ]
