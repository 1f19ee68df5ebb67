"""Lines no rule rewrote come out exactly as they went in.

libcst's tree keeps almost every byte of a file, but not all: the space before the colon
of ``except OSError :`` (and of ``except (E) :``, ``except* E :``) has no place in its nodes,
so printing the tree of a file writes ``except OSError:``. A migrated file is printed from
the tree, which would re-space such lines although no rule touched them. So when printing
the unchanged tree does not give the original bytes back, the migrated text is matched line
by line against that reprint, and every line the rewrite left as the reprint has it is
taken from the original instead.
"""

from __future__ import annotations

from difflib import SequenceMatcher


def restore_untouched_lines(original: bytes, reprinted: bytes, migrated: bytes) -> bytes:
    """``migrated`` with each line it shares with ``reprinted`` (the unchanged tree printed)
    replaced by the original's line at the same place. Needs the reprint to differ from the
    original only inside lines (the same number of lines): otherwise ``migrated`` as it is."""
    if reprinted == original:
        return migrated
    original_lines = original.splitlines(keepends=True)
    reprinted_lines = reprinted.splitlines(keepends=True)
    if len(original_lines) != len(reprinted_lines):
        return migrated
    migrated_lines = migrated.splitlines(keepends=True)
    result = []
    matcher = SequenceMatcher(None, reprinted_lines, migrated_lines, autojunk=False)
    for tag, reprint_start, reprint_end, migrated_start, migrated_end in matcher.get_opcodes():
        if tag == "equal":
            result.extend(original_lines[reprint_start:reprint_end])
        else:
            result.extend(migrated_lines[migrated_start:migrated_end])
    return b"".join(result)
