"""migrate-stt: move AssemblyAI real-time Streaming v2 scripts to Universal Streaming v3.

The library API is :func:`migrate_source` (bytes or text in, a :class:`MigrationResult` out);
the ``migrate-stt`` command is a thin layer over it and over :mod:`migrator.files`.
The names are loaded on first use (PEP 562): they pull in libcst, which a ``--check`` that
finds nothing to parse never needs.
"""

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "MigrationError": "migrator.engine.core",
    "MigrationResult": "migrator.engine.core",
    "migrate_source": "migrator.engine.core",
    "Note": "migrator.context",
}

__all__ = ["MigrationError", "MigrationResult", "Note", "__version__", "migrate_source"]


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(set(globals()) | set(_EXPORTS))
