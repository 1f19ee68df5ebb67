"""STT030: the requirement that governs a migrated file allows only releases its new code works with.

Some rewrites need a newer library than the v2 code ran on: the SDK's ``StreamingClient`` and
a ``disconnect(terminate=True)`` that waits for the last turn need ``assemblyai>=0.64.16``
(every release the v2 code ran on is older than 0.64.3, when ``RealtimeTranscriber`` was
deleted), and ``websockets.connect(additional_headers=...)`` needs ``websockets>=14``. The rules
that make those rewrites record the need; this rule then finds the nearest dependency
manifest above the migrated file that names the library (up to the repository root) and
changes only its constraint: ``requirements*.txt`` (and the files they include),
``pyproject.toml`` (``[project]`` dependencies, optional dependencies and dependency groups,
Poetry's dependencies with ``^``/``~``), ``setup.cfg`` ``install_requires``, ``setup.py``'s
literal ``install_requires``, ``Pipfile`` and conda's ``environment.yml`` (with its ``pip:``
list).

A constraint that already allows only good releases is left alone. A lower bound or exact
pin below the need becomes the need (``==0.30.0`` -> ``>=0.64.16``); an upper bound that
forbids it is raised to the next release semantic versioning lets break, with a note; an
unpinned name gets the bound only when releases below it break the migrated code and are
what the v2 code's environments hold (``assemblyai``, ``websockets``), with a note saying so.
A library no manifest names is noted on the nearest manifest, which is left as it is;
hash-pinned and URL requirements are noted, not changed. The rule acts on what the other
rules of the same run migrate; ``--ignore STT030`` leaves every manifest alone.
"""

from __future__ import annotations

from migrator.markers import RULE_MARKERS
from migrator.rules.base import Rule


class DependencyPins(Rule):
    code = "STT030"
    name = "dependency-pins"
    summary = "the requirement governing migrated code (requirements, pyproject, setup, Pipfile, conda) allows only releases it works with"
    markers = RULE_MARKERS[code]
    edits_python = False
    example_before = """
        # requirements.txt
        assemblyai[extras]>=0.21.0  # the SDK
        websockets==12.0
        pyaudio
    """
    example_after = """
        # requirements.txt
        assemblyai[extras]>=0.64.16  # the SDK
        websockets>=14
        pyaudio
    """

    @classmethod
    def applies_to(cls, source: bytes) -> bool:
        return False  # it edits manifests (migrator.manifests), never a Python file
