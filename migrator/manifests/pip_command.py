"""A ``pip install`` command line, as notebooks write it (``!pip install -q assemblyai==0.30.0``,
``%pip install "websockets>=10"``, ``!{sys.executable} -m pip install ...``): the same
constraint changes as a requirement file, word by word.

A constraint that gains ``<`` or ``>`` is quoted (unquoted, the shell reads
``assemblyai>=0.64.16`` as a redirection to a file named ``=0.64.16``). With ``-U`` /
``--upgrade`` pip installs the newest release anyway, so an unpinned name stays unpinned.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field

from migrator.manifests.pep508 import locate
from migrator.manifests.pins import PEP440, Wanted, decide

#: Options that take a value as the next word.
_WITH_VALUE = frozenset(
    {
        "-r", "--requirement", "-c", "--constraint", "-e", "--editable", "-i", "--index-url",
        "--extra-index-url", "-f", "--find-links", "-t", "--target", "--prefix", "--root",
        "--platform", "--python-version", "--implementation", "--abi", "--src", "--progress-bar",
        "--log", "--proxy", "--retries", "--timeout", "--cache-dir", "--trusted-host", "--upgrade-strategy",
    }
)  # fmt: skip
_SEPARATORS = frozenset({"&&", "||", ";", "|", ">", "2>", ">>", "&>"})


@dataclass
class PipCommandUpdate:
    """The command with its constraints brought up to date, the wanted packages it installs, and
    notes ``(0-based column, message)``."""

    text: str
    listed: set = field(default_factory=set)
    notes: list = field(default_factory=list)
    #: (start, end, new word) in ``text``'s original.
    replacements: list = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.replacements)


def _words(line: str):
    """(start, end, word as the shell reads it) for each whitespace-separated word."""
    index = 0
    while index < len(line):
        while index < len(line) and line[index].isspace():
            index += 1
        if index >= len(line):
            return
        start, quote = index, None
        while index < len(line) and (quote or not line[index].isspace()):
            if quote is None and line[index] in "'\"":
                quote = line[index]
            elif line[index] == quote:
                quote = None
            index += 1
        raw = line[start:index]
        try:
            parts = shlex.split(raw)
        except ValueError:
            parts = [raw]
        yield start, index, parts[0] if len(parts) == 1 else raw


def update_pip_command(line: str, wanted: dict) -> PipCommandUpdate:
    """``line`` (one source line, with its ``!``/``%`` prefix) with the constraints of the wanted
    packages it installs brought up to date; ``wanted``: canonical name ->
    :class:`~migrator.manifests.pins.Wanted`. Lines that are not ``pip install`` come back as they are."""
    update = PipCommandUpdate(line)
    words = list(_words(line))
    names = [word for _, _, word in words]
    try:
        install = next(
            index for index, word in enumerate(names[:-1])
            if word.lstrip("!%").rsplit("/", 1)[-1] in ("pip", "pip3") or (word == "pip" and index)
            if names[index + 1] == "install"
        )  # fmt: skip
    except StopIteration:
        return update
    upgrade = False
    chosen = []
    skip = False
    for start, end, word in words[install + 2 :]:
        if skip:
            skip = False
            continue
        if word in _SEPARATORS or word.startswith(("#", ">", "2>")):
            break
        if word.startswith("-"):
            upgrade = upgrade or word == "--upgrade" or (not word.startswith("--") and "U" in word)
            skip = word in _WITH_VALUE
            continue
        chosen.append((start, end, word))
    for start, end, word in chosen:
        located = locate(word)
        if located is None or located.key not in wanted:
            continue
        update.listed.add(located.key)
        need = wanted[located.key]
        if upgrade:
            need = Wanted(need.package, need.minimum, need.reason, False, need.needed_by)
        decision = decide(word[located.start : located.end], need, PEP440, located.name)
        if decision.message:
            update.notes.append((start, decision.message))
        if decision.new is not None and not located.url:
            new_word = word[: located.start] + decision.new + word[located.end :]
            quote = line[start] if line[start] in "'\"" else ("'" if '"' in new_word else '"')
            if line[start] in "'\"" or any(character in new_word for character in "<>|&; "):
                new_word = f"{quote}{new_word}{quote}"
            update.replacements.append((start, end, new_word))
    text = line
    for start, end, new_word in sorted(update.replacements, reverse=True):
        text = text[:start] + new_word + text[end:]
    update.text = text
    return update
