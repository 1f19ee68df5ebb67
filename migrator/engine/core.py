"""The migration engine: one parse, one analysis walk, one rewrite walk, one import fix-up.

Every rule's hooks are gathered into two dispatch tables so a file is walked twice in
total however many rules there are (one codemod run per rule,
each with its own metadata, is what makes peer tools slow). The walks are
:mod:`migrator.walk`'s, which do not rebuild untouched nodes; the rewrite walk enters only
what rules planned to change; after the analysis, a file that nothing ties to AssemblyAI
is handed back as it was; note lines come from :mod:`migrator.engine.core.positions`, only for files
that got notes. ``bench/`` measures what all this costs against a bare parse and print.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional, Union

import libcst as cst

from migrator import walk
from migrator.context import MigrationContext
from migrator.engine import imports, parsing, positions, printing, verbatim
from migrator.engine.layout import Layout, lay_out
from migrator.markers import mentions, smallest_set
from migrator.model import ValueModel
from migrator.model.facts import FactCollector
from migrator.model.sessions import SessionCollector
from migrator.notes import NOTE_PREFIX, Note, comment_text, notes_in_comments, notes_in_source
from migrator.rules import all_rules, select_rules

_STATEMENT_TYPES = (cst.SimpleStatementLine, cst.BaseCompoundStatement)
_SCOPE_TYPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)


class MigrationError(Exception):
    """The file could not be migrated; nothing was written. ``str()`` says why."""


@dataclass
class MigrationResult:
    path: str
    original: bytes
    migrated: bytes
    rules_applied: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    #: False when the byte prefilter found no v2 marker and the file was never parsed.
    parsed: bool = True
    encoding: str = "utf-8"
    #: Library releases the migrated code needs (:class:`migrator.context.Need`).
    needs: list = field(default_factory=list)
    #: What makes the (unchanged) file a v3 streaming client, e.g. "websockets connection to
    #: /v3/ws" or "StreamingClient"; None when it is not one (``--verify`` runs only clients).
    v3_client: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.migrated != self.original

    @property
    def code(self) -> str:
        """The migrated source as text (decoded with the file's own encoding)."""
        return self.migrated.decode(self.encoding)

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "changed": self.changed,
            "rules_applied": list(self.rules_applied),
            "notes": [note.to_dict() for note in self.notes],
            "needs": [need.to_dict() for need in self.needs],
        }


@lru_cache(maxsize=None)
def _markers(rule_classes: tuple) -> tuple:
    return smallest_set(marker for rule in (FactCollector, *rule_classes) for marker in rule.markers)


def needs_migration_scan(source: bytes, rule_classes: Optional[tuple] = None) -> bool:
    """The cheap test: is the file tied to AssemblyAI, and does it mention anything a selected
    rule looks for? (Plain substring tests: a regex alternation is three times slower.)"""
    return mentions(source, _markers(rule_classes or all_rules()))


def migrate_source(
    source: Union[bytes, str],
    *,
    path: str = "<string>",
    select: Optional[Iterable[str]] = None,
    ignore: Optional[Iterable[str]] = None,
    layout: Optional[Layout] = None,
) -> MigrationResult:
    """Migrate one file's source. Raises :class:`MigrationError` when it cannot be parsed
    or when the rewrite would not compile (the original is then left as it was).

    ``layout`` lays out the lines the rewrite changed as the project's formatter would
    (:mod:`migrator.engine.layout`; the CLI passes the project's own); None leaves the rules'
    output as they built it. Notes are placed in the file as returned, whichever it is."""
    original = source.encode("utf-8") if isinstance(source, str) else source
    rule_classes = select_rules(select, ignore)
    if not rule_classes or not needs_migration_scan(original, rule_classes):
        return MigrationResult(path, original, original, _written_notes(original), parsed=False)
    # Deep nesting recurses in libcst's parser, its tree and every walk: all on a deep stack.
    return parsing.on_deep_stack(_migrate_parsed, original, path, rule_classes, layout)


