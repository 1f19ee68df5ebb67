"""Each rule's own example (what ``--explain`` shows) is also a test of that rule alone."""

import textwrap

import pytest

from migrator import migrate_source
from migrator.rules import all_rules


@pytest.mark.parametrize("rule", [rule for rule in all_rules() if rule.edits_python], ids=lambda rule: rule.code)
def test_rule_example_is_exact(rule):
    before = textwrap.dedent(rule.example_before).lstrip("\n")
    after = textwrap.dedent(rule.example_after).lstrip("\n")
    compile(after, f"<{rule.code} example>", "exec")
    assert migrate_source(before, select=[rule.code]).code == after


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_is_documented(rule):
    assert rule.code.startswith("STT") and len(rule.code) == 6
    assert rule.name and rule.summary and rule.markers
    explanation = rule.explanation()
    assert explanation.startswith(f"{rule.code} {rule.name}: ")
    assert "Before:" in explanation and "After:" in explanation
