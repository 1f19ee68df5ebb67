"""Jupyter notebooks: the code cells migrate as one program, and only their sources change.

A notebook is read with nbformat and its code cells are joined, in order, into one Python
program, each preceded by a marker comment line naming the cell: the engine then sees a
handler defined in one cell and registered in a later one as the script it is. IPython syntax
(``!cmd``, ``%magic``, ``x = !cmd``, ``obj?``) is masked first: each such line becomes a
placeholder statement of its own at the same indentation, so line numbers do not move, and is
put back byte for byte afterwards. Cells that start with a cell magic (``%%capture``,
``%%javascript``...) are not Python and are left out; a cell that does not parse even after
masking is left out too, with a note (``NB001``) saying so.

The migrated program is split back at the markers: a rewrite lands in the cell it came from
(a new import in the cell holding the imports, as the engine puts it after the last one;
text above the first marker goes to the first cell in the program). The file is written back
by replacing, in the notebook's own JSON text, only the ``source`` values of the cells that
changed, in the layout each had (a list of lines or one string, its indentation), so cell
order, ids, metadata, outputs, key order, indentation and the final newline stay as they
were, and a git diff of the file shows only the changed source lines. The result is checked
before it is handed back: it parses, validates with ``nbformat.validate``, and differs from
the original only in those sources.

:func:`pip_install_lines` and :func:`replace_cell_sources` are the pieces another pass over
notebooks needs (reading ``pip install`` lines with their positions, and writing cells back
in the same layout).
"""

from __future__ import annotations

import ast
import difflib
import json
import re
import warnings
from dataclasses import dataclass, field
from json.decoder import scanstring
from typing import Dict, Iterable, Iterator, List, Optional, Tuple, Union

from migrator.context import Note
from migrator.engine.core import MigrationResult
from migrator.files import NOTEBOOK_SUFFIX, is_notebook  # noqa: F401  (part of this module's interface)

#: The code of the note on a code cell left out because it does not parse.
UNPARSABLE_CELL = "NB001"

#: Comment line that opens each cell in the joined program; followed by the cell's position.
CELL_MARKER = "# migrate-stt:notebook-cell "
#: Name of the placeholder statement standing for a line of IPython syntax.
PLACEHOLDER_PREFIX = "__migrate_stt_ipython_"

_WHITESPACE = re.compile(r"[ \t\n\r]*")
_HELP_LINE = re.compile(r"(\?{1,2}[A-Za-z_][\w.]*\*?|[A-Za-z_][\w.]*\*?\?{1,2})")
_MAGIC_ASSIGNMENT = re.compile(r"[A-Za-z_][\w.,\s()\[\]]*?=\s*[!%]")
_PIP_INSTALL = re.compile(r"\s*(?:!|%)\s*(?:(?:python3?|\S*/python3?)\s+-m\s+)?pip3?\s+install\b")


class NotebookError(Exception):
    """The notebook cannot be read or written back safely; ``str()`` says why."""


@dataclass(frozen=True)
class CellNote(Note):
    """A note inside a notebook: ``line``/``column`` count within the cell's source, and
    ``cell`` is the cell's position in the notebook counted from 1 (markdown cells too)."""

    cell: int = 0
    cell_id: Optional[str] = None

    def to_dict(self) -> dict:
        data = super().to_dict()
        data["cell"] = self.cell
        if self.cell_id is not None:
            data["cell_id"] = self.cell_id
        return data


@dataclass
class Cell:
    """One cell as the file holds it."""

    index: int  # 0-based position among all cells
    cell_type: str
    cell_id: Optional[str]
    source: str
    #: Where the ``source`` value sits in the notebook's text: [start, end).
    span: Tuple[int, int]

    @property
    def label(self) -> str:
        return f"cell {self.index + 1}" + (f" (id {self.cell_id})" if self.cell_id else "")


@dataclass
class NotebookText:
    """A notebook's text and cells, read with nbformat and located in the text."""

    text: str
    node: dict
    cells: List[Cell]
    bom: str = ""

    @property
    def is_python(self) -> bool:
        metadata = self.node.get("metadata", {})
        language = (metadata.get("language_info") or {}).get("name") or (metadata.get("kernelspec") or {}).get(
            "language"
        )
        return language is None or str(language).lower() in ("python", "python3", "ipython", "ipython3")


