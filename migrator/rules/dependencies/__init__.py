"""Rules that edit what the migrated code depends on, never the code itself."""
