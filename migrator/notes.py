"""Notes: what the user must review, as comments in the written file and as reports.

A note is written above the statement it is about::

    # migrate-stt(STT008, error): audio_end: v3 Turns have no audio_end; use
    #   words[-1]['end']

The code names the rule; the severity says what is at stake:

- ``error``: the code as left will not work on v3 (a field v3 never sends, a v2 close code
  compared, a v2 message type where it could not be rewritten). ``--check`` fails while one
  is left in the file.
- ``warning`` (the default, and the one the comment leaves out): behaviour may differ from
  v2; check it.
- ``info``: what changed, for the record.

A long note is wrapped onto continuation lines that start with ``#   `` (three spaces), so a
note keeps to the project's line length. The comment is the note's record: a later run reads
it back (:func:`notes_in_source`) and reports it again, with the same code, severity and
message, until the user deletes the comment. Positions are always those of the file as
written.
"""

from __future__ import annotations

import ast
import bisect
import io
import re
import textwrap
import tokenize
from dataclasses import dataclass
from typing import Iterable, Optional

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITIES = (ERROR, WARNING, INFO)
#: The order ``--check`` reads severities in: a threshold fails on its own level and above.
SEVERITY_RANK = {INFO: 0, WARNING: 1, ERROR: 2}

NOTE_PREFIX = "# migrate-stt("
CONTINUATION = "#   "
_NOTE = re.compile(r"# migrate-stt\((STT\d+)(?:, (error|warning|info))?\): (.*)")
#: Narrower than this, a wrapped note would be mostly margin: wrap to this width instead.
_NARROWEST = 40


@dataclass(frozen=True)
class Note:
    """Something the user must review: where in the written file, which rule, how serious,
    and what to check. ``original_line``/``original_column`` place it in the file as read."""

    code: str
    line: int
    column: int
    message: str
    severity: str = WARNING
    original_line: Optional[int] = None
    original_column: Optional[int] = None

    def to_dict(self) -> dict:
        data = {
            "code": self.code,
            "severity": self.severity,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }
        if self.original_line is not None:
            data["original_line"], data["original_column"] = self.original_line, self.original_column
        return data


def comment_text(code: str, message: str, severity: str = WARNING) -> str:
    """The note as one comment line (wrapped later, by :func:`wrap_notes`, where too long)."""
    label = code if severity == WARNING else f"{code}, {severity}"
    return f"{NOTE_PREFIX}{label}): {message}"


def parse_comment(text: str) -> Optional[tuple]:
    """(code, severity, message) of a note's first comment line, or None."""
    match = _NOTE.fullmatch(text.rstrip())
    if match is None:
        return None
    return match.group(1), match.group(2) or WARNING, match.group(3)


def notes_in_comments(comments: Iterable[str]) -> list:
    """(code, severity, message) of every note in a run of comment lines (the lines above one
    statement), continuation lines joined back on."""
    found: list = []
    for comment in comments:
        parsed = parse_comment(comment)
        if parsed is not None:
            found.append(list(parsed))
        elif found and comment.startswith(CONTINUATION):
            found[-1][2] += " " + comment[len(CONTINUATION) :].strip()
        else:
            found.append(None)  # anything else ends the note above it
    return [tuple(note) for note in found if note is not None]


def wrap_notes(text: str, line_length: int) -> str:
    """``text`` with every note comment longer than ``line_length`` wrapped onto
    continuation lines at the same indentation. Only comment lines are touched."""
    if NOTE_PREFIX not in text:
        return text
    lines = text.splitlines(keepends=True)
    if not any(len(line.rstrip("\r\n")) > line_length and NOTE_PREFIX in line for line in lines):
        return text  # nothing to wrap: no need to tell comments from strings
    out: list = []
    comment_rows = {row for row, _, _ in _comment_tokens(text)}
    for row, line in enumerate(lines, start=1):
        body = line.rstrip("\r\n")
        if row not in comment_rows or len(body) <= line_length or parse_comment(body.lstrip()) is None:
            out.append(line)
            continue
        newline = line[len(body) :]
        indent = body[: len(body) - len(body.lstrip())]
        width = max(line_length - len(indent), _NARROWEST)
        first, *rest = textwrap.wrap(
            body.lstrip(),
            width=width,
            subsequent_indent=CONTINUATION,
            break_long_words=False,
            break_on_hyphens=False,
        )
        out.append(f"{indent}{first}{newline}")
        out.extend(f"{indent}{piece}{newline}" for piece in _no_type_comments(first, rest))
    return "".join(out)


