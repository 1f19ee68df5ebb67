"""One PEP 508 requirement string (``assemblyai[extras]>=0.21.0; python_version >= "3.8"``):
which package it names and where its specifier is, so that only the specifier is replaced
and the name, extras, marker and spacing stay as written.

``packaging.requirements.Requirement`` reads the string; the specifier's place is the text
between the name (with its extras) and the marker, checked to read back as the very
specifier ``packaging`` found.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from migrator.manifests.pins import PEP440, Decision, decide

_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


@dataclass(frozen=True)
class Located:
    """A requirement string read: its package (canonical and as written) and the span of its
    specifier (empty, right after the name and extras, when it has none)."""

    key: str
    name: str
    start: int
    end: int
    url: bool = False


def locate(text: str) -> Optional[Located]:
    """The requirement in ``text``, or None when it is not one (an option, a path, a URL alone)."""
    try:
        requirement = Requirement(text)
    except InvalidRequirement:
        return None
    key = canonicalize_name(requirement.name)
    if requirement.url:
        return Located(key, requirement.name, 0, 0, url=True)
    index = len(text) - len(text.lstrip())
    name_start = index
    while index < len(text) and text[index] in _NAME_CHARACTERS:
        index += 1
    name = text[name_start:index]
    while index < len(text) and text[index].isspace():
        index += 1
    if text.startswith("[", index):
        index = text.index("]", index) + 1
    start = index
    marker = text.find(";", start)
    end = len(text) if marker < 0 else marker
    region = text[start:end]
    stripped = region.strip()
    if stripped.startswith("(") and stripped.endswith(")"):
        start = start + region.index("(") + 1
        end = start + len(stripped) - 2
    else:
        if not stripped:  # no specifier: insert right after the name and extras
            start = end = start - (len(text[:start]) - len(text[:start].rstrip()))
            return Located(key, name, start, end)
        start += len(region) - len(region.lstrip())
        end = start + len(stripped)
    try:
        if SpecifierSet(text[start:end]) != requirement.specifier:
            return None
    except InvalidSpecifier:
        return None
    return Located(key, name, start, end)


def decide_requirement(text: str, wanted: dict) -> Optional[tuple]:
    """(Located, Decision, the new text) for a requirement string naming a wanted package
    (``wanted``: canonical name -> :class:`~migrator.manifests.pins.Wanted`), else None."""
    located = locate(text)
    if located is None or located.key not in wanted:
        return None
    need = wanted[located.key]
    if located.url:
        decision = Decision(
            None,
            f"{located.name} is installed from a URL: check that it gives {need.package}>={need.minimum}; "
            f"{need.reason}",
        )
        return located, decision, text
    decision = decide(text[located.start : located.end], need, PEP440, located.name)
    if decision.new is None:
        return located, decision, text
    return located, decision, text[: located.start] + decision.new + text[located.end :]
