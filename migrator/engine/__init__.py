"""The engine: one parse, the value model, one analysis walk, one rewrite walk, one import fix-up
(see ``docs/architecture.md``)."""

from migrator.engine.core import MigrationError, MigrationResult, migrate_source, needs_migration_scan

__all__ = ["MigrationError", "MigrationResult", "migrate_source", "needs_migration_scan"]
