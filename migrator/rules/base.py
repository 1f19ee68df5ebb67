"""The contract every rule follows.

A rule is a plain class (not a libcst visitor) so that the engine can run all rules in
one combined walk: methods named ``collect_<NodeType>(node)`` run in the analysis walk,
``rewrite_<NodeType>(original, updated)`` in the rewrite walk and return the new node.
``rewrite_Module`` runs last of all, once per file, for rules that insert statements.
"""

from __future__ import annotations

from typing import ClassVar

from migrator.context import MigrationContext
from migrator.notes import WARNING


class Rule:
    #: Stable code, never reused: ``STT0xx``.
    code: ClassVar[str] = ""
    #: Short kebab-case name.
    name: ClassVar[str] = ""
    #: One line for ``--list-rules`` and the README table.
    summary: ClassVar[str] = ""
    #: Byte strings whose presence in a file makes this rule worth parsing the file for;
    #: a rule takes them from :data:`migrator.markers.RULE_MARKERS`, which the prefilter reads.
    markers: ClassVar[tuple] = ()
    #: A v2 snippet this rule rewrites: ``--explain`` shows it and, as "After", what the whole
    #: migration (every rule) makes of it, computed when asked, so the two cannot drift apart.
    example_before: ClassVar[str] = ""
    #: Only for a rule whose example is not a script (STT030's is a requirements file): its
    #: After as written. Every other rule's After is the migrator's real output
    #: (:func:`migrator.explain.example`), so it can never go stale.
    example_after: ClassVar[str] = ""
    #: False for a rule that edits no Python (STT030 edits dependency manifests): its example
    #: is not a script, and ``applies_to`` keeps it out of every file's walks.
    edits_python: ClassVar[bool] = True

    def __init__(self, context: MigrationContext) -> None:
        self.context = context

    @property
    def facts(self):
        return self.context.facts

    def applied(self) -> None:
        self.context.mark_applied(self.code)

    def module_name(self, module: str) -> str:
        """The name the file reads ``module`` by; ``import module`` is added when it has none
        (``from websocket import WebSocketApp`` alone gives no name for ``websocket.ABNF``)."""
        alias = self.facts.alias_of(module)
        if alias is None:
            self.context.add_import(module)
            alias = module
        return alias

    def note(self, node, message: str, statement=None, severity: str = WARNING) -> None:
        """A note for the user above ``node``'s statement: ``severity`` is ERROR where the code
        as left will not work on v3, WARNING (the default) where behaviour may differ, INFO
        for the record (:mod:`migrator.notes`)."""
        self.context.note(node, self.code, message, statement, severity)

    @classmethod
    def applies_to(cls, source: bytes) -> bool:
        """False when the file's bytes alone show this rule has nothing to do there, so it is
        left out of that file's walks. Must never be False for a file the rule would change."""
        return True

    def finish_analysis(self) -> None:
        """Called once after the analysis walk, when every fact about the file is known."""

    def nodes_to_rewrite(self):
        """Ids of the nodes this rule's ``rewrite_X`` hooks may change (after
        ``finish_analysis``), so the rewrite walk can skip the rest of the file; None when the
        rule cannot tell, and then the whole file is walked. ``rewrite_Module`` always runs."""
        return None
