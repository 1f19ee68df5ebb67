"""The contract every rule follows.

A rule is a plain class (not a libcst visitor) so that the engine can run all rules in
one combined walk: methods named ``collect_<NodeType>(node)`` run in the analysis walk,
``rewrite_<NodeType>(original, updated)`` in the rewrite walk and return the new node.
``rewrite_Module`` runs last of all, once per file, for rules that insert statements.
"""

from __future__ import annotations

import sys
import textwrap
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
    #: A v2 snippet and what the rule (alone) makes of it: documentation and a test.
    example_before: ClassVar[str] = ""
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

    @classmethod
    def explanation(cls) -> str:
        """The text behind ``--explain CODE``: docstring plus the example."""
        doc = textwrap.dedent(sys.modules[cls.__module__].__doc__ or "").strip()
        doc = doc.split("\n", 1)[1].strip() if "\n" in doc else ""  # the first line repeats the summary
        parts = [f"{cls.code} {cls.name}: {cls.summary}", "", doc]
        if cls.example_before:
            parts += ["", "Before:", "", textwrap.indent(textwrap.dedent(cls.example_before).strip("\n"), "    ")]
            parts += ["", "After:", "", textwrap.indent(textwrap.dedent(cls.example_after).strip("\n"), "    ")]
        return "\n".join(parts) + "\n"
