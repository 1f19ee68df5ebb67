"""Each rule's own example, as ``--explain`` shows it: the "After" is the whole migration of
the "Before" (every rule, not the rule alone), so it never shows v2 code a user's run would
rewrite; and the text is plain, without reST markup."""

import re
import subprocess
import sys
import textwrap

import pytest

from migrator import migrate_source
from migrator.engine.layout import Layout
from migrator.explain import example, explanation, plain_text
from migrator.markers import STREAMING_V2_MARKERS
from migrator.rules import all_rules


def code_lines(source: str) -> str:
    """The source without comment lines (notes name v2 things on purpose)."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))


@pytest.mark.parametrize("rule", [rule for rule in all_rules() if rule.edits_python], ids=lambda rule: rule.code)
def test_rule_example_after_is_the_whole_migration(rule):
    before, after = example(rule)
    result = migrate_source(before, layout=Layout())
    assert after == result.code
    assert rule.code in result.rules_applied
    compile(after, f"<{rule.code} example>", "exec")
    assert migrate_source(after, layout=Layout()).code == after, "a second run would change the After"
    left = [marker.decode() for marker in STREAMING_V2_MARKERS if marker.decode() in code_lines(after)]
    assert not left, f"the After still has v2 code: {left}"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_is_documented(rule):
    assert rule.code.startswith("STT") and len(rule.code) == 6
    assert rule.name and rule.summary and rule.markers
    text_shown = explanation(rule)
    assert text_shown.startswith(f"{rule.code} {rule.name}: ")
    assert "Before:" in text_shown and "After:" in text_shown
    text = text_shown.split("Before:")[0]
    assert not re.search(r"``|:[a-z]+:`|`\w", text), "reST markup in the explanation"
    assert all(len(line) <= 88 for line in text.splitlines()[1:]), "the description is wrapped at 88"


def test_plain_text_drops_markup_and_rewraps():
    rst = textwrap.dedent(
        """\
        Calls ``websockets.connect`` and :func:`~migrator.files.find`
        (see :mod:`migrator.runner`), `interpreted` too.

        * ``confidence`` -> ``end_of_turn_confidence``: a long item that goes on
          over two lines;
        * ``created`` -> None.
        """
    )
    assert plain_text(rst, width=40) == (
        "Calls websockets.connect and find (see\n"
        "migrator.runner), interpreted too.\n"
        "\n"
        "- confidence -> end_of_turn_confidence:\n"
        "  a long item that goes on over two\n"
        "  lines;\n"
        "- created -> None."
    )


def test_explain_stt010_shows_the_v3_url_in_the_terminal():
    result = subprocess.run(
        [sys.executable, "-m", "migrator", "--explain", "STT010"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0
    after = result.stdout.split("After:")[1]
    assert "additional_headers=" in after
    assert "/v2/realtime" not in after and '"wss://streaming.assemblyai.com/v3/ws?" + urlencode(' in after
    assert "``" not in result.stdout
    assert result.stdout.startswith(
        "STT010 websockets-headers: websockets.connect(extra_headers=) -> additional_headers= for the new client"
        " (legacy import kept)\n\nThe tutorial passes the key with extra_headers=, which only the legacy asyncio"
        " client\n"
    )
