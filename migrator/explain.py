"""``--explain CODE``: a rule's description as plain text, and its example before and after.

The After is what the whole migration (every rule, laid out as the command line lays out a
project that configures nothing) makes of the Before, worked out when asked, so an example
never shows what the tool no longer writes. Lives above the engine and the rules: rules
describe themselves, this module runs them.
"""

from __future__ import annotations

import re
import sys
import textwrap


def example(rule) -> tuple:
    """(before, after) for ``rule``'s example."""
    before = textwrap.dedent(rule.example_before).lstrip("\n")
    if rule.example_after:
        return before, textwrap.dedent(rule.example_after).lstrip("\n")
    from migrator.engine.core import migrate_source
    from migrator.engine.layout import Layout

    return before, migrate_source(before, path=f"<{rule.code} example>", layout=Layout()).code


def explanation(rule) -> str:
    """The text behind ``--explain CODE``: the rule module's docstring as plain text (no reST
    markup), then the example before and after migration."""
    doc = textwrap.dedent(sys.modules[rule.__module__].__doc__ or "").strip()
    doc = doc.split("\n", 1)[1].strip() if "\n" in doc else ""  # the first line repeats the summary
    parts = [f"{rule.code} {rule.name}: {rule.summary}", "", plain_text(doc)]
    if rule.example_before:
        before, after = example(rule)
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
