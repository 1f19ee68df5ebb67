"""``pyproject.toml`` and ``Pipfile``, edited with tomlkit so the rest of the file (comments,
order, quoting, spacing) is written back exactly.

``pyproject.toml``: ``[project] dependencies``, ``[project.optional-dependencies]``,
``[dependency-groups]`` (PEP 508 strings) and Poetry's ``[tool.poetry.dependencies]``,
``[tool.poetry.dev-dependencies]`` and ``[tool.poetry.group.<name>.dependencies]`` (Poetry
constraints, a string or a table with ``version``). ``Pipfile``: ``[packages]`` and
``[dev-packages]`` (PEP 440 specifiers, ``"*"`` for any).
"""

from __future__ import annotations

import tomlkit
from packaging.utils import canonicalize_name
from tomlkit.items import String

from migrator.manifests.pep508 import locate
from migrator.manifests.pins import PEP440, POETRY, decide
from migrator.manifests.spots import Update


def pyproject_toml(text: str, wanted: dict) -> Update:
    document = tomlkit.parse(text)
    update = Update(text)
    project = document.get("project", {})
    arrays = [project.get("dependencies")]
    arrays += list(project.get("optional-dependencies", {}).values())
    arrays += list(document.get("dependency-groups", {}).values())
    for array in arrays:
        if isinstance(array, list):
            for index, item in enumerate(array):
                if isinstance(item, str):
                    _requirement_item(array, index, item, wanted, update, text)
    poetry = document.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [group.get("dependencies") for group in poetry.get("group", {}).values() if hasattr(group, "get")]
    for table in tables:
        if hasattr(table, "items"):
            _constraint_table(table, wanted, update, text, POETRY)
    return _finish(document, update)


def pipfile(text: str, wanted: dict) -> Update:
    document = tomlkit.parse(text)
    update = Update(text)
    for section in ("packages", "dev-packages"):
        table = document.get(section)
        if hasattr(table, "items"):
            _constraint_table(table, wanted, update, text, PEP440)
    return _finish(document, update)


def _finish(document, update: Update) -> Update:
    if update.notes and any(note[2] for note in update.notes):
        update.text = tomlkit.dumps(document)
    update.notes = [(offset, message) for offset, message, _ in update.notes]
    return update


def _requirement_item(array, index: int, item, wanted: dict, update: Update, text: str) -> None:
    located = locate(str(item))
    if located is None or located.key not in wanted:
        return
    need = wanted[located.key]
    update.listed.add(located.key)
    offset = _offset(text, item, located.start)
    if located.url:
        update.notes.append(
            (
                offset,
                f"{located.name} is installed from a URL: check that it gives "
                f"{need.package}>={need.minimum}; {need.reason}",
                False,
            )
        )
        return
    value = str(item)
    decision = decide(value[located.start : located.end], need, PEP440, located.name)
    if decision.message:
        update.notes.append((offset, decision.message, decision.new is not None))
    if decision.new is not None:
        array[index] = _same_style(item, value[: located.start] + decision.new + value[located.end :])


def _constraint_table(table, wanted: dict, update: Update, text: str, dialect: str) -> None:
    for name, value in list(table.items()):
        key = canonicalize_name(name)
        if key not in wanted:
            continue
        need = wanted[key]
        update.listed.add(key)
        holder, field = (value, "version") if hasattr(value, "get") else (table, name)
        constraint = holder.get(field) if hasattr(value, "get") else value
        if not isinstance(constraint, str):
            if hasattr(value, "get") and any(source in value for source in ("git", "path", "url", "file")):
                update.notes.append(
                    (
                        _offset(text, None, 0, name),
                        f"{name} is installed from a source, not a "
                        f"release: check that it gives {need.package}>={need.minimum}; {need.reason}",
                        False,
                    )
                )
            elif hasattr(value, "get"):  # a table without a version: any release
                update.notes.extend(_unpinned_table(value, need, name, text))
            continue
        decision = decide(str(constraint), need, dialect, name)
        offset = _offset(text, constraint, 0, name)
        if decision.message:
            update.notes.append((offset, decision.message, decision.new is not None))
        if decision.new is not None:
            holder[field] = _same_style(constraint, decision.new)


def _unpinned_table(value, need, name: str, text: str) -> list:
    decision = decide("", need, POETRY, name)
    if decision.new is None:
        return []
    value["version"] = decision.new
    return [(_offset(text, None, 0, name), decision.message, True)]


def _same_style(item, value: str):
    """A TOML string holding ``value``, quoted as ``item`` was."""
    if isinstance(item, String) and not item.type.is_multiline() and item.as_string()[1:-1] == str(item):
        return String(item.type, value, value, item.trivia)
    return tomlkit.string(value)


def _offset(text: str, item, within: int, key: str = "") -> int:
    """Where a string item (or, failing that, its key) is in the original text: for notes."""
    if item is not None and hasattr(item, "as_string"):
        found = text.find(item.as_string())
        if found >= 0:
            return found + 1 + within
    if key:
        for candidate in (f"\n{key} ", f"\n{key}=", f'\n"{key}"'):
            found = text.find(candidate)
            if found >= 0:
                return found + 1
    return 0
