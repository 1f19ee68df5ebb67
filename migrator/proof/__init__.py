"""Proof that a migrated script behaves like a v3 client: the local emulator, the harness that
runs a script against it, the checks and ``--verify``. No rule imports this package."""
