"""Finding files: the git way (``ls-files`` + ``git grep``) must find exactly what the walk
finds, in the same order, and pick the same candidates; the walk is the reference."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from migrator import files
from migrator.files import discover, find
from migrator.markers import selected_markers

MARKERS = selected_markers()
V2 = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'
PLAIN = "print('hello')\n"

#: What the walk finds in the tree below with ``--exclude 'gen_*.py' --exclude 'build_out'``,
#: in order, and which of those mention a marker.
EXPECTED_FILES = [
    "café.py",
    "modified.py",
    "symlink.py",
    "tracked.py",
    "tracked_ignored.py",
    "untracked plain.py",
    "untracked.py",
    "a/x.py",
    "a/b/deep.py",
    "a-b/x.py",
    "ab/x.py",
    "sub dir/ünï code.py",
]
EXPECTED_CANDIDATES = {"modified.py", "symlink.py", "tracked.py", "untracked.py", "café.py", "a/b/deep.py", "ab/x.py"}
EXCLUDES = ("gen_*.py", "build_out")


def git(directory: Path, *arguments: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *arguments],
        cwd=directory,
        check=True,
        capture_output=True,
        timeout=60,
    )


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def tree(tmp_path):
    """A checkout with every kind of file the two ways could disagree on."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q")
    for relative, text in {
        "tracked.py": V2,
        "modified.py": PLAIN,
        "deleted.py": V2,
        "tracked_ignored.py": PLAIN,
        "a/x.py": PLAIN,
        "a/b/deep.py": "from assemblyai import RealtimeTranscriber\n",
    }.items():
        write(root, relative, text)
    git(root, "add", ".")
    git(root, "commit", "-qm", "tracked files")
    (root / "modified.py").write_text(V2)  # changed, not staged: the working tree counts
    (root / "deleted.py").unlink()
    write(root, ".gitignore", "ignored.py\nignored_dir/\ntracked_ignored.py\n")
    for relative, text in {
        "untracked.py": V2,
        "untracked plain.py": PLAIN,
        "café.py": V2,
        "sub dir/ünï code.py": PLAIN,
        "ab/x.py": V2,
        "a-b/x.py": PLAIN,
        "ignored.py": V2,
        "ignored_dir/y.py": V2,
        "env/lib/site.py": V2,
        "node_modules/pkg/z.py": V2,
        "gen_client.py": V2,
        "build_out/w.py": V2,
        "notes.txt": V2,
        "target.txt": V2,
    }.items():
        write(root, relative, text)
    write(root, "env/pyvenv.cfg", "home = /usr/bin\n")
    (root / "symlink.py").symlink_to("target.txt")
    return root


def test_git_and_walk_find_the_same_files_and_candidates(tree, monkeypatch):
    monkeypatch.chdir(tree)
    walked = find(["."], EXCLUDES, MARKERS, use_git=False)
    with monkeypatch.context() as patch:
        patch.setattr(files, "_walk", lambda *arguments: pytest.fail("git could answer, yet the tree was walked"))
        by_git = find(["."], EXCLUDES, MARKERS)
    assert walked.files == EXPECTED_FILES
    assert by_git.files == EXPECTED_FILES
    assert walked.candidates == by_git.candidates == EXPECTED_CANDIDATES


def test_paths_are_spelled_as_given(tree, monkeypatch):
    monkeypatch.chdir(tree.parent)
    for argument, prefix in (("repo", "repo/"), ("./repo/", "repo/"), (str(tree), f"{tree}/")):
        expected = [prefix + name for name in EXPECTED_FILES]
        assert find([argument], EXCLUDES, MARKERS).files == expected
        assert find([argument], EXCLUDES, MARKERS, use_git=False).files == expected


def test_a_subdirectory_of_a_checkout(tree, monkeypatch):
    monkeypatch.chdir(tree)
    by_git, walked = find(["a"], (), MARKERS), find(["a"], (), MARKERS, use_git=False)
    assert by_git.files == walked.files == ["a/x.py", "a/b/deep.py"]
    assert by_git.candidates == walked.candidates == {"a/b/deep.py"}


def test_excluding_a_directory_by_its_path(tree, monkeypatch):
    monkeypatch.chdir(tree)
    expected = [
        "café.py",
        "gen_client.py",
        "modified.py",
        "symlink.py",
        "tracked.py",
        "tracked_ignored.py",
        "untracked plain.py",
        "untracked.py",
        "a/x.py",
        "a-b/x.py",
        "ab/x.py",
        "build_out/w.py",
        "sub dir/ünï code.py",
    ]
    for use_git in (True, False):
        assert find(["."], ("a/b",), MARKERS, use_git=use_git).files == expected


def test_outside_git_everything_is_walked_and_read(tree, monkeypatch):
    (tree / ".git").rename(tree / "not-git")
    monkeypatch.chdir(tree)
    found = find(["."], EXCLUDES, MARKERS)
    assert found.files == [
        "café.py",
        "ignored.py",
        "modified.py",
        "symlink.py",
        "tracked.py",
        "tracked_ignored.py",
        "untracked plain.py",
        "untracked.py",
        "a/x.py",
        "a/b/deep.py",
        "a-b/x.py",
        "ab/x.py",
        "ignored_dir/y.py",
        "sub dir/ünï code.py",
    ]
    assert found.candidates == EXPECTED_CANDIDATES | {"ignored.py", "ignored_dir/y.py"}


