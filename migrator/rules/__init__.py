"""The rules: one module per rewrite, grouped by family (``shared``, ``websocket_client``,
``async_clients``, ``sdk``), discovered by walking the package.

Adding a module here that defines a :class:`~migrator.rules.base.Rule` subclass adds a rule;
its markers go in :data:`migrator.markers.RULE_MARKERS` (a test holds the two in step), and
nothing else (engine, CLI, docs table) needs touching. Rule modules import libcst, so they
are loaded only by :func:`all_rules`: choosing rules by code needs only the marker table.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache
from typing import Iterable, Optional

from migrator.markers import UnknownRuleError, select_codes

__all__ = ["UnknownRuleError", "all_rules", "rules_by_code", "select_rules"]


@lru_cache(maxsize=None)
def all_rules() -> tuple:
    """Every rule class, ordered by code (the order they run in)."""
    from migrator.rules.base import Rule

    found = []
    for info in pkgutil.walk_packages(__path__, prefix=f"{__name__}."):
        leaf = info.name.rsplit(".", 1)[-1]
        if info.ispkg or leaf.startswith("_") or leaf in ("base", "plan"):
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
            ):
                found.append(value)
    found.sort(key=lambda rule: rule.code)
    codes = [rule.code for rule in found]
    duplicates = {code for code in codes if codes.count(code) > 1}
    if duplicates:
        raise RuntimeError(f"rule codes used twice: {sorted(duplicates)}")
    return tuple(found)


def rules_by_code() -> dict:
    return {rule.code: rule for rule in all_rules()}


def select_rules(select: Optional[Iterable[str]] = None, ignore: Optional[Iterable[str]] = None) -> tuple:
    """Rule classes after ``--select``/``--ignore``; codes match by prefix (``STT00`` selects STT001-STT009)."""
    chosen = set(select_codes(select, ignore))
    return tuple(rule for rule in all_rules() if rule.code in chosen)