def _no_type_comments(first: str, rest: list) -> list:
    """``rest`` with no continuation line reading ``#   type: ...``: tools take such a line
    for a type comment (black rewrites it), so the word before moves down with it."""
    lines = [first, *rest]
    for index in range(1, len(lines)):
        text = lines[index][len(CONTINUATION) :]
        if text.startswith("type:") and " " in lines[index - 1].rstrip():
            head, _, word = lines[index - 1].rstrip().rpartition(" ")
            lines[index - 1] = head
            lines[index] = f"{CONTINUATION}{word} {text}"
    return lines[1:]


def notes_in_source(text: str) -> list:
    """Every note written in ``text`` as a :class:`Note` at its comment's position (1-based
    line and column), in file order. Comments only: a note quoted in a string is not one."""
    if NOTE_PREFIX not in text:
        return []
    notes: list = []
    block: list = []  # (row, column, comment) of consecutive comment-only lines
    for row, column, comment in [*_comment_tokens(text), (None, None, None)]:
        if block and (row is None or row != block[-1][0] + 1 or column != block[0][1]):
            notes.extend(_notes_of_block(block))
            block = []
        if row is not None:
            block.append((row, column, comment))
    return notes


def _notes_of_block(block: list) -> list:
    notes = []
    for index, (row, column, comment) in enumerate(block):
        parsed = parse_comment(comment)
        if parsed is None:
            continue
        code, severity, message = parsed
        for _, _, following in block[index + 1 :]:
            if not following.startswith(CONTINUATION) or parse_comment(following) is not None:
                break
            message += " " + following[len(CONTINUATION) :].strip()
        notes.append(Note(code, row, column + 1, message, severity))
    return notes


def _comment_tokens(text: str) -> list:
    """(row, column, text) of every comment that stands alone on its line."""
    found = _comment_lines(text)
    return list(_tokenized_comments(text)) if found is None else found


def _comment_lines(text: str) -> Optional[list]:
    """:func:`_comment_tokens` read off the lines that start with ``#``, when Python's parser
    shows none of them is inside a string (half the cost of tokenizing); None when it cannot:
    a file it refuses, a line ending other than ``\\n``/``\\r\\n``, or such a line inside the
    rows of a string (a docstring's, or between the parts of a string split over lines)."""
    if "\r" in text.replace("\r\n", "") or text.startswith("\ufeff"):
        return None
    found = []
    for row, line in enumerate(text.split("\n"), start=1):
        comment = line.lstrip(" \t\f")
        if comment.startswith("#"):
            found.append((row, len(line) - len(comment), comment.rstrip("\r")))
    if not found:
        return found
    try:
        tree = compile(text, "<notes>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    rows = [row for row, _, _ in found]
    # Only nodes spanning a comment row can hold it in a string: the rest is not looked into.
    nodes = list(tree.body)
    while nodes:
        node = nodes.pop()
        end = getattr(node, "end_lineno", None)
        if end is not None and bisect.bisect_left(rows, end + 1) == bisect.bisect_right(rows, node.lineno):
            continue  # no comment row on its second row or after, up to its last
        if isinstance(node, (ast.Constant, ast.JoinedStr)):
            return None
        nodes.extend(ast.iter_child_nodes(node))
    return found


def _tokenized_comments(text: str):
    """:func:`_comment_tokens` from Python's tokenizer."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    previous_row = 0
    for token in tokens:
        if token.type == tokenize.COMMENT:
            if token.start[0] != previous_row:
                yield token.start[0], token.start[1], token.string
        elif token.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT):
            previous_row = token.end[0]
