"""Assertions shared by the rule and fixture tests (django-upgrade style): sources are
dedented, expected output must compile, comparison is exact, and a second run must
change nothing."""

from __future__ import annotations

import textwrap

from migrator import migrate_source

#: A v2 endpoint line, and the v3 line it becomes in a project with no formatter configured
#: (black's 88 columns), as the CLI writes it.
V2_LINE = 'URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"\n'
V3_LINE = (
    'URL = "wss://streaming.assemblyai.com/v3/ws?" + urlencode(\n'
    "    {\n"
    '        "sample_rate": 16000,\n'
    '        "speech_model": "universal-streaming-english",\n'
    '        "format_turns": True,\n'
    "    }\n"
    ")\n"
)


def check_transformed(before: str, after: str, **options):
    before, after = textwrap.dedent(before), textwrap.dedent(after)
    compile(after, "<expected>", "exec")
    result = migrate_source(before, **options)
    assert result.code == after
    again = migrate_source(result.migrated, **options)
    assert again.code == after, "a second run changed the output"
    return result


def check_noop(source: str, **options):
    source = textwrap.dedent(source)
    result = migrate_source(source, **options)
    assert result.code == source
    assert not result.changed
    return result


def note_codes(result) -> list:
    return [(note.line, note.code) for note in result.notes]
