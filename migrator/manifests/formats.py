"""The manifests read as text: requirement files, ``setup.cfg``, conda's ``environment.yml``.

Each reader returns the :class:`~migrator.manifests.spots.Spot` s of the requirements in the
file; nothing is parsed into a structure and written back, so the rest of the file is never
touched.
"""

from __future__ import annotations

from migrator.manifests.pins import CONDA
from migrator.manifests.spots import Spot, requirement_spot

_INCLUDE_OPTIONS = ("-r", "--requirement", "-c", "--constraint")


def _lines(text: str):
    """(offset, line without its line ending) for each line."""
    offset = 0
    for line in text.splitlines(keepends=True):
        yield offset, line.rstrip("\r\n")
        offset += len(line)


def _without_comment(line: str) -> str:
    """pip's rule: ``#`` at the start of a line or after whitespace begins a comment."""
    for index, character in enumerate(line):
        if character == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
    return line


def requirements_txt(text: str) -> tuple:
    """(spots, included files) of a pip requirements file."""
    spots, includes = [], []
    continued = False
    for offset, line in _lines(text):
        was_continued, continued = continued, line.endswith("\\")
        if was_continued:
            continue  # the tail of a requirement split over lines: left as written
        content = _without_comment(line).rstrip()
        stripped = content.lstrip()
        if not stripped:
            continue
        if stripped.startswith("-"):
            option, _, value = stripped.replace("=", " ", 1).partition(" ")
            if option in _INCLUDE_OPTIONS and value.strip():
                includes.append(value.strip())
            continue
        requirement, hashed = content, False
        for marker in (" --", "\t--"):
            cut = requirement.find(marker)
            if cut >= 0:
                hashed = hashed or "--hash" in requirement[cut:]
                requirement = requirement[:cut]
        spot = requirement_spot(requirement, offset, hashed=hashed)
        if spot is not None:
            spots.append(spot)
    return spots, includes


def setup_cfg(text: str) -> list:
    """Spots of ``[options] install_requires`` and every ``[options.extras_require]`` entry."""
    spots = []
    section, in_value = None, False
    for offset, line in _lines(text):
        stripped = line.strip()
        if line[:1] == "[":
            section, in_value = stripped.strip("[]").strip(), False
            continue
        if not stripped or stripped[0] in "#;":
            continue
        if line[:1].isspace():
            if in_value:
                spot = requirement_spot(_without_comment(line).rstrip(), offset)
                if spot is not None:
                    spots.append(spot)
            continue
        key, separator, value = line.partition("=")
        if not separator:
            key, separator, value = line.partition(":")
        key = key.strip()
        in_value = (section == "options" and key == "install_requires") or section == "options.extras_require"
        if in_value and value.strip():
            start = offset + line.index(separator) + 1
            spot = requirement_spot(_without_comment(line[line.index(separator) + 1 :]).rstrip(), start)
            if spot is not None:
                spots.append(spot)
    return spots


def environment_yml(text: str) -> list:
    """Spots of the top-level ``dependencies`` of a conda environment, conda's match specs and
    the PEP 508 requirements of its ``pip:`` list alike. The YAML is only composed, to find
    where each entry is; the file is edited as text."""
    import yaml

    root = yaml.compose(text)
    if not isinstance(root, yaml.MappingNode):
        return []
    spots = []
    for key, value in root.value:
        if getattr(key, "value", None) != "dependencies" or not isinstance(value, yaml.SequenceNode):
            continue
        for item in value.value:
            if isinstance(item, yaml.ScalarNode):
                start = _scalar_start(text, item)
                if start is not None:
                    spot = _conda_spot(item.value, start)
                    if spot is not None:
                        spots.append(spot)
            elif isinstance(item, yaml.MappingNode):
                for sub_key, sub_value in item.value:
                    if getattr(sub_key, "value", None) == "pip" and isinstance(sub_value, yaml.SequenceNode):
                        for entry in sub_value.value:
                            start = _scalar_start(text, entry) if isinstance(entry, yaml.ScalarNode) else None
                            if start is not None:
                                spot = requirement_spot(entry.value, start)
                                if spot is not None:
                                    spots.append(spot)
    return spots


def _scalar_start(text: str, node) -> "int | None":
    """Where a scalar's value starts in the text, when the text spells it as it is (no escapes)."""
    raw = text[node.start_mark.index : node.end_mark.index]
    if raw == node.value:
        return node.start_mark.index
    if len(raw) >= 2 and raw[0] in "'\"" and raw[-1] == raw[0] and raw[1:-1] == node.value:
        return node.start_mark.index + 1
    return None


def _conda_spot(entry: str, start: int):
    """A conda match spec: ``[channel::]name[ ]constraint``; the constraint keeps conda's syntax."""
    from packaging.utils import canonicalize_name

    index = entry.find("::") + 2 if "::" in entry else 0
    name_start = index
    while index < len(entry) and (entry[index].isalnum() or entry[index] in "._-"):
        index += 1
    name = entry[name_start:index]
    if not name:
        return None
    while index < len(entry) and entry[index] == " ":
        index += 1
    return Spot(canonicalize_name(name), name, start + index, start + len(entry.rstrip()), CONDA)
