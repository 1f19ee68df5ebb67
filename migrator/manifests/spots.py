"""Where a manifest names a wanted library, and the edit that brings its constraint up to date.

Every text format is read into :class:`Spot` s, the exact character span of one
requirement's constraint in the file; :func:`apply` decides each one
(:func:`migrator.manifests.pins.decide`) and replaces only those spans, so comments, order,
quoting, extras, markers and line endings stay byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from migrator.manifests.pep508 import locate
from migrator.manifests.pins import PEP440, decide


@dataclass(frozen=True)
class Spot:
    """One requirement in a manifest: the package it names and where its constraint is."""

    key: str
    name: str
    start: int
    end: int
    dialect: str = PEP440
    #: Installed from a URL or path: no constraint to change.
    url: bool = False
    #: Pinned with ``--hash``: a new constraint needs new hashes, so it is only noted.
    hashed: bool = False


@dataclass
class Update:
    """What became of one manifest: its new text, the wanted packages it names, notes
    ``(offset, message)`` and the other manifests it pulls in (``-r``/``-c``)."""

    text: str
    listed: set = field(default_factory=set)
    notes: list = field(default_factory=list)
    includes: list = field(default_factory=list)


def requirement_spot(text: str, base: int = 0, **flags) -> Optional[Spot]:
    """The spot of a PEP 508 requirement string found at offset ``base`` of a manifest."""
    located = locate(text)
    if located is None:
        return None
    return Spot(located.key, located.name, base + located.start, base + located.end, url=located.url, **flags)


def apply(text: str, spots: list, wanted: dict, includes=()) -> Update:
    """The manifest with every wanted spot decided and replaced."""
    update = Update(text, includes=list(includes))
    replacements = []
    for spot in spots:
        need = wanted.get(spot.key)
        if need is None:
            continue
        update.listed.add(spot.key)
        if spot.url:
            update.notes.append(
                (
                    spot.start,
                    f"{spot.name} is installed from a URL or path: check that it gives "
                    f"{need.package}>={need.minimum}; {need.reason}",
                )
            )
            continue
        decision = decide(text[spot.start : spot.end], need, spot.dialect, spot.name)
        if decision.new is None:
            if decision.message:
                update.notes.append((spot.start, decision.message))
            continue
        if spot.hashed:
            update.notes.append(
                (
                    spot.start,
                    f"{decision.message}; this requirement is pinned with --hash, so it is left "
                    "as written: regenerate it (pip-compile --generate-hashes) with the new constraint",
                )
            )
            continue
        replacements.append((spot.start, spot.end, decision.new))
        update.notes.append((spot.start, decision.message))
    result = text
    for start, end, new in sorted(replacements, reverse=True):
        result = result[:start] + new + result[end:]
    update.text = result
    return update


def line_column(text: str, offset: int) -> tuple:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
