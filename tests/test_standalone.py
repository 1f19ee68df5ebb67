"""The repository stands alone: no file points at notes kept outside it.

The protocol facts the code relies on live in ``docs/protocol.md``; a docstring or comment
that cites a research note beside the repository (or an absolute path on one machine) leaves
the reader with a reference they cannot follow. Tracked files and new files not yet added
(but not ignored) are both checked, so the test fails before such a reference is committed.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL_DOC = ROOT / "docs" / "protocol.md"

#: References to material outside the repository. ``protocol.md`` is allowed only as
#: ``docs/protocol.md``. The patterns are written so that this file does not match them.
OUTSIDE_REFERENCES = {
    "a path to the shared notes folder": re.compile(r"(?:\.\./|/work/)shared\b|\bshared/protocol"),
    "protocol.md other than docs/protocol.md": re.compile(r"(?<![\w-])(?<!docs/)protocol\.md"),
    "the SDK and clients note": re.compile(r"sdk-and-clients"),
    "the codemod anchors note": re.compile(r"anchors-codemod"),
    "the real-world v2 patterns note": re.compile(r"real-world-v2-patterns"),
    "the style note": re.compile(r"(?<![\w/-])style\.md"),
    "the scraped cookbook seed": re.compile(r"seed-cookbook"),
}

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
    found = []
    for name, text in texts():
        for number, line in enumerate(text.splitlines(), start=1):
            for what, pattern in OUTSIDE_REFERENCES.items():
                if pattern.search(line):
                    found.append(f"{name}:{number}: {what}: {line.strip()[:120]}")
    assert not found, "references to notes outside the repository:\n" + "\n".join(found)


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
        "see ../shared/protocol.md",
        "(``sdk-and-clients.md`` §4.1)",
        "(protocol.md §2.7)",
        "anchors-codemod.md §4",
        "real-world-v2-patterns.md (c)",
        "Details: style.md",
        "seed-cookbook-migration-v2-to-v3.txt",
        "/work/shared/",
        "notes/protocol.md",
    ],
)
def test_outside_references_are_recognised(line):
    assert any(pattern.search(line) for pattern in OUTSIDE_REFERENCES.values())


@pytest.mark.parametrize(
    "line",
    ["(``docs/protocol.md`` §6.2)", "docs/protocol.md §4.5", "the official cookbook", "shared machine"],
)
def test_repository_references_are_allowed(line):
    assert not any(pattern.search(line) for pattern in OUTSIDE_REFERENCES.values())
