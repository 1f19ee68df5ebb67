"""migrate-stt: move AssemblyAI real-time Streaming v2 scripts to Universal Streaming v3.

The library API is :func:`migrate_source` (bytes or text in, a :class:`MigrationResult` out);
the ``migrate-stt`` command is a thin layer over it and over :mod:`migrator.files`.
"""
from migrator.context import Note
from migrator.engine import MigrationError, MigrationResult, migrate_source

__version__ = "0.1.0"

__all__ = ["MigrationError", "MigrationResult", "Note", "__version__", "migrate_source"]