def test_a_repository_inside_the_checkout_is_walked(tree, monkeypatch):
    write(tree, "inner/v2.py", V2)
    git(tree / "inner", "init", "-q")
    monkeypatch.chdir(tree)
    by_git, walked = find(["."], EXCLUDES, MARKERS), find(["."], EXCLUDES, MARKERS, use_git=False)
    assert by_git.files == walked.files == [*EXPECTED_FILES[:-1], "inner/v2.py", "sub dir/ünï code.py"]
    assert by_git.candidates == walked.candidates == EXPECTED_CANDIDATES | {"inner/v2.py"}


def test_files_named_explicitly_are_kept_and_read(tree, monkeypatch):
    monkeypatch.chdir(tree)
    found = find(["notes.txt", "ignored.py", "./gen_client.py", "missing.py", "untracked plain.py"], EXCLUDES, MARKERS)
    assert found.files == ["notes.txt", "ignored.py", "gen_client.py", "missing.py", "untracked plain.py"]
    # missing.py cannot be read: it stays a candidate so that migrating it reports why.
    assert found.candidates == {"notes.txt", "ignored.py", "gen_client.py", "missing.py"}


def test_without_markers_every_file_is_a_candidate(tree, monkeypatch):
    monkeypatch.chdir(tree)
    found = find(["."], EXCLUDES)
    assert found.files == EXPECTED_FILES and found.candidates == set(EXPECTED_FILES)
    assert [str(path) for path in discover(["."], EXCLUDES)] == EXPECTED_FILES


def test_when_git_grep_cannot_answer_every_file_is_read(tree, monkeypatch):
    monkeypatch.setattr(files, "_git_grep_hits", lambda top, grep: None)  # e.g. it could not read a file
    monkeypatch.chdir(tree)
    found = find(["."], EXCLUDES, MARKERS)
    assert found.files == EXPECTED_FILES and found.candidates == EXPECTED_CANDIDATES


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file_is_a_candidate_both_ways(tree, monkeypatch):
    (tree / "untracked plain.py").chmod(0)
    monkeypatch.chdir(tree)
    for use_git in (True, False):
        assert "untracked plain.py" in find(["."], EXCLUDES, MARKERS, use_git=use_git).candidates


def test_a_submodule_is_walked(tree, tmp_path, monkeypatch):
    library = tmp_path / "library"
    write(library, "v2.py", V2)
    git(library, "init", "-q")
    git(library, "add", ".")
    git(library, "commit", "-qm", "library")
    git(tree, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(library), "vendored")
    monkeypatch.chdir(tree)
    by_git, walked = find(["."], EXCLUDES, MARKERS), find(["."], EXCLUDES, MARKERS, use_git=False)
    assert by_git.files == walked.files and by_git.candidates == walked.candidates
    assert "vendored/v2.py" in by_git.candidates


#: Copies of the libraries v2 scripts used, as they sit in a home folder or a vendor/ tree;
#: each speaks v2 on purpose, so a run over the tree must not rewrite it.
VENDORED_TREE = {
    # the SDK's repository checked out: its package and tests both name RealtimeTranscriber
    "src/assemblyai-python-sdk/setup.py": 'from setuptools import setup\n\nsetup(\n    name="assemblyai",\n)\n',
    "src/assemblyai-python-sdk/assemblyai/__init__.py": "from .transcriber import RealtimeTranscriber\n",
    "src/assemblyai-python-sdk/assemblyai/transcriber.py": "class RealtimeTranscriber:\n    pass\n",
    "src/assemblyai-python-sdk/assemblyai/types.py": "class FinalTranscript:\n    pass\n",
    "src/assemblyai-python-sdk/tests/test_realtime.py": "import assemblyai as aai\naai.RealtimeTranscriber\n",
    # websockets as a src-layout project
    "src/websockets/pyproject.toml": '[project]\nname = "websockets"\n',
    "src/websockets/src/websockets/__init__.py": PLAIN,
    "src/websockets/example/client.py": V2,
    # websocket-client's package copied into the application (no project file)
    "app/_vendor/websocket/__init__.py": PLAIN,
    "app/_vendor/websocket/_app.py": V2,
    "app/_vendor/websocket/_core.py": PLAIN,
    # the user's own code, including a package merely named like one of them
    "app/client.py": V2,
    "app/websocket/__init__.py": V2,
    "app/setup.cfg": "[metadata]\nname = assemblyai-tools\n",
}


@pytest.mark.parametrize("in_git", [True, False], ids=["git", "walked"])
def test_vendored_library_copies_are_skipped_both_ways(tmp_path, monkeypatch, in_git):
    for relative, text in VENDORED_TREE.items():
        write(tmp_path, relative, text)
    if in_git:
        git(tmp_path, "init", "-q")
    monkeypatch.chdir(tmp_path)
    ways = [find(["."], (), MARKERS, use_git=use_git) for use_git in (True, False)]
    for found in ways:
        assert found.files == ["app/client.py", "app/websocket/__init__.py"]
        assert found.vendored == [
            ("app/_vendor/websocket", "websocket-client"),
            ("src/assemblyai-python-sdk", "assemblyai"),
            ("src/websockets", "websockets"),
        ]
    included = find(["."], (), MARKERS, include_vendored=True)
    assert included.vendored == []
    assert sorted(included.files) == sorted(path for path in VENDORED_TREE if path.endswith(".py"))
    # a vendored directory named as a PATH is skipped too; a file in it named explicitly is not
    named = find(["src/assemblyai-python-sdk", "app/_vendor/websocket/_app.py"], (), MARKERS)
    assert named.files == ["app/_vendor/websocket/_app.py"]
    assert named.vendored == [("src/assemblyai-python-sdk", "assemblyai")]
