"""The contract every rule follows.

A rule is a plain class (not a libcst visitor) so that the engine can run all rules in
one combined walk: methods named ``collect_<NodeType>(node)`` run in the analysis walk,
``rewrite_<NodeType>(original, updated)`` in the rewrite walk and return the new node.
``rewrite_Module`` runs last of all, once per file, for rules that insert statements.
"""

from __future__ import annotations

import re
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
    #: A v2 snippet this rule rewrites: ``--explain`` shows it and, as "After", what the whole
    #: migration (every rule) makes of it, computed when asked, so the two cannot drift apart.
    example_before: ClassVar[str] = ""
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
    def example(cls) -> tuple:
        """(before, after): the rule's example and the migrator's real output for it, laid out
        as the command line lays it out in a project that configures nothing."""
        from migrator.engine.core import migrate_source
        from migrator.engine.layout import Layout

        before = textwrap.dedent(cls.example_before).lstrip("\n")
        return before, migrate_source(before, path=f"<{cls.code} example>", layout=Layout()).code

    @classmethod
    def explanation(cls) -> str:
        """The text behind ``--explain CODE``: the module docstring as plain text (no reST
        markup), then the example before and after migration."""
        doc = textwrap.dedent(sys.modules[cls.__module__].__doc__ or "").strip()
        doc = doc.split("\n", 1)[1].strip() if "\n" in doc else ""  # the first line repeats the summary
        parts = [f"{cls.code} {cls.name}: {cls.summary}", "", plain_text(doc)]
        if cls.example_before:
            before, after = cls.example()
            parts += ["", "Before:", "", textwrap.indent(before.rstrip("\n"), "    ")]
            parts += ["", "After:", "", textwrap.indent(after.rstrip("\n"), "    ")]
        return "\n".join(parts) + "\n"


#: reST inline markup as docstrings write it: ``literal``, :role:`~dotted.target`, `interpreted`.
_LITERAL = re.compile(r"``(.+?)``", re.DOTALL)
_ROLE = re.compile(r":[a-z]+:`(~?)([^`]+)`")
_INTERPRETED = re.compile(r"(?<![\w`])`([^`]+)`(?![\w`])")
_BULLET = re.compile(r"^[*-] ")


def _role_text(match) -> str:
    tilde, target = match.groups()
    return target.rsplit(".", 1)[-1] if tilde else target


def plain_text(rst: str, width: int = 88) -> str:
    """A docstring's reST as text for a terminal: inline markup dropped (``x`` and
    :func:`x` print as x), each paragraph and bullet item (``* ``, printed as ``- ``)
    re-wrapped at ``width``."""
    text = _ROLE.sub(_role_text, rst)
    text = _LITERAL.sub(lambda match: match.group(1), text)
    text = _INTERPRETED.sub(lambda match: match.group(1), text)
    blocks = []
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        items, current = [], None
        for line in paragraph.splitlines():
            if _BULLET.match(line) or current is None:
                current = [line[2:] if _BULLET.match(line) else line, bool(_BULLET.match(line))]
                items.append(current)
            else:
                current[0] += " " + line.strip()
        blocks.append(
            "\n".join(
                textwrap.fill(words, width, initial_indent="- ", subsequent_indent="  ")
                if bullet
                else textwrap.fill(words, width)
                for words, bullet in items
            )
        )
    return "\n\n".join(blocks)
