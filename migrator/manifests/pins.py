"""Deciding a requirement's new specifier: the smallest change that lets only releases the
migrated code works with in.

A requirement is read with ``packaging`` and changed clause by clause, in the order and
spelling it was written: a lower bound below the one needed is replaced by it (``>=0.21.0``
and ``==0.30.0`` both become ``>=0.64.16``), an upper bound that still allows the needed
release stays, one that forbids it is raised to the next release semantic versioning lets
break (``<0.40`` -> ``<0.65``, ``<14`` -> ``<15``) with a note, exclusions stay. A requirement
that already allows only good releases is left alone, and so is an unpinned one unless the
environments the v2 code ran in hold releases that break the migrated code
(:attr:`migrator.context.Need.pin_unpinned`).

Three ways of writing a constraint are read: PEP 440 (requirement files, ``pyproject.toml``,
``setup.cfg``, ``setup.py``, ``Pipfile``, pip), Poetry's (``^0.30``, ``~0.30``, a bare
version, ``*``), and conda's (``=0.30`` meaning ``0.30.*``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

PEP440, POETRY, CONDA = "pep440", "poetry", "conda"


@dataclass
class Wanted:
    """What the migrated files under one manifest need of one library (their needs merged)."""

    package: str
    minimum: Version
    reason: str
    pin_unpinned: bool = False
    #: The migrated files that need it.
    needed_by: list = field(default_factory=list)

    @property
    def key(self) -> str:
        return canonicalize_name(self.package)

    def merge(self, need, path: str) -> None:
        minimum = Version(need.specifier[2:])
        if minimum > self.minimum:
            self.minimum, self.reason = minimum, need.reason
        self.pin_unpinned = self.pin_unpinned or need.pin_unpinned
        if path not in self.needed_by:
            self.needed_by.append(path)

    @classmethod
    def of(cls, need, path: str) -> "Wanted":
        return cls(need.package, Version(need.specifier[2:]), need.reason, need.pin_unpinned, [path])


@dataclass(frozen=True)
class Decision:
    """The new constraint text (None: leave it as written) and what the user should know."""

    new: Optional[str] = None
    message: Optional[str] = None


class Unreadable(ValueError):
    """A constraint this module does not change (``||`` alternatives, build strings...)."""


def decide(written: str, wanted: Wanted, dialect: str = PEP440, name: Optional[str] = None) -> Decision:
    """What to make of the constraint ``written`` (as the manifest spells it, without the name)
    for ``wanted``; ``name`` is the package as the manifest spells it (for messages)."""
    name = name or wanted.package
    text = written.strip()
    spaced = " " if dialect == POETRY else ""
    shown = f"{name}{spaced}{text}" if text else name
    try:
        if dialect == POETRY and text[:1] in ("^", "~") and text[:2] != "~=":
            return _decide_poetry_range(text, wanted, name, shown)
        clauses = _clauses(text, dialect)
    except (Unreadable, InvalidSpecifier, InvalidVersion):
        return Decision(
            None,
            f"{shown} left as written (not a constraint migrate-stt can change): "
            f"the migrated code needs {wanted.package}>={wanted.minimum}; {wanted.reason}",
        )
    if not clauses:
        if not wanted.pin_unpinned:
            return Decision()
        new = f">={wanted.minimum}"
        return Decision(
            new,
            f"{name} (unpinned) -> {name}{new}: {wanted.reason}; unpinned, it is satisfied by the older "
            "release an environment where the v2 code ran already holds",
        )
    if allows_only(clauses, wanted.minimum):
        return Decision()
    new_clauses, raised = _raised(clauses, wanted.minimum)
    new = (", " if ", " in text or dialect == POETRY else ",").join(new_clauses)
    assert allows_only([Specifier(clause) for clause in new_clauses], wanted.minimum), (text, new)
    message = f"{shown} -> {name}{spaced}{new}: {wanted.reason}"
    if raised:
        message += (
            f"; the upper bound {', '.join(raised)} forbade {wanted.minimum} and is raised: "
            "check the release notes in between"
        )
    return Decision(new, message)


def allows_only(clauses: list, minimum: Version) -> bool:
    """Whether every release the clauses (all of them at once) allow is ``minimum`` or later."""
    return any(_lower(clause) is not None and _lower(clause) >= minimum for clause in clauses)


def _lower(clause: Specifier) -> Optional[Version]:
    """The least release a clause allows, when it sets a lower bound."""
    if clause.operator in (">=", ">", "~=", "==", "==="):
        version = clause.version[:-2] if clause.version.endswith(".*") else clause.version
        try:
            return Version(version)
        except InvalidVersion:  # ``===`` with something that is not a version
            return None
    return None


def semver_cap(version: Version) -> Version:
    """The next release semantic versioning allows to break what ``version`` offers:
    the next major, or the next minor of a 0.x release."""
    major, minor = (version.release + (0,))[:2]
    return Version(f"{major + 1}") if major > 0 else Version(f"0.{minor + 1}")


def _prefix_end(prefix: str) -> Version:
    """The first release past ``P.*`` (``0.64.*`` -> ``0.65``)."""
    release = Version(prefix).release
    return Version(".".join(map(str, (*release[:-1], release[-1] + 1))))


def _raised(clauses: list, minimum: Version) -> tuple:
    """(new clauses as text, the upper bounds that had to be raised)."""
    floor = f">={minimum}"
    result: list = []
    raised: list = []

    def cap(limit: Optional[Version], original: Specifier) -> None:
        if limit is not None and limit > minimum:
            result.append(f"<{limit}")
        else:
            raised.append(str(original))
            result.append(f"<{semver_cap(minimum)}")

    for clause in clauses:
        operator, version = clause.operator, clause.version
        if operator in ("<", "<="):
            if clause.contains(minimum, prereleases=True):
                result.append(str(clause))
            else:
                cap(None, clause)
        elif operator == "!=":
            result.append(str(clause))
        elif operator == "~=":
            result.append(floor)
            cap(_prefix_end(".".join(map(str, Version(version).release[:-1]))), clause)
        elif operator == "==" and version.endswith(".*"):
            result.append(floor)
            cap(_prefix_end(version[:-2]), clause)
        else:  # a lower bound or an exact pin below the minimum
            result.append(floor)
    result = list(dict.fromkeys(result))
    if floor not in result:
        result.insert(0, floor)
    return result, raised


def _clauses(text: str, dialect: str) -> list:
    """The clauses of a constraint, in the order written, each a ``packaging`` Specifier."""
    if text in ("", "*"):
        return []
    if "|" in text:
        raise Unreadable(text)
    clauses = []
    for piece in text.split(","):
        piece = piece.strip()
        if dialect == POETRY and piece[:1].isdigit():
            piece = f"=={piece}"  # Poetry: a bare version is an exact one
        elif dialect == CONDA:
            if " " in piece:
                raise Unreadable(text)  # a build string
            if piece[:1].isdigit() or (piece[:1] == "=" and piece[:2] != "=="):
                bare = piece.lstrip("=")
                piece = f"=={bare}" if bare.endswith("*") else f"=={bare}.*"  # conda's fuzzy =
        clauses.append(Specifier(piece))
    SpecifierSet(",".join(str(clause) for clause in clauses))
    return clauses


def _poetry_upper(operator: str, version: Version) -> Version:
    release = version.release
    if operator == "^":
        index = next((i for i, part in enumerate(release) if part != 0), len(release) - 1)
    else:  # ~: the minor, or the major when only one part is given
        index = 1 if len(release) > 1 else 0
    bumped = (*release[:index], release[index] + 1)
    return Version(".".join(map(str, bumped)))


def _decide_poetry_range(text: str, wanted: Wanted, name: str, shown: str) -> Decision:
    """``^V``/``~V``: a new lower end with the same operator, its upper end following."""
    if "," in text:
        raise Unreadable(text)
    operator, version = text[0], Version(text[1:].strip())
    if version >= wanted.minimum:
        return Decision()
    new = f"{operator}{wanted.minimum}"
    message = f"{shown} -> {name} {new}: {wanted.reason}"
    if _poetry_upper(operator, version) <= wanted.minimum:
        message += (
            f"; {text} allowed only releases below {_poetry_upper(operator, version)}, so its upper end "
            f"is raised to {_poetry_upper(operator, wanted.minimum)}: check the release notes in between"
        )
    return Decision(new, message)
