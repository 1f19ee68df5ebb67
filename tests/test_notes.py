"""Notes as comments: the format, wrapping to the line length, and reading them back."""

from __future__ import annotations

from migrator.notes import ERROR, INFO, WARNING, Note, comment_text, notes_in_comments, notes_in_source, wrap_notes


def test_the_severity_is_written_unless_it_is_a_warning():
    assert comment_text("STT009", "m", ERROR) == "# migrate-stt(STT009, error): m"
    assert comment_text("STT009", "m", WARNING) == "# migrate-stt(STT009): m"
    assert comment_text("STT009", "m", INFO) == "# migrate-stt(STT009, info): m"


def test_long_notes_wrap_at_their_indentation_and_read_back_whole():
    message = "word " * 30 + "end"
    text = f"def f():\n    {comment_text('STT008', message.strip(), ERROR)}\n    return 1\n"
    wrapped = wrap_notes(text, 60)
    lines = wrapped.splitlines()
    assert all(len(line) <= 60 for line in lines)
    assert lines[1].startswith("    # migrate-stt(STT008, error): word")
    assert all(line.startswith("    #   word") or line.startswith("    #   end") for line in lines[2:-1])
    assert notes_in_source(wrapped) == [Note("STT008", 2, 5, message.strip(), ERROR)]
    assert wrap_notes(wrapped, 60) == wrapped


def test_only_comments_are_notes_and_other_comments_end_a_note():
    text = (
        's = "# migrate-stt(STT001): not a note, a string"\n'
        "# migrate-stt(STT001): first\n"
        "#   continued\n"
        "# a comment of the user's\n"
        "x = 1  # migrate-stt(STT002): after code on the line: not a note\n"
    )
    assert notes_in_source(text) == [Note("STT001", 2, 1, "first continued")]


def test_notes_in_comments_joins_continuations():
    comments = ["# migrate-stt(STT004): a", "#   b", "# migrate-stt(STT005, info): c"]
    assert notes_in_comments(comments) == [("STT004", WARNING, "a b"), ("STT005", INFO, "c")]


def test_a_file_that_does_not_tokenize_has_no_notes():
    assert notes_in_source('# migrate-stt(STT001): x\ns = """unterminated\n') == []


def test_a_continuation_never_reads_as_a_type_comment():
    text = "# migrate-stt(STT003): " + "x" * 40 + " type: v3 sends Turn\n"
    wrapped = wrap_notes(text, 70)
    assert not any(line.startswith("#   type:") for line in wrapped.splitlines())
    assert notes_in_source(wrapped)[0].message == "x" * 40 + " type: v3 sends Turn"


def test_comments_read_off_the_lines_are_the_tokenizers_comments():
    """The fast way to find comment lines (the lines, with the parser's word that none is
    inside a string) finds exactly what the tokenizer finds, or leaves it to the tokenizer."""
    from pathlib import Path

    from migrator.notes import _comment_lines, _tokenized_comments

    root = Path(__file__).resolve().parent.parent
    texts = [path.read_text(encoding="utf-8") for path in sorted((root / "fixtures").rglob("*.py"))]
    texts += [path.read_text(encoding="utf-8") for path in sorted((root / "migrator").rglob("*.py"))]
    texts += [
        'x = """\n# inside a string\n"""\n# outside\n',
        'x = ("a"\n     # between the parts of a string\n     "b")\n',
        "if x:\r\n    # crlf\r\n    pass\r\n",
        "a = 1\r# a lone carriage return\n",
        "def f():\n\t# a tab, then\n\tpass  # not alone\n",
    ]
    read_off = 0
    for text in texts:
        found = _comment_lines(text)
        if found is not None:
            read_off += 1
            assert found == list(_tokenized_comments(text)), text[:200]
    assert read_off >= len(texts) // 2
    assert _comment_lines('x = """\n# inside a string\n"""\n') is None
    assert _comment_lines('x = ("a"\n     # between\n     "b")\n') is None
