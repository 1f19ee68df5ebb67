"""The repository stands alone: no file points at documents kept outside it.

The protocol facts the code relies on live in ``docs/protocol.md``; a docstring or comment
that cites a document the repository does not hold (or a path up and out of it, or an
absolute path on one machine) leaves the reader with a reference they cannot follow. Tracked files and new files not yet added
(but not ignored) are both checked, so the test fails before such a reference is committed.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL_DOC = ROOT / "docs" / "protocol.md"

#: A document a file cites by name (``docs/protocol.md``, ``README.md``): it must be one of
#: the repository's own, found from the repository root or beside the citing file.
DOC_REFERENCE = re.compile(r"(?<![\w./-])((?:\.\./)*[\w./-]*[\w-]\.md)\b")
#: A path on one machine, and a relative path going up (which must stay inside the repository).
ABSOLUTE_PATH = re.compile(r"(?<![\w.])/(?:work|home|tmp|root)/\w")
UPWARD_PATH = re.compile(r"(?<![\w.])(?:\.\./)+[\w./-]*")


def outside_references(name: str, line: str, known: set) -> List[str]:
    """What in ``line`` of file ``name`` points outside the repository."""
    folder = Path(name).parent
    found = [match.group(0) for match in ABSOLUTE_PATH.finditer(line)]
    found += [
        match.group(0)
        for match in UPWARD_PATH.finditer(line)
        if os.path.normpath(folder / match.group(0)).startswith("..")
    ]
    for match in DOC_REFERENCE.finditer(line):
        cited = match.group(1)
        beside = os.path.normpath(folder / cited)
        if os.path.normpath(cited) not in known and beside not in known:
            found.append(cited)
    return found


#: ``docs/protocol.md`` §4.1, ``docs/protocol.md`` §7.4, §7.5, docs/protocol.md §4.1-4.2 ...
SECTION_REFERENCE = re.compile(r"docs/protocol\.md`*\s*((?:§[\d.]+(?:-[\d.]+)?(?:,\s*)?)+)")
SECTION_HEADING = re.compile(r"^#{2,3} (\d+(?:\.\d+)?)\.?\s", re.MULTILINE)


def repository_files() -> List[Path]:
    """Tracked files plus untracked files that are not ignored."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git work tree")
    paths = [ROOT / name for name in listed.decode("utf-8").split("\0") if name]
    return [path for path in paths if path.is_file()]


def text_of(path: Path):
    """The file's text, or None for a binary file."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def texts():
    this_file = Path(__file__).resolve()
    for path in repository_files():
        if path.resolve() == this_file:
            continue
        text = text_of(path)
        if text is not None:
            yield path.relative_to(ROOT).as_posix(), text


def test_protocol_doc_exists():
    assert PROTOCOL_DOC.is_file(), "docs/protocol.md is missing"
    assert SECTION_HEADING.search(PROTOCOL_DOC.read_text(encoding="utf-8"))


def test_no_file_points_outside_the_repository():
    files = list(texts())
    known = {name for name, _ in files} | {Path(__file__).resolve().relative_to(ROOT).as_posix()}
    found = []
    for name, text in files:
        for number, line in enumerate(text.splitlines(), start=1):
            for reference in outside_references(name, line, known):
                found.append(f"{name}:{number}: {reference}: {line.strip()[:120]}")
    assert not found, "references to documents outside the repository:\n" + "\n".join(found)


def test_protocol_doc_sections_cited_exist():
    sections = set(SECTION_HEADING.findall(PROTOCOL_DOC.read_text(encoding="utf-8")))
    missing = []
    for name, text in texts():
        for match in SECTION_REFERENCE.finditer(text):
            for cited in re.findall(r"[\d.]+", match.group(1)):
                cited = cited.strip(".")
                if cited and cited not in sections:
                    line = text.count("\n", 0, match.start()) + 1
                    missing.append(f"{name}:{line}: docs/protocol.md has no section {cited}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize(
    "line",
    [
        "see ../notes/facts.md",
        "(``client-notes.md`` §4.1)",
        "(protocol.md §2.7)",
        "Details: design.md",
        "/work/elsewhere/",
        "/home/someone/plan.txt",
        "notes/protocol.md",
    ],
)
def test_outside_references_are_recognised(line):
    assert outside_references("migrator/engine/core.py", line, {"docs/protocol.md", "README.md"})


@pytest.mark.parametrize(
    "line",
    [
        "(``docs/protocol.md`` §6.2)",
        "docs/protocol.md §4.5",
        "readme = README.md",
        "the official cookbook",
        "shared machine",
        "e.g. .../v2/realtime/wsx",
    ],
)
def test_repository_references_are_allowed(line):
    assert not outside_references("migrator/engine/core.py", line, {"docs/protocol.md", "README.md"})
