"""The migration engine: one parse, one analysis walk, one rewrite walk, one import fix-up.

Every rule's hooks are gathered into two dispatch tables so a file is walked twice in
total however many rules there are (``anchors-codemod.md`` §4: one codemod run per rule,
each with its own metadata, is what makes peer tools slow). Positions are resolved only
for files that got notes, since that is the one costly metadata provider we need.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Optional, Union

import libcst as cst

from migrator import imports, positions, walk
from migrator.facts import FactCollector
from migrator.websocket_app import SessionCollector
from migrator.context import MigrationContext, Note, note_comment
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
        }


@lru_cache(maxsize=None)
def _markers(rule_classes: tuple) -> tuple:
    return tuple(sorted({marker for rule in (FactCollector, *rule_classes) for marker in rule.markers}))


def needs_migration_scan(source: bytes, rule_classes: Optional[tuple] = None) -> bool:
    """The cheap test: does the file mention anything any selected rule looks for?
    (Plain substring tests: a regex alternation of the markers is three times slower.)"""
    return any(marker in source for marker in _markers(rule_classes or all_rules()))


def migrate_source(
    source: Union[bytes, str],
    *,
    path: str = "<string>",
    select: Optional[Iterable[str]] = None,
    ignore: Optional[Iterable[str]] = None,
) -> MigrationResult:
    """Migrate one file's source. Raises :class:`MigrationError` when it cannot be parsed
    or when the rewrite would not compile (the original is then left as it was)."""
    original = source.encode("utf-8") if isinstance(source, str) else source
    rule_classes = select_rules(select, ignore)
    if not rule_classes or not needs_migration_scan(original, rule_classes):
        return MigrationResult(path, original, original, parsed=False)

    try:
        module = cst.parse_module(original)
    except (cst.ParserSyntaxError, UnicodeDecodeError, LookupError, SyntaxError) as error:
        raise MigrationError(f"cannot parse: {_one_line(error)}") from None

    context = MigrationContext(path, [rule.code for rule in rule_classes])
    rules = [rule_class(context) for rule_class in rule_classes]
    _AnalysisWalk(context, [FactCollector(context), SessionCollector(context), *rules]).run(module)
    for rule in rules:
        rule.finish_analysis()
    migrated_module = _RewriteWalk(context, rules).run(module)
    migrated_module = imports.apply(migrated_module, context)
    migrated = migrated_module.bytes

    notes = _resolve_notes(module, context)
    if migrated != original:
        _check_output(original, migrated, path)
    return MigrationResult(path, original, migrated, sorted(context.applied), notes, encoding=module.encoding)


def _dispatch_table(rules: list, prefix: str) -> dict:
    """Node type name -> the rules' hooks for it, in rule order."""
    table: dict = {}
    for rule in rules:
        for attribute in dir(type(rule)):
            if not attribute.startswith(prefix):
                continue
            node_type = attribute[len(prefix):]
            if node_type.startswith("leave_"):
                continue  # collect_leave_X belongs to the leave table
            table.setdefault(node_type, []).append(getattr(rule, attribute))
    return table


class _AnalysisWalk:
    """Every rule's ``collect_X``/``collect_leave_X`` hooks, in one read-only walk."""

    def __init__(self, context: MigrationContext, rules: list) -> None:
        self.context = context
        self.hooks = _dispatch_table(rules, "collect_")
        self.leave_hooks = _dispatch_table(rules, "collect_leave_")

    def run(self, module: cst.Module) -> None:
        walk.visit(module, self.on_visit, self.on_leave)

    def on_visit(self, node: cst.CSTNode) -> bool:
        _enter(self.context, node)
        for hook in self.hooks.get(type(node).__name__, ()):
            hook(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        for hook in self.leave_hooks.get(type(original_node).__name__, ()):
            hook(original_node)
        _leave(self.context, original_node)


class _RewriteWalk:
    """Every rule's ``rewrite_X`` hooks, in one walk that rebuilds only what they change."""

    def __init__(self, context: MigrationContext, rules: list) -> None:
        self.context = context
        self.hooks = _dispatch_table(rules, "rewrite_")

    def run(self, module: cst.Module) -> cst.Module:
        return walk.transform(module, self.on_visit, self.on_leave)

    def on_visit(self, node: cst.CSTNode) -> bool:
        _enter(self.context, node)
        return True

    def on_leave(self, original_node, updated_node):
        result = updated_node
        for hook in self.hooks.get(type(original_node).__name__, ()):
            result = hook(original_node, result)
            if not isinstance(result, type(original_node)):
                break  # replaced by another kind of node, flattened or removed
        if _kind(type(original_node))[0] and self.context.pending_notes:
            result = _attach_notes(self.context, original_node, result)
        _leave(self.context, original_node)
        return result


#: node type -> (is a statement, opens a scope); libcst's base classes are ABCs, and an
#: isinstance check against them on every node of every walk was the engine's top cost.
_KINDS: dict = {}


def _kind(node_type: type) -> tuple:
    kind = _KINDS.get(node_type)
    if kind is None:
        kind = _KINDS[node_type] = (issubclass(node_type, _STATEMENT_TYPES), issubclass(node_type, _SCOPE_TYPES))
    return kind


def _enter(context: MigrationContext, node: cst.CSTNode) -> None:
    context.ancestors.append(node)
    statement, scope = _kind(type(node))
    if statement:
        context.statement_stack.append(node)
    if scope:
        context.scope_stack.append(node)


def _leave(context: MigrationContext, node: cst.CSTNode) -> None:
    context.ancestors.pop()
    statement, scope = _kind(type(node))
    if statement:
        context.statement_stack.pop()
    if scope:
        context.scope_stack.pop()


def _attach_notes(context: MigrationContext, statement, result):
    comments = [note_comment(code, message) for _, owner, code, message in context.pending_notes if owner is statement]
    if not comments:
        return result
    target = result
    if isinstance(result, cst.FlattenSentinel):
        target = result.nodes[0]
    if not hasattr(target, "leading_lines"):
        return result
    present = {line.comment.value for line in target.leading_lines if line.comment is not None}
    added = [cst.EmptyLine(comment=cst.Comment(text)) for text in dict.fromkeys(comments) if text not in present]
    if not added:
        return result
    updated = target.with_changes(leading_lines=[*target.leading_lines, *added])
    if isinstance(result, cst.FlattenSentinel):
        return cst.FlattenSentinel([updated, *result.nodes[1:]])
    return updated


def _resolve_notes(module: cst.Module, context: MigrationContext) -> list:
    if not context.pending_notes:
        return []
    found = positions.starts(module, {id(node): node for node, _, _, _ in context.pending_notes}.values())
    notes = set()
    for node, _, code, message in context.pending_notes:
        line, column = found.get(id(node), (0, -1))
        notes.add(Note(code, line, column + 1, message))
    return sorted(notes, key=lambda note: (note.line, note.column, note.code, note.message))


def _check_output(original: bytes, migrated: bytes, path: str) -> None:
    """The safety net: a rewrite that does not compile is never handed back."""
    try:
        compile(original, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        # Newer syntax than this interpreter knows: libcst parsing is the best check we have.
        try:
            cst.parse_module(migrated)
        except cst.ParserSyntaxError as error:
            raise MigrationError(f"the rewrite does not parse ({_one_line(error)}); file left unchanged") from None
        return
    try:
        compile(migrated, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as error:
        raise MigrationError(f"the rewrite does not compile ({_one_line(error)}); file left unchanged") from None


def _one_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