# --------------------------------------------------------------------------- reading


def read_notebook(data: Union[bytes, str]) -> NotebookText:
    """Parse and validate a v4 notebook, and find each cell's ``source`` in the text."""
    import nbformat

    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise NotebookError(f"not a UTF-8 notebook ({error.reason} at byte {error.start})") from None
    else:
        text = data
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    text = text[len(bom) :]
    try:
        node = json.loads(text)
    except ValueError as error:
        raise NotebookError(f"not a notebook: invalid JSON ({error})") from None
    if not isinstance(node, dict) or node.get("nbformat") != 4:
        found = node.get("nbformat") if isinstance(node, dict) else None
        raise NotebookError(f"only nbformat 4 notebooks are supported (this one says nbformat {found!r})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.reader.reads(text))
    except Exception as error:  # nbformat raises its own and jsonschema's errors
        raise NotebookError(f"not a valid notebook ({_first_line(error)}); left unchanged") from None
    spans = _source_spans(text)
    cells = []
    for index, (raw, span) in enumerate(zip(node["cells"], spans)):
        source = raw.get("source", "")
        source = "".join(source) if isinstance(source, list) else source
        cell_id = raw.get("id") or (raw.get("metadata") or {}).get("id")
        cells.append(Cell(index, raw.get("cell_type", ""), cell_id if isinstance(cell_id, str) else None, source, span))
    return NotebookText(text, node, cells, bom)


def _skip(text: str, index: int) -> int:
    return _WHITESPACE.match(text, index).end()


def _object_members(text: str, start: int) -> List[Tuple[str, int, int]]:
    """(key, value start, value end) of the JSON object starting at ``start``."""
    decoder = json.JSONDecoder()
    members = []
    index = _skip(text, start + 1)
    if text[index] == "}":
        return members
    while True:
        key, index = scanstring(text, index + 1)
        index = _skip(text, index)
        index = _skip(text, index + 1)  # past ":"
        _, end = decoder.raw_decode(text, index)
        members.append((key, index, end))
        index = _skip(text, end)
        if text[index] != ",":
            return members
        index = _skip(text, index + 1)


def _array_items(text: str, start: int) -> List[Tuple[int, int]]:
    """(start, end) of each value of the JSON array starting at ``start``."""
    decoder = json.JSONDecoder()
    items = []
    index = _skip(text, start + 1)
    if text[index] == "]":
        return items
    while True:
        _, end = decoder.raw_decode(text, index)
        items.append((index, end))
        index = _skip(text, end)
        if text[index] != ",":
            return items
        index = _skip(text, index + 1)


def _source_spans(text: str) -> List[Tuple[int, int]]:
    """Where each cell's ``source`` value is in the notebook text."""
    top = {key: (start, end) for key, start, end in _object_members(text, _skip(text, 0))}
    spans = []
    for cell_start, _ in _array_items(text, top["cells"][0]):
        members = {key: (start, end) for key, start, end in _object_members(text, cell_start)}
        if "source" not in members:
            raise NotebookError("a cell has no source")
        spans.append(members["source"])
    return spans


# --------------------------------------------------------------------------- writing


def replace_cell_sources(notebook: NotebookText, sources: Dict[int, str]) -> str:
    """The notebook's text with the ``source`` of each cell in ``sources`` (by 0-based
    index) replaced, in the layout the cell had; every other byte is kept."""
    text = notebook.text
    ensure_ascii = text.isascii() and "\\u" in text
    pieces = []
    position = 0
    for index in sorted(sources):
        cell = notebook.cells[index]
        start, end = cell.span
        pieces.append(text[position:start])
        pieces.append(_source_json(text, start, end, sources[index], ensure_ascii))
        position = end
    pieces.append(text[position:])
    return notebook.bom + "".join(pieces)


def _source_json(text: str, start: int, end: int, source: str, ensure_ascii: bool) -> str:
    """``source`` as JSON laid out like the value at text[start:end]: a string stays a string,
    a list of lines a list, with the same whitespace around and between its items (an
    unchanged line keeps its very spelling)."""
    if text[start] == '"':
        return json.dumps(source, ensure_ascii=ensure_ascii)
    items = _array_items(text, start)
    spelled = {json.loads(text[a:b]): text[a:b] for a, b in items}
    lines = source.splitlines(keepends=True)
    if not lines:
        return "[]"
    if items:
        opening = text[start + 1 : items[0][0]]
        closing = text[items[-1][1] : end - 1]
        separator = text[items[0][1] : items[1][0]] if len(items) > 1 else "," + opening
    else:  # an empty cell gains lines: indent them one step deeper than the "source" key
        before = text[text.rfind("\n", 0, start) + 1 : start]
        key_indent = before[: len(before) - len(before.lstrip())]
        step = _indent_step(text)
        opening, closing = "\n" + key_indent + step, "\n" + key_indent
        separator = "," + opening
    return (
        "["
        + opening
        + separator.join(spelled.get(line) or json.dumps(line, ensure_ascii=ensure_ascii) for line in lines)
        + closing
        + "]"
    )


def _indent_step(text: str) -> str:
    match = re.search(r"\{\n([ \t]*)\S", text)
    return match.group(1) if match else " "


# --------------------------------------------------------------------------- IPython syntax


@dataclass
class MaskedCell:
    """A code cell as Python: ``code`` with each line of IPython syntax replaced by a
    placeholder statement; ``masked`` maps each placeholder to (original line, its indent)."""

    cell: Cell
    code: str
    masked: Dict[str, Tuple[str, str]] = field(default_factory=dict)


def is_cell_magic(source: str) -> bool:
    """Whether the whole cell belongs to a cell magic (``%%capture``, ``%%javascript``...)."""
    return source.lstrip().startswith("%%")


def is_ipython_line(line: str) -> bool:
    """Whether a line (without its newline) is IPython syntax rather than Python."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#"):
        return False
    if stripped[0] in "!%?":
        return True
    return bool(_HELP_LINE.fullmatch(stripped) or _MAGIC_ASSIGNMENT.match(stripped))


def mask_ipython(cell: Cell, counter: Iterator[int]) -> MaskedCell:
    """The cell as Python. A cell that parses as it is is taken as it is (so a ``%`` that
    continues an expression, or a ``!`` in a string, is never touched)."""
    if _parses(cell.source):
        return MaskedCell(cell, cell.source)
    lines = []
    masked = {}
    continuing = False
    indent = ""
    for line in cell.source.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        if continuing or is_ipython_line(body):
            if not continuing:
                indent = body[: len(body) - len(body.lstrip())]
            name = f"{PLACEHOLDER_PREFIX}{next(counter)}__"
            masked[name] = (body, indent)
            lines.append(indent + name + line[len(body) :])
            continuing = body.endswith("\\")
        else:
            lines.append(line)
    return MaskedCell(cell, "".join(lines), masked)


def unmask_ipython(code: str, masked: Dict[str, Tuple[str, str]]) -> str:
    """Put each masked line back, byte for byte (at the new indentation if a rewrite moved
    it into or out of a block). Raises :class:`NotebookError` when a placeholder is missing
    or doubled."""
    if not masked:
        return code
    seen = set()
    lines = []
    for line in code.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        name = body.strip()
        if name in masked:
            if name in seen:
                raise NotebookError("a rewrite copied a line of IPython syntax; notebook left unchanged")
            seen.add(name)
            original, indent = masked[name]
            new_indent = body[: len(body) - len(body.lstrip())]
            if new_indent != indent and original.startswith(indent):
                original = new_indent + original[len(indent) :]
            line = original + line[len(body) :]
        lines.append(line)
    if len(seen) != len(masked):
        raise NotebookError("a rewrite dropped a line of IPython syntax; notebook left unchanged")
    return "".join(lines)


def _parses(code: str) -> bool:
    try:
        compile(code, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class PipInstall:
    """A ``!pip install`` / ``%pip install`` line of a code cell."""

    cell: int  # 0-based position among all cells
    cell_id: Optional[str]
    line: int  # 1-based line in the cell's source
    text: str  # the line as written, without its newline (continuation lines joined with "\n")


def pip_install_lines(notebook: NotebookText) -> Iterator[PipInstall]:
    """Every ``pip install`` line in the notebook's code cells (cell magics included: a
    ``%%capture`` cell's ``!pip install`` installs too), with its position."""
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        lines = cell.source.splitlines()
        number = 0
        while number < len(lines):
            if _PIP_INSTALL.match(lines[number]):
                first = number
                while lines[number].rstrip().endswith("\\") and number + 1 < len(lines):
                    number += 1
                yield PipInstall(cell.index, cell.cell_id, first + 1, "\n".join(lines[first : number + 1]))
            number += 1


# --------------------------------------------------------------------------- migrating


@dataclass
class NotebookResult(MigrationResult):
    """What :func:`migrate_notebook` made of a notebook: the engine's ``MigrationResult`` for
    the notebook's bytes, with the changed cells' sources before and after."""

    #: (cell, source before, source after) for each cell that changed, in order.
    changed_cells: list = field(default_factory=list)


@dataclass
class _Program:
    """The joined code cells, and where each begins."""

    code: str
    cells: List[MaskedCell]
    #: 1-based line of the joined program where each cell's first line is.
    first_lines: List[int]
    #: Cells given a final newline so the next marker starts a line.
    newline_added: List[bool]


def _join(cells: List[MaskedCell]) -> _Program:
    parts = []
    first_lines = []
    added = []
    line = 1
    for position, masked in enumerate(cells):
        parts.append(f"{CELL_MARKER}{position}\n")
        line += 1
        first_lines.append(line)
        code = masked.code
        needs_newline = bool(code) and not code.endswith(("\n", "\r"))
        if needs_newline:
            code += "\n"
        added.append(needs_newline)
        parts.append(code)
        line += code.count("\n")
    return _Program("".join(parts), cells, first_lines, added)


def _split(program: _Program, migrated: str) -> List[str]:
    """The migrated code of each cell, cut at the markers (which must all still stand at the
    start of a line, once each and in order)."""
    pieces: List[List[str]] = [[] for _ in program.cells]
    current = -1
    head: List[str] = []
    for line in migrated.splitlines(keepends=True):
        if line.startswith(CELL_MARKER):
            number = line[len(CELL_MARKER) :].strip()
            if number != str(current + 1):
                raise NotebookError("a rewrite moved code across cells; notebook left unchanged")
            current += 1
            continue
        if CELL_MARKER in line:
            raise NotebookError("a rewrite moved code across cells; notebook left unchanged")
        (head if current < 0 else pieces[current]).append(line)
    if current != len(program.cells) - 1:
        raise NotebookError("a rewrite moved code across cells; notebook left unchanged")
    codes = ["".join(piece) for piece in pieces]
    if head and codes:
        codes[0] = "".join(head) + codes[0]
    for position, added in enumerate(program.newline_added):
        if added and codes[position].endswith("\n"):
            codes[position] = codes[position][:-1]
    return codes


def migrate_notebook(
    source: Union[bytes, str],
    *,
    path: str = "<notebook>",
    select: Optional[Iterable[str]] = None,
    ignore: Optional[Iterable[str]] = None,
    layout=None,
) -> NotebookResult:
    """Migrate one notebook's bytes. Raises :class:`migrator.engine.core.MigrationError`
    when the notebook cannot be read, its code cannot be parsed as one program, or the
    result could not be written back safely; the original is then left as it was."""
    from migrator.engine.core import MigrationError, migrate_source, needs_migration_scan
    from migrator.rules import select_rules

    original = source.encode("utf-8") if isinstance(source, str) else source
    rule_classes = select_rules(select, ignore)
    if not rule_classes or not needs_migration_scan(original, rule_classes):
        return NotebookResult(path, original, original, parsed=False)
    try:
        notebook = read_notebook(original)
    except NotebookError as error:
        raise MigrationError(str(error)) from None
    if not notebook.is_python:
        return NotebookResult(path, original, original, parsed=False)
    if CELL_MARKER in notebook.text or PLACEHOLDER_PREFIX in notebook.text:
        raise MigrationError("the notebook holds migrate-stt's own cell markers; left unchanged")

    counter = iter(range(1 << 62))
    cells, skipped = [], []
    for cell in notebook.cells:
        if cell.cell_type != "code" or is_cell_magic(cell.source):
            continue
        masked = mask_ipython(cell, counter)
        error = _python_error(masked.code)
        if error is None:
            cells.append(masked)
        else:
            skipped.append((cell, error))
    try:
        program = _join(cells)
        result = migrate_source(program.code, path=path, select=select, ignore=ignore, layout=layout) if cells else None
    except MigrationError:
        # Python parsed every cell but libcst did not parse the whole: leave out the cells it
        # cannot parse and try once more (libcst is asked cell by cell only here, as it is slow).
        refused = [(masked, _libcst_error(masked.code)) for masked in cells]
        if not any(error for _, error in refused):
            raise
        skipped.extend((masked.cell, error) for masked, error in refused if error is not None)
        cells = [masked for masked, error in refused if error is None]
        program = _join(cells)
        result = migrate_source(program.code, path=path, select=select, ignore=ignore, layout=layout) if cells else None
    notes = [
        CellNote(
            UNPARSABLE_CELL,
            error.lineno or 1,
            (error.offset or 1),
            f"cell left as it is: it does not parse as Python, even with IPython syntax set aside ({error.msg})",
            cell=cell.index + 1,
            cell_id=cell.cell_id,
        )
        for cell, error in skipped
    ]
    if result is None:
        return NotebookResult(path, original, original, notes=sorted(notes, key=lambda note: note.cell))

    notes.extend(_cell_notes(result.notes, program))
    notes.sort(key=lambda note: (note.cell, note.line, note.column, note.code, note.message))
    if not result.changed:
        return NotebookResult(path, original, original, list(result.rules_applied), notes, parsed=result.parsed)
    _check_compiles(result.code, path)
    try:
        codes = _split(program, result.code)
        sources = {}
        changed_cells = []
        for masked, code in zip(program.cells, codes):
            new_source = unmask_ipython(code, masked.masked)
            if new_source != masked.cell.source:
                sources[masked.cell.index] = new_source
                changed_cells.append((masked.cell, masked.cell.source, new_source))
        text = replace_cell_sources(notebook, sources)
        _check_written(notebook, text, sources)
    except NotebookError as error:
        raise MigrationError(str(error)) from None
    migrated = text.encode("utf-8")
    return NotebookResult(
        path,
        original,
        migrated,
        list(result.rules_applied),
        notes,
        changed_cells=changed_cells,
        needs=list(result.needs),
    )


def _python_error(code: str) -> Optional[SyntaxError]:
    """Why Python's own parser refuses the cell's code, or None."""
    try:
        compile(code, "<cell>", "exec", ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except SyntaxError as error:
        return error
    except ValueError as error:  # a NUL byte
        return SyntaxError(str(error))
    return None


def _libcst_error(code: str) -> Optional[SyntaxError]:
    """Why libcst, which the engine parses with, refuses the cell's code, or None."""
    import libcst

    try:
        libcst.parse_module(code)
    except libcst.ParserSyntaxError as error:
        failure = SyntaxError(_first_line(error))
        failure.lineno, failure.offset = error.raw_line, error.raw_column + 1
        return failure
    return None


def _cell_notes(notes: Iterable[Note], program: _Program) -> List[CellNote]:
    """The engine's notes (lines of the joined program) as lines within their cells."""
    placed = []
    for note in notes:
        position = 0
        for candidate, first in enumerate(program.first_lines):
            if first <= note.line:
                position = candidate
        cell = program.cells[position].cell
        line = max(1, note.line - program.first_lines[position] + 1)
        placed.append(CellNote(note.code, line, note.column, note.message, cell=cell.index + 1, cell_id=cell.cell_id))
    return placed


def _check_compiles(code: str, path: str) -> None:
    """The joined program, placeholders in, compiles as notebook code (top-level ``await``
    allowed); the engine's own check cannot allow that."""
    from migrator.engine.core import MigrationError

    try:
        compile(code, path, "exec", ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        raise MigrationError(f"the rewrite does not compile ({_first_line(error)}); notebook left unchanged") from None


def _check_written(notebook: NotebookText, text: str, sources: Dict[int, str]) -> None:
    """The written text is a valid notebook that differs from the original only in the
    sources given."""
    import nbformat

    try:
        written = json.loads(text[len(notebook.bom) :])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.reader.reads(text[len(notebook.bom) :]))
    except Exception as error:
        raise NotebookError(f"the written notebook would not be valid ({_first_line(error)}); left unchanged") from None
    expected = json.loads(notebook.text)
    for index, source in sources.items():
        written_source = written["cells"][index]["source"]
        if ("".join(written_source) if isinstance(written_source, list) else written_source) != source:
            raise NotebookError("the written notebook lost a cell's source; left unchanged")
        expected["cells"][index]["source"] = written_source
    if written != expected:
        raise NotebookError("the written notebook differs outside the migrated sources; left unchanged")


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


# --------------------------------------------------------------------------- showing


def notebook_diff(result: NotebookResult, path: str) -> str:
    """One hunk per changed cell, in the cell's own lines, its header naming the cell
    (``@@ -1,4 +1,6 @@ cell 3 (id 5f2a)``); for reading, not for ``patch``."""
    from migrator.diffing import display_path

    if not result.changed_cells:
        return ""
    shown = display_path(path)
    out = [f"--- a/{shown}\n", f"+++ b/{shown}\n"]
    for cell, before, after in result.changed_cells:
        out.extend(_cell_hunk(cell, before.splitlines(), after.splitlines()))
    return "".join(out)


def _cell_hunk(cell: Cell, before: List[str], after: List[str], context: int = 3) -> List[str]:
    opcodes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    if opcodes and opcodes[0][0] == "equal":
        tag, i1, i2, j1, j2 = opcodes[0]
        opcodes[0] = (tag, max(i1, i2 - context), i2, max(j1, j2 - context), j2)
    if opcodes and opcodes[-1][0] == "equal":
        tag, i1, i2, j1, j2 = opcodes[-1]
        opcodes[-1] = (tag, i1, min(i2, i1 + context), j1, min(j2, j1 + context))
    first, last = opcodes[0], opcodes[-1]
    a_start, a_end, b_start, b_end = first[1], last[2], first[3], last[4]
    lines = [f"@@ -{_range(a_start, a_end)} +{_range(b_start, b_end)} @@ {cell.label}\n"]
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            lines.extend(f" {line}\n" for line in before[i1:i2])
            continue
        lines.extend(f"-{line}\n" for line in before[i1:i2])
        lines.extend(f"+{line}\n" for line in after[j1:j2])
    return lines


def _range(start: int, end: int) -> str:
    length = end - start
    first = start + 1 if length else start
    return f"{first}" if length == 1 else f"{first},{length}"


# --------------------------------------------------------------------------- running


def runnable_script(data: Union[bytes, str], name: str = "notebook") -> bytes:
    """A Python script that runs the notebook's code cells in order as a kernel would
    (``--verify`` runs it): cell magics and lines of IPython syntax are skipped, top-level
    ``await`` runs on one event loop, ``input()`` is fed, ``display()`` prints. The runner
    itself is :mod:`migrator.proof.harness.notebook_cells`."""
    from importlib import resources

    notebook = read_notebook(data)
    counter = iter(range(1 << 62))
    cells = []
    for cell in notebook.cells:
        if cell.cell_type != "code" or is_cell_magic(cell.source):
            continue
        masked = mask_ipython(cell, counter)
        code = masked.code
        for placeholder in masked.masked:
            code = code.replace(placeholder, "pass")
        cells.append((cell.label, code))
    runner = resources.files("migrator.proof.harness").joinpath("notebook_cells.py").read_text(encoding="utf-8")
    script = (
        f"# The code cells of {name}, run by migrate-stt --verify.\n"
        + runner
        + f"\n\nCELLS = {cells!r}\n\nif __name__ == '__main__':\n    run_cells(CELLS)\n"
    )
    return script.encode("utf-8")