def _migrate_parsed(original: bytes, path: str, rule_classes: tuple, layout: Optional[Layout]) -> MigrationResult:
    try:
        module = parsing.parse(original, path)
    except parsing.Unparsable as error:
        raise MigrationError(str(error)) from None

    context = MigrationContext(path, [rule.code for rule in rule_classes])
    context.model = ValueModel(module)
    rules = [rule_class(context) for rule_class in rule_classes if rule_class.applies_to(original)]
    analysis = _AnalysisWalk(context, [FactCollector(context), SessionCollector(context), *rules])
    analysis.run(module)
    if not context.facts.is_assemblyai_code():
        return MigrationResult(
            path, original, original, _written_notes(original, module.encoding), encoding=module.encoding
        )
    for rule in rules:
        rule.finish_analysis()
    migrated_module = _RewriteWalk(context, rules, _hot_nodes(module, rules, context, analysis.parents)).run(module)
    migrated_module = imports.apply(migrated_module, context)
    # The walks rebuild only what changed: the very same tree means the very same bytes.
    migrated = original
    if migrated_module is not module:
        # The tree as read is printed for the verbatim restore; the migrated tree's print
        # takes every top-level statement it shares with it from that print.
        reprinted = printing.print_module(module)
        migrated = printing.print_module(migrated_module, reprinted).text.encode(migrated_module.encoding)
        if migrated != original:
            migrated = verbatim.restore_untouched_lines(original, reprinted.text.encode(module.encoding), migrated)
    if migrated != original:
        migrated = _checked(original, migrated, module, layout, path)
    notes = _resolve_notes(module, context, migrated)
    needs = list(context.needs) if migrated != original else []
    return MigrationResult(
        path,
        original,
        migrated,
        sorted(context.applied),
        notes,
        encoding=module.encoding,
        needs=needs,
        v3_client=_v3_client(context, original),
    )


def _checked(original: bytes, migrated: bytes, module: cst.Module, layout: Optional[Layout], path: str) -> bytes:
    """What is handed back, once it is shown to compile: the rewrite laid out for the project
    (``layout``), else the rewrite as built, which must compile (:func:`_check_output`). Laying
    out only moves tokens, so the layout compiles whenever the rewrite does, and that one
    compile is the usual case's only one."""
    laid_out = migrated
    if layout is not None:
        text = lay_out(
            original.decode(module.encoding), migrated.decode(module.encoding), layout, module.default_indent
        )
        laid_out = text.encode(module.encoding)
        if laid_out != migrated and _compiles(laid_out, path):
            return laid_out
    _check_output(original, migrated, path)
    if laid_out != migrated and _compiles(laid_out, path, flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT):
        return laid_out  # a notebook's program, which may await at top level
    return migrated


def _compiles(source: bytes, path: str, flags: int = 0) -> bool:
    try:
        compile(source, path, "exec", flags=flags, dont_inherit=True)
    except (SyntaxError, ValueError):
        return False
    return True


#: A v3 URL on any of AssemblyAI's streaming hosts (regional ones included).
_V3_URL = re.compile(rb"streaming(?:\.[a-z0-9-]+)?\.assemblyai\.com(?::[0-9]+)?/v3/ws")


def _v3_client(context: MigrationContext, source: bytes) -> Optional[str]:
    """What shows the file is a v3 streaming client: a ``StreamingClient`` it constructs, or a
    connection it opens in a file that names a v3 endpoint (in code, or a regional host's URL)."""
    made = context.model.clients_made()
    if any(what == "sdk-v3" for what, _ in made):
        return "a StreamingClient"
    libraries = sorted({what for what, _ in made if not what.startswith("sdk-")})
    if not libraries:
        return None
    if any(endpoint.version == 3 for _, endpoint, _ in context.facts.endpoints) or _V3_URL.search(source):
        return f"a {' / '.join(libraries)} connection to /v3/ws"
    return None


@lru_cache(maxsize=None)
def _hook_names(rule_class: type, prefix: str) -> tuple:
    """(node type name, attribute) of a rule class's hooks with this prefix."""
    return tuple(
        (attribute[len(prefix) :], attribute)
        for attribute in dir(rule_class)
        if attribute.startswith(prefix)
        and not attribute[len(prefix) :].startswith("leave_")  # collect_leave_X: the leave table
    )


def _dispatch_table(rules: list, prefix: str) -> dict:
    """Node type name -> the rules' hooks for it, in rule order. A rule switches a hook
    off for one file by setting the attribute to None on the instance."""
    table: dict = {}
    for rule in rules:
        for node_type, attribute in _hook_names(type(rule), prefix):
            hook = getattr(rule, attribute)
            if hook is not None:
                table.setdefault(node_type, []).append(hook)
    return table


