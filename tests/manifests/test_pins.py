"""The constraint decision alone: every shape of constraint, exactly what it becomes."""

from __future__ import annotations

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from migrator.manifests.pins import CONDA, PEP440, POETRY, Wanted, decide, semver_cap

SDK = Wanted("assemblyai", Version("0.64.16"), "R", pin_unpinned=True)
QUIET = Wanted("websockets", Version("13"), "R", pin_unpinned=False)


@pytest.mark.parametrize(
    "written, dialect, new",
    [
        (">=0.21.0", PEP440, ">=0.64.16"),
        ("==0.30.0", PEP440, ">=0.64.16"),
        (">0.30", PEP440, ">=0.64.16"),
        ("", PEP440, ">=0.64.16"),
        (">=0.21, <1", PEP440, ">=0.64.16, <1"),  # an upper bound that allows it stays
        (">=0.21,<0.40", PEP440, ">=0.64.16,<0.65"),  # one that forbids it is raised
        ("<0.64.16", PEP440, ">=0.64.16,<0.65"),
        ("<=0.64.16", PEP440, ">=0.64.16,<=0.64.16"),
        ("~=0.30", PEP440, ">=0.64.16,<1"),
        ("~=0.30.0", PEP440, ">=0.64.16,<0.65"),
        ("==0.64.*", PEP440, ">=0.64.16,<0.65"),
        ("==0.30.*", PEP440, ">=0.64.16,<0.65"),
        ("<1", PEP440, ">=0.64.16,<1"),
        ("!=0.50,>=0.2", PEP440, "!=0.50,>=0.64.16"),
        ("^0.30.0", POETRY, "^0.64.16"),
        ("~0.30", POETRY, "~0.64.16"),
        ("0.30.0", POETRY, ">=0.64.16"),
        ("*", POETRY, ">=0.64.16"),
        (">=0.21,<0.4", POETRY, ">=0.64.16, <0.65"),
        ("=0.30", CONDA, ">=0.64.16,<0.65"),
        (">=0.21", CONDA, ">=0.64.16"),
        ("==0.30.0", CONDA, ">=0.64.16"),
    ],
)
def test_constraint_below_the_need_is_brought_up(written, dialect, new):
    decision = decide(written, SDK, dialect)
    assert decision.new == new
    if dialect != POETRY or new[0] != written[:1]:
        readable = new if dialect != POETRY else new.replace(" ", "")
        allowed = SpecifierSet(readable)
        assert Version("0.64.16") in allowed and Version("0.64.15") not in allowed


@pytest.mark.parametrize(
    "written, dialect",
    [(">=0.65", PEP440), ("==0.70.1", PEP440), (">=0.64.16,<2", PEP440), ("~=1.2", PEP440), ("^1.0", POETRY),
     ("~0.64.16", POETRY), ("==1.*", PEP440), (">=0.64.16", CONDA)],
)  # fmt: skip
def test_constraint_that_allows_only_good_releases_is_left_alone(written, dialect):
    assert decide(written, SDK, dialect).new is None
    assert decide(written, SDK, dialect).message is None


def test_unpinned_stays_unpinned_unless_older_releases_break_the_code():
    assert decide("", QUIET).new is None and decide("", QUIET).message is None
    assert decide("*", QUIET, POETRY).new is None
    decision = decide("", SDK)
    assert decision.message == (
        "assemblyai (unpinned) -> assemblyai>=0.64.16: R; unpinned, it is satisfied by the older release "
        "an environment where the v2 code ran already holds"
    )


def test_raised_upper_bound_is_said():
    assert decide(">=0.21,<0.40", SDK).message == (
        "assemblyai>=0.21,<0.40 -> assemblyai>=0.64.16,<0.65: R; the upper bound <0.40 forbade 0.64.16 and "
        "is raised: check the release notes in between"
    )
    assert decide("^0.30.0", SDK, POETRY).message == (
        "assemblyai ^0.30.0 -> assemblyai ^0.64.16: R; ^0.30.0 allowed only releases below 0.31, so its upper "
        "end is raised to 0.65: check the release notes in between"
    )
    assert decide(">=0.21, <1", SDK).message == "assemblyai>=0.21, <1 -> assemblyai>=0.64.16, <1: R"


@pytest.mark.parametrize("written, dialect", [("==0.3 || >1", POETRY), ("0.30 py_0", CONDA), ("0.30 | 0.31", CONDA)])
def test_constraint_that_cannot_be_read_is_left_with_a_note(written, dialect):
    decision = decide(written, SDK, dialect)
    assert decision.new is None
    assert "left as written" in decision.message and "assemblyai>=0.64.16" in decision.message


def test_semver_cap():
    assert semver_cap(Version("0.64.16")) == Version("0.65")
    assert semver_cap(Version("14")) == Version("15")
    assert semver_cap(Version("1.8.2")) == Version("2")
