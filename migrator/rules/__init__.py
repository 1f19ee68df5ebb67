"""The rules: one module per rewrite, discovered by name.

Adding a module here that defines a :class:`~migrator.rules.base.Rule` subclass adds a rule;
nothing else (engine, CLI, docs table) needs touching.
"""
from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Iterable, Optional

from migrator.rules.base import Rule


@lru_cache(maxsize=None)
def all_rules() -> tuple:
    """Every rule class, ordered by code (the order they run in)."""
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, Rule) and value is not Rule and value.__module__ == module.__name__:
                found.append(value)
    found.sort(key=lambda rule: rule.code)
    codes = [rule.code for rule in found]
    duplicates = {code for code in codes if codes.count(code) > 1}
    if duplicates:
        raise RuntimeError(f"rule codes used twice: {sorted(duplicates)}")
    return tuple(found)


def rules_by_code() -> dict:
    return {rule.code: rule for rule in all_rules()}


class UnknownRuleError(ValueError):
    pass


def select_rules(select: Optional[Iterable[str]] = None, ignore: Optional[Iterable[str]] = None) -> tuple:
    """Rule classes after ``--select``/``--ignore``; codes match by prefix (``STT00`` selects STT001-STT009)."""
    known = rules_by_code()

    def expand(codes: Iterable[str]) -> set:
        chosen = set()
        for raw in codes:
            code = raw.strip().upper()
            if not code:
                continue
            matches = {c for c in known if c.startswith(code)}
            if not matches:
                raise UnknownRuleError(f"unknown rule code: {raw!r} (see --list-rules)")
            chosen |= matches
        return chosen

    chosen = expand(select) if select else set(known)
    if ignore:
        chosen -= expand(ignore)
    return tuple(rule for rule in all_rules() if rule.code in chosen)
