"""Recognising the pyaudio capture in a script: ``PyAudio().open(...)`` calls, the
stream variables they are bound to, and the chunk size they read."""

from __future__ import annotations

import libcst as cst

from migrator import walk
from migrator.model.endpoints import literal_value
from migrator.syntax import dotted_name, keyword

_OPEN_KEYWORDS = ("frames_per_buffer", "input", "rate")


def is_audio_open(node) -> bool:
    """``<pyaudio instance>.open(format=..., rate=..., input=True, frames_per_buffer=...)``."""
    return (
        isinstance(node, cst.Call)
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value == "open"
        and sum(keyword(node, name) is not None for name in _OPEN_KEYWORDS) >= 2
    )


def evaluate(node, constants: dict, depth: int = 0):
    """A number for simple arithmetic over literals and constants, else None."""
    if depth > 8:
        return None
    value = literal_value(node, constants)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(node, cst.Float):
        return float(node.value)
    name = dotted_name(node)
    if name and name in constants:
        return evaluate(constants[name], constants, depth + 1)
    if isinstance(node, cst.BinaryOperation):
        left = evaluate(node.left, constants, depth + 1)
        right = evaluate(node.right, constants, depth + 1)
        if left is None or right is None:
            return None
        operator = node.operator
        try:
            if isinstance(operator, cst.Multiply):
                return left * right
            if isinstance(operator, cst.Divide):
                return left / right
            if isinstance(operator, cst.FloorDivide):
                return left // right
            if isinstance(operator, cst.Add):
                return left + right
            if isinstance(operator, cst.Subtract):
                return left - right
        except ZeroDivisionError:
            return None
        return None
    if isinstance(node, cst.Call) and dotted_name(node.func) in ("int", "round") and len(node.args) == 1:
        inner = evaluate(node.args[0].value, constants, depth + 1)
        return None if inner is None else int(round(inner)) if dotted_name(node.func) == "round" else int(inner)
    return None


#: The sample rates a chunk computed from the rate itself is worked out at (see chunk_ms_range).
_PROBE_RATES = (8000, 48000)


def local_assignments(function) -> dict:
    """``name -> expression`` for the names a function's own body assigns exactly once with
    a plain ``name = expression`` (not in nested defs or classes)."""
    found: dict = {}
    seen: set = set()

    def enter(node) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) and node is not function:
            return False
        if isinstance(node, cst.Assign):
            for target in node.targets:
                name = dotted_name(target.target)
                if name in seen:
                    found.pop(name, None)
                elif name:
                    seen.add(name)
                    found[name] = node.value
        return True

    if function is not None:
        walk.visit(function, enter, lambda node: None)
    return found


def chunk_ms_range(frames, rate, constants: dict, local: dict):
    """(shortest, longest) milliseconds of audio in a chunk of ``frames`` captured at ``rate``
    when the frames are computed from that very rate (``sample_rate // 20``,
    ``int(rate * 0.05)``) and the rate itself is not known: the chunk's duration then hardly
    depends on the rate, so it is worked out at 8 and 48 kHz. None when ``frames`` does not
    follow from the rate (and the constants and single local assignments)."""
    rate_name = dotted_name(rate) if rate is not None else ""
    if not rate_name:
        return None
    durations = []
    for probe in _PROBE_RATES:
        known = {**constants, **local, rate_name: cst.Integer(str(probe))}
        frames_count = evaluate(frames, known)
        if frames_count is None:
            return None
        durations.append(frames_count * 1000 / probe)
    return min(durations), max(durations)
