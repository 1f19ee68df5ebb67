"""GitHub workflow commands: escaping and the line of a file's first change."""

from __future__ import annotations

from migrator.annotations import command, escape_data, escape_property, first_changed_line


def test_escapes_follow_the_workflow_command_rules():
    assert escape_data("100% done\r\nnext: a, b") == "100%25 done%0D%0Anext: a, b"
    assert escape_property("dir:a,b%\n") == "dir%3Aa%2Cb%25%0A"
    assert command("warning", "a,b:c.py", "x: 50%\ny", 3, 7, "STT001, STT002") == (
        "::warning file=a%2Cb%3Ac.py,line=3,col=7,title=STT001%2C STT002::x: 50%25%0Ay"
    )


def test_first_changed_line_of_a_diff():
    diff = "--- a/x\n+++ b/x\n@@ -4,5 +4,5 @@\n a\n b\n-c\n+C\n d\n"
    assert first_changed_line(diff) == 6
    assert first_changed_line("--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+new\n") == 1
    assert first_changed_line(None) == 1