class _Walk:
    """What both walks keep up to date for the rules: the ancestors, statement and scope
    stacks. Per node type, one dict lookup gives its kind and its hooks."""

    def __init__(self, context: MigrationContext, rules: list, prefix: str, leave_prefix: Optional[str] = None) -> None:
        self.context = context
        self.ancestors, self.statements, self.scopes = context.ancestors, context.statement_stack, context.scope_stack
        self._hooks = _dispatch_table(rules, prefix)
        self._leave_hooks = _dispatch_table(rules, leave_prefix) if leave_prefix else {}
        self._profiles: dict = {}

    def _profile(self, node_type: type) -> tuple:
        """(is a statement, opens a scope, hooks, leave hooks) for a node type."""
        profile = self._profiles.get(node_type)
        if profile is None:
            profile = self._profiles[node_type] = (
                issubclass(node_type, _STATEMENT_TYPES),
                issubclass(node_type, _SCOPE_TYPES),
                tuple(self._hooks.get(node_type.__name__, ())),
                tuple(self._leave_hooks.get(node_type.__name__, ())),
            )
        return profile

    def _enter(self, node) -> tuple:
        profile = self._profiles.get(type(node)) or self._profile(type(node))
        self.ancestors.append(node)
        if profile[0]:
            self.statements.append(node)
        if profile[1]:
            self.scopes.append(node)
        return profile

    def _leave(self, node) -> None:
        profile = self._profiles[type(node)]
        self.ancestors.pop()
        if profile[0]:
            self.statements.pop()
        if profile[1]:
            self.scopes.pop()


class _AnalysisWalk(_Walk):
    """Every rule's ``collect_X``/``collect_leave_X`` hooks, in one read-only walk."""

    def __init__(self, context: MigrationContext, rules: list) -> None:
        super().__init__(context, rules, "collect_", "collect_leave_")
        #: id(node) -> its parent, so the rewrite walk can be limited to what rules change.
        self.parents: dict = {}

    def run(self, module: cst.Module) -> None:
        walk.visit(module, self.on_visit, self.on_leave)

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self.ancestors:
            self.parents[id(node)] = self.ancestors[-1]
        for hook in self._enter(node)[2]:
            hook(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        for hook in self._profiles[type(original_node)][3]:
            hook(original_node)
        self._leave(original_node)


class _RewriteWalk(_Walk):
    """Every rule's ``rewrite_X`` hooks, in one walk that rebuilds only what they change."""

    def __init__(self, context: MigrationContext, rules: list, hot: Optional[set] = None) -> None:
        super().__init__(context, rules, "rewrite_")
        self.hot = hot

    def run(self, module: cst.Module) -> cst.Module:
        return walk.transform(module, self.on_visit, self.on_leave)

    def on_visit(self, node: cst.CSTNode) -> bool:
        self._enter(node)
        return self.hot is None or id(node) in self.hot

    def on_leave(self, original_node, updated_node):
        if self.hot is not None and id(original_node) not in self.hot:
            self._leave(original_node)
            return updated_node
        node_type = type(original_node)
        profile = self._profiles[node_type]
        result = updated_node
        for hook in profile[2]:  # the stacks still hold this node while its hooks run
            result = hook(original_node, result)
            if type(result) is not node_type:
                break  # replaced by another kind of node, flattened or removed
        if profile[0] and self.context.pending_notes:
            result = _attach_notes(self.context, original_node, result)
        if result is not original_node:
            self.context.rewritten[id(original_node)] = result
        self._leave(original_node)
        return result


#: Off only to check that pruning changes nothing (tests/test_engine.py).
PRUNE_REWRITE = True


def _hot_nodes(module: cst.Module, rules: list, context: MigrationContext, parents: dict) -> Optional[set]:
    """The nodes the rewrite walk must enter: every node a rule may change, the statements
    holding notes, and all their ancestors. None (enter everything) when a rule cannot tell."""
    if not PRUNE_REWRITE:
        return None
    targets: set = {id(statement) for _, statement, _, _, _ in context.pending_notes if statement is not None}
    for rule in rules:
        if all(node_type == "Module" for node_type, _ in _hook_names(type(rule), "rewrite_")):
            continue  # it only notes, or only adds statements at module level
        wanted = rule.nodes_to_rewrite()
        if wanted is None:
            return None
        targets.update(wanted)
    hot = {id(module)}
    for target in targets:
        while target not in hot:
            hot.add(target)
            parent = parents.get(target)
            if parent is None:
                break
            target = id(parent)
    return hot


def _attach_notes(context: MigrationContext, statement, result):
    wanted = [
        (code, message, severity) for _, owner, code, message, severity in context.pending_notes if owner is statement
    ]
    if not wanted:
        return result
    target = result
    if isinstance(result, cst.FlattenSentinel):
        target = result.nodes[0]
    if not hasattr(target, "leading_lines"):
        return result
    # A note an earlier run wrote (perhaps wrapped, perhaps with another severity) stays as it is.
    present = {
        (code, message)
        for code, _, message in notes_in_comments([line.comment.value for line in target.leading_lines if line.comment])
    }
    present |= {(code, message) for code, _, message in notes_in_comments(_header_comments(context, statement))}
    added = [
        cst.EmptyLine(comment=cst.Comment(comment_text(code, message, severity)))
        for code, message, severity in dict.fromkeys(wanted)
        if (code, message) not in present
    ]
    if not added:
        return result
    updated = target.with_changes(leading_lines=[*target.leading_lines, *added])
    if isinstance(result, cst.FlattenSentinel):
        return cst.FlattenSentinel([updated, *result.nodes[1:]])
    return updated


def _header_comments(context: MigrationContext, statement) -> list:
    """The comments above a module's first statement: libcst keeps them in the module's
    header, not in the statement's leading lines, so a note written there by an earlier run
    is found here."""
    ancestors = context.ancestors
    module = ancestors[-2] if len(ancestors) > 1 else None
    if type(module) is not cst.Module or not module.body or module.body[0] is not statement:
        return []
    return [line.comment.value for line in module.header if line.comment is not None]


def _resolve_notes(module: cst.Module, context: MigrationContext, migrated: bytes) -> list:
    """Every note in the file as written, at its comment's position there, with the position
    of the node it is about in the file as read. Notes an earlier run wrote are read back;
    a note no comment could carry (rare: no statement to hang it on) keeps its original
    position."""
    written = _written_notes(migrated, module.encoding)
    if not context.pending_notes:
        return written
    found = positions.starts(module, {id(node): node for node, _, _, _, _ in context.pending_notes}.values())
    origins: dict = {}
    for node, _, code, message, severity in context.pending_notes:
        line, column = found.get(id(node), (0, -1))
        origins.setdefault((code, message), []).append((line, column + 1, severity))
    for key in origins:
        origins[key] = sorted(set(origins[key]))
    notes = []
    for note in written:
        origin = origins.get((note.code, note.message))
        if origin:
            line, column, _ = origin.pop(0)
            note = Note(note.code, note.line, note.column, note.message, note.severity, line, column)
        notes.append(note)
    notes.extend(
        Note(code, line, column, message, severity, line, column)
        for (code, message), left in origins.items()
        for line, column, severity in left
        if not any(note.code == code and note.message == message for note in written)
    )
    return sorted(notes, key=lambda note: (note.line, note.column, note.code, note.message))


def _written_notes(source: bytes, encoding: str = "utf-8") -> list:
    """The notes written in ``source`` (by an earlier run, or this one)."""
    if NOTE_PREFIX.encode() not in source:
        return []
    try:
        return notes_in_source(source.decode(encoding))
    except (UnicodeDecodeError, LookupError):
        return []


def _check_output(original: bytes, migrated: bytes, path: str) -> None:
    """The safety net: a rewrite that does not compile is never handed back. The original
    is compiled only when the rewrite fails, to tell our fault from syntax newer than this
    interpreter (then libcst's parser is the best check there is)."""
    try:
        compile(migrated, path, "exec", dont_inherit=True)
        return
    except (SyntaxError, ValueError) as error:
        failure = error
    try:
        compile(original, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        try:
            cst.parse_module(migrated)
        except cst.ParserSyntaxError as error:
            raise MigrationError(f"the rewrite does not parse ({_one_line(error)}); file left unchanged") from None
        return
    raise MigrationError(f"the rewrite does not compile ({_one_line(failure)}); file left unchanged") from None


def _one_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
