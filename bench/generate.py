"""A synthetic repository for the benchmark: ordinary Python with a few v2 clients in it.

Ordinary modules are written by a small grammar (imports, constants, dataclasses, methods,
loops, ``try``/``with`` blocks, f-strings, comprehensions, numbers drawn the way real code
uses them: small counts, sizes, ports, HTTP statuses, timeouts). Nothing in it knows the
migrator's markers; whether a module happens to contain one is left to chance, the way it
is in a real repository, and the benchmark reports how often that happens.

About 1% of the modules are v2 clients: the fixture inputs (``fixtures/*/*/input.py``), one
style after another, each with a small variation (a header comment, ordinary helpers
appended). Every part also gets a few big modules and one big v2 client (a fixture input
followed by thousands of ordinary lines).

A tree is made of equal *parts* (``part0``, ``part1``, ...), each ``scale`` million lines,
so the benchmark can run on 1, 2 or 4 parts to see how cost grows. Output depends only on
``(seed, scale, parts)``: every file has its own ``random.Random`` seeded by its position.

    python bench/generate.py OUT_DIR --scale 0.01 --parts 2
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

#: Bump when the generated content changes, so cached trees are rebuilt.
GENERATOR_VERSION = 2
LINES_PER_SCALE = 1_000_000
V2_SHARE = 0.01
#: Big ordinary modules per part, as shares of the part's lines.
BIG_MODULE_SHARES = (0.01, 0.02, 0.04)
BIG_V2_SHARE = 0.01
#: v2 clients are named ``stt_<case>.py`` (no ordinary module starts with ``stt_``), so a run
#: can leave them out with ``--exclude 'stt_*'`` and time the skip path alone.
V2_GLOB = "stt_*.py"

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

WORDS = (
    "account address agent alert amount api archive asset audit backend balance batch bucket "
    "buffer build cache callback channel chart check client cluster column command comment config "
    "connection consumer container content context count counter country credential cursor customer "
    "dashboard database dataset date deadline delta device digest document domain draft entry event "
    "export feature field filter flag folder format frame group handler header health history host "
    "image index input invoice item job key label layer layout ledger limit link listener loader "
    "location lock log manager manifest member message metric migration mode model module monitor "
    "node notice offset option order owner package page parser partner password path payload peer "
    "permission pipeline plan plugin policy pool port price probe process product profile project "
    "provider proxy query queue quota rate reader receipt record region registry release report "
    "request resource response result retry role route rule runner schedule schema scope score "
    "search secret segment sensor server service setting shard shipment signal site size slot "
    "snapshot source span stage state status step storage store stream subject summary supplier "
    "table tag target task team template tenant test text thread ticket timer topic trace track "
    "transaction transfer tree trigger type unit upload user value vendor version view volume "
    "warehouse webhook widget window worker zone"
).split()
VERBS = (
    "add apply build check clean collect compute convert create decode delete describe dispatch "
    "encode ensure export fetch filter find flush format get handle insert load lookup merge "
    "normalize notify open parse prepare process publish read refresh register reload remove "
    "render reset resolve restore save schedule select send serialize set sort split start stop "
    "store sync update upload validate verify wait write"
).split()
ADJECTIVES = "active cached current default empty final first last local max min new next old pending raw remote total valid".split()
PROSE = (
    "the a an of to for with when if this that each every all any return returns value values "
    "list dict object request response error errors is are be used by from into none given "
    "current default optional new existing field fields item items record records cache key keys "
    "missing invalid empty first last next previous once after before until while since unless"
).split()
#: Content words: each one rare, as in real comments and docstrings.
RARE_PROSE = (
    "created updated deleted found called sent received started stopped loaded saved skipped "
    "retried expired opened closed parsed rendered queued merged rejected accepted cancelled "
    "scheduled flushed rotated archived migrated indexed cached signed verified encoded decoded"
).split()

STDLIB_IMPORTS = (
    "import os",
    "import sys",
    "import re",
    "import json",
    "import time",
    "import logging",
) * 4 + (
    "import asyncio",
    "import hashlib",
    "import itertools",
    "import functools",
    "import shutil",
    "import subprocess",
    "import tempfile",
    "import threading",
    "import uuid",
    "import math",
    "import csv",
    "import base64",
    "import socket",
    "import struct",
    "import argparse",
    "from pathlib import Path",
    "from datetime import datetime, timedelta, timezone",
    "from dataclasses import dataclass, field",
    "from typing import Any, Dict, List, Optional, Tuple",
    "from collections import defaultdict, OrderedDict, Counter",
    "from enum import Enum",
    "from functools import lru_cache, partial",
    "from contextlib import contextmanager",
    "from urllib.parse import urlencode, urlparse",
    "from decimal import Decimal",
    "from concurrent.futures import ThreadPoolExecutor",
    "from abc import ABC, abstractmethod",
)
#: Numbers the way application code uses them.
NUMBERS = (
    (0, 1, 2, 3, 5, 10, 100) * 6
    + (4, 6, 7, 8, 12, 15, 16, 20, 25, 30, 32, 50, 60, 64, 90, 120, 128, 256, 500, 512, 1000, 1024)
    + (200, 201, 204, 301, 302, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503)
    + (3600, 86400, 4096, 8192, 65536, 1_000_000, 5432, 6379, 8000, 8080, 443, 22, 3000, 9000)
)
EXCEPTIONS = ("ValueError", "KeyError", "TypeError", "RuntimeError", "OSError", "LookupError", "TimeoutError")
TYPES = ("int", "str", "float", "bool", "bytes", "dict", "list", "Optional[str]", "List[str]", "Dict[str, Any]")


class ModuleWriter:
    """Writes one ordinary module of about ``target`` lines from its own ``random.Random``."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.lines: List[str] = []

    # ------------------------------------------------------------------ vocabulary

    def word(self) -> str:
        return self.rng.choice(WORDS)

    def name(self) -> str:
        r = self.rng.random()
        if r < 0.45:
            return self.word()
        if r < 0.8:
            return f"{self.rng.choice(ADJECTIVES)}_{self.word()}"
        return f"{self.word()}_{self.word()}"

    def function_name(self) -> str:
        return f"{self.rng.choice(VERBS)}_{self.word()}" + (f"_{self.word()}" if self.rng.random() < 0.3 else "")

    def class_name(self) -> str:
        return "".join(part.capitalize() for part in (self.word(), self.word()))[: self.rng.randint(8, 24)] or "Thing"

    def constant(self) -> str:
        return f"{self.rng.choice(ADJECTIVES).upper()}_{self.word().upper()}"

    def number(self) -> str:
        r = self.rng.random()
        if r < 0.8:
            return str(self.rng.choice(NUMBERS))
        if r < 0.9:
            return f"{self.rng.choice((0.1, 0.25, 0.5, 1.5, 2.0, 0.01, 0.75, 3.14))}"
        return str(self.rng.randint(0, 9999))

    def text(self, low: int = 3, high: int = 9) -> str:
        rng = self.rng
        words = [
            rng.choice(RARE_PROSE) if rng.random() < 0.03 else rng.choice(PROSE) for _ in range(rng.randint(low, high))
        ]
        return " ".join(words).capitalize()

    def literal(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            return self.number()
        if r < 0.7:
            return repr(
                self.rng.choice(
                    (self.word(), self.name(), f"{self.word()}/{self.word()}", f"{self.word()}-{self.number()}")
                )
            )
        if r < 0.78:
            return self.rng.choice(("None", "True", "False"))
        if r < 0.88:
            return "(" + ", ".join(self.number() for _ in range(self.rng.randint(2, 4))) + ")"
        return "{" + ", ".join(f"{self.word()!r}: {self.number()}" for _ in range(self.rng.randint(1, 3))) + "}"

    def expression(self, names: List[str]) -> str:
        r = self.rng.random()
        a = self.rng.choice(names)
        if r < 0.2:
            return self.literal()
        if r < 0.35:
            return f"{a} {self.rng.choice(('+', '-', '*', '//', '%'))} {self.number()}"
        if r < 0.5:
            return f"{self.function_name()}({', '.join(self.rng.choice(names) for _ in range(self.rng.randint(0, 3)))})"
        if r < 0.6:
            return f"{a}.get({self.word()!r}, {self.literal()})"
        if r < 0.7:
            return f"[{self.word()} for {self.word()} in {a} if {self.word()}]"
        if r < 0.78:
            return f'f"{{{a}}}/{self.word()}/{{{self.rng.choice(names)}!r}}"'
        if r < 0.86:
            return f"len({a}) > {self.number()}"
        if r < 0.93:
            return f"{a}[{self.rng.choice((repr(self.word()), self.number(), '-1', '1:'))}]"
        return f"{{{self.word()!r}: {a}, {self.word()!r}: {self.literal()}}}"

    def condition(self, names: List[str]) -> str:
        a = self.rng.choice(names)
        r = self.rng.random()
        if r < 0.3:
            return f"{a} is None"
        if r < 0.5:
            return f"not {a}"
        if r < 0.7:
            return f"{a} {self.rng.choice(('>', '<', '>=', '==', '!='))} {self.number()}"
        if r < 0.85:
            return f"isinstance({a}, {self.rng.choice(('str', 'int', 'dict', 'list', 'bytes'))})"
        return f"{self.word()!r} in {a}"

    # ------------------------------------------------------------------ statements

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def block(self, indent: int, names: List[str], budget: int, depth: int) -> None:
        """At least one statement, about ``budget`` lines."""
        start = len(self.lines)
        while len(self.lines) - start < budget:
            self.statement(indent, names, depth)
            if self.rng.random() < 0.12:
                self.emit(0, "")

    def statement(self, indent: int, names: List[str], depth: int) -> None:
        rng = self.rng
        r = rng.random()
        nested = depth < 3
        if r < 0.06:
            self.emit(indent, f"# {self.text(4, 12)}")
            if rng.random() < 0.3:
                self.emit(indent, f"# {self.text(4, 12)}")
            self.statement(indent, names, depth)  # a comment is never a block's only line
        elif r < 0.32 or not nested:
            target = self.name()
            self.emit(indent, f"{target} = {self.expression(names)}")
            names.append(target)
        elif r < 0.38:
            self.emit(indent, f"{rng.choice(names)}.{self.function_name()}({self.expression(names)})")
        elif r < 0.44:
            self.emit(
                indent,
                f'logger.{rng.choice(("debug", "info", "warning"))}("{self.text(2, 5)} %s", {rng.choice(names)})',
            )
        elif r < 0.60:
            self.emit(indent, f"if {self.condition(names)}:")
            self.block(indent + 1, names, rng.randint(1, 4), depth + 1)
            if rng.random() < 0.3:
                self.emit(indent, f"elif {self.condition(names)}:")
                self.block(indent + 1, names, rng.randint(1, 3), depth + 1)
            if rng.random() < 0.4:
                self.emit(indent, "else:")
                self.block(indent + 1, names, rng.randint(1, 3), depth + 1)
        elif r < 0.71:
            loop = self.word()
            self.emit(
                indent,
                f"for {loop} in {rng.choice((rng.choice(names), f'range({self.number()})', f'sorted({rng.choice(names)})', f'enumerate({rng.choice(names)})'))}:",
            )
            self.block(indent + 1, names + [loop], rng.randint(1, 5), depth + 1)
        elif r < 0.72:
            if rng.random() < 0.2:
                self.emit(indent, "while True:")
                self.block(indent + 1, names, rng.randint(1, 4), depth + 1)
                self.emit(indent + 1, f"if {self.condition(names)}:")
                self.emit(indent + 2, "break")
            else:
                self.emit(indent, f"while {self.condition(names)}:")
                self.block(indent + 1, names, rng.randint(1, 4), depth + 1)
        elif r < 0.81:
            self.emit(indent, "try:")
            self.block(indent + 1, names, rng.randint(1, 4), depth + 1)
            self.emit(indent, f"except {rng.choice(EXCEPTIONS)} as error:")
            if rng.random() < 0.5:
                self.emit(indent + 1, f'logger.exception("{self.text(2, 5)}")')
            self.emit(indent + 1, rng.choice(("raise", f"return {self.literal()}", "pass")))
            if rng.random() < 0.2:
                self.emit(indent, "finally:")
                self.block(indent + 1, names, 1, depth + 1)
        elif r < 0.85:
            handle = rng.choice(("handle", "stream", "lock", "conn"))
            self.emit(
                indent,
                f"with {rng.choice(('open', 'self._connect', 'contextlib.suppress'))}({rng.choice(names)}) as {handle}:",
            )
            self.block(indent + 1, names + [handle], rng.randint(1, 4), depth + 1)
        elif r < 0.88:
            self.emit(indent, f"assert {self.condition(names)}, {self.text(2, 6)!r}")
        elif r < 0.91:
            self.emit(indent, f'raise {rng.choice(EXCEPTIONS)}(f"{self.text(2, 5)}: {{{rng.choice(names)}!r}}")')
        elif r < 0.95:
            self.emit(indent, f"{rng.choice(names)} += {self.number()}")
        else:
            target = self.name()
            self.emit(indent, f"{target} = {{")
            for _ in range(rng.randint(2, 6)):
                self.emit(indent + 1, f"{self.word()!r}: {self.expression(names)},")
            self.emit(indent, "}")
            names.append(target)

    def function(self, indent: int, method: bool) -> None:
        rng = self.rng
        params = [self.name() for _ in range(rng.randint(0, 4))]
        params = list(dict.fromkeys(params))
        signature = ", ".join(
            (["self"] if method else [])
            + [
                f"{p}: {rng.choice(TYPES)}"
                + (f" = {self.literal()}" if i >= len(params) - 1 and rng.random() < 0.4 else "")
                for i, p in enumerate(params)
            ]
        )
        if rng.random() < 0.15:
            self.emit(
                indent,
                rng.choice(("@staticmethod", "@property", "@lru_cache(maxsize=None)"))
                if method
                else "@lru_cache(maxsize=None)",
            )
            if self.lines[-1].strip() == "@staticmethod":
                signature = signature.replace("self, ", "", 1) if signature.startswith("self, ") else ""
                method = False
        prefix = "async def" if rng.random() < 0.08 else "def"
        self.emit(indent, f"{prefix} {self.function_name()}({signature}) -> {rng.choice(TYPES + ('None',))}:")
        if rng.random() < 0.6:
            self.emit(indent + 1, f'"""{self.text(4, 12)}.')
            if rng.random() < 0.6:
                self.emit(0, "")
                self.emit(indent + 1, f"{self.text(6, 14)}.")
            if params and rng.random() < 0.5:
                self.emit(0, "")
                self.emit(indent + 1, "Args:")
                for param in params:
                    self.emit(indent + 2, f"{param}: {self.text(3, 9)}.")
                self.emit(0, "")
                self.emit(indent + 1, "Returns:")
                self.emit(indent + 2, f"{self.text(3, 9)}.")
            self.emit(indent + 1, '"""')
        names = params + (["self"] if method else []) + ["options"]
        self.block(indent + 1, names, rng.randint(3, 28), 1)
        self.emit(indent + 1, f"return {self.expression(names)}")

    def klass(self) -> None:
        rng = self.rng
        name = self.class_name()
        if rng.random() < 0.3:
            self.emit(0, "@dataclass")
            self.emit(0, f"class {name}:")
            self.emit(1, f'"""{self.text(4, 10)}."""')
            self.emit(0, "")
            for field_name in dict.fromkeys(self.name() for _ in range(rng.randint(2, 8))):
                self.emit(1, f"{field_name}: {rng.choice(TYPES)} = {self.literal()}")
        else:
            base = rng.choice(("", "(object)", "(Exception)", "(ABC)", f"({self.class_name()})"))
            self.emit(0, f"class {name}{base}:")
            self.emit(1, f'"""{self.text(4, 10)}."""')
            self.emit(0, "")
            self.emit(1, f"{self.constant()} = {self.literal()}")
        for _ in range(rng.randint(1, 7)):
            self.emit(0, "")
            self.function(1, method=True)

    def module(self, target: int) -> str:
        rng = self.rng
        self.emit(0, f'"""{self.text(4, 10)}.')
        if rng.random() < 0.5:
            self.emit(0, "")
            self.emit(0, f"{self.text(8, 16)}.")
        self.emit(0, '"""')
        self.emit(0, "from __future__ import annotations")
        self.emit(0, "")
        for line in sorted(
            set(rng.sample(STDLIB_IMPORTS, rng.randint(3, 8)))
            | {
                "import logging",
                "from dataclasses import dataclass, field",
                "from functools import lru_cache",
                "from typing import Any, Dict, List, Optional, Tuple",
            }
        ):
            self.emit(0, line)
        if rng.random() < 0.5:
            self.emit(0, f"from .{self.word()} import {self.class_name()}, {self.function_name()}")
        self.emit(0, "")
        self.emit(0, "logger = logging.getLogger(__name__)")
        for _ in range(rng.randint(0, 6)):
            self.emit(0, f"{self.constant()} = {self.literal()}")
        while len(self.lines) < target:
            self.emit(0, "")
            self.emit(0, "")
            if rng.random() < 0.35:
                self.klass()
            else:
                self.function(0, method=False)
        if rng.random() < 0.1:
            self.emit(0, "")
            self.emit(0, "")
            self.emit(0, 'if __name__ == "__main__":')
            self.emit(1, f"{self.function_name()}()")
        return "\n".join(self.lines) + "\n"


def ordinary_module(seed: str, target: int) -> str:
    return ModuleWriter(random.Random(seed)).module(target)


# ---------------------------------------------------------------------- v2 seeds


@dataclass(frozen=True)
class Seed:
    style: str  # "<group>/<case>", e.g. "websocket_client/getting_started"
    source: str
    expect_change: bool


def load_seeds(fixtures: Path = FIXTURES) -> List[Seed]:
    seeds = []
    for path in sorted(fixtures.glob("*/*/input.py")):
        case = path.parent
        meta_path = case / "case.json"
        meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
        seeds.append(Seed(f"{case.parent.name}/{case.name}", path.read_text(), not meta.get("unchanged", False)))
    if not seeds:
        raise SystemExit(f"no v2 seeds found under {fixtures}/*/*/input.py")
    return seeds


def v2_client(seed: Seed, key: str, extra_lines: int) -> str:
    """A fixture input with a small variation: a header comment and ordinary helpers appended."""
    rng = random.Random(key)
    writer = ModuleWriter(rng)
    header = f"# {writer.word()}-{writer.word()} streaming prototype #{rng.randint(1, 999)}\n"
    helpers = ""
    if extra_lines:
        body = ModuleWriter(rng)
        body.lines = []
        while len(body.lines) < extra_lines:
            body.emit(0, "")
            body.emit(0, "")
            if rng.random() < 0.7:
                body.function(0, method=False)
            else:
                body.klass()
        helpers = "\n".join(body.lines) + "\n"
    source = seed.source if seed.source.endswith("\n") else seed.source + "\n"
    return header + source + helpers


# ---------------------------------------------------------------------- the tree


@dataclass
class Planned:
    relpath: str
    kind: str  # "ordinary" | "big" | "v2" | "big_v2"
    lines: int
    style: Optional[str] = None
    expect_change: bool = False


def plan_part(
    seed: int, scale: float, part: int, seeds: List[Seed], v2_per_part: Optional[int] = None
) -> List[Planned]:
    """Which files part ``part`` holds, and how long each one is (a lognormal spread of sizes
    around a median of ~150 lines, the shape of most application code). ``v2_per_part``:
    how many small v2 clients; by default 1% of the files, and at least one of each style."""
    rng = random.Random(f"{seed}:plan:{part}")
    budget = int(LINES_PER_SCALE * scale)
    big = [max(200, int(budget * share)) for share in BIG_MODULE_SHARES]
    big_v2 = max(100, int(budget * BIG_V2_SHARE))
    remaining = budget - sum(big) - big_v2
    sizes = []
    while remaining > 0:
        size = min(3000, max(12, int(rng.lognormvariate(5.0, 0.9))))
        sizes.append(size)
        remaining -= size
    v2_count = v2_per_part if v2_per_part is not None else max(len(seeds), round(len(sizes) * V2_SHARE))
    # v2 clients replace ordinary modules at spread-out positions.
    while len(sizes) < v2_count:  # a rewrite-heavy part: more clients than ordinary modules
        sizes.append(0)
    v2_positions = set(rng.sample(range(len(sizes)), v2_count))
    planned: List[Planned] = []
    packages = [f"{rng.choice(WORDS)}_{i}" for i in range(max(1, len(sizes) // 120))]
    used = set()

    def place(stem: str) -> str:
        for attempt in range(1000):
            package = rng.choice(packages)
            sub = rng.choice(WORDS) if rng.random() < 0.7 else ""
            relpath = "/".join(
                filter(None, (f"part{part}", package, sub, f"{stem}{'_' + str(attempt) if attempt else ''}.py"))
            )
            if relpath not in used:
                used.add(relpath)
                return relpath
        raise RuntimeError("could not place a file")

    v2_index = 0
    for index, size in enumerate(sizes):
        if index in v2_positions:
            chosen = seeds[v2_index % len(seeds)]
            v2_index += 1
            planned.append(
                Planned(place(f"stt_{chosen.style.split('/')[-1]}"), "v2", 0, chosen.style, chosen.expect_change)
            )
        else:
            planned.append(Planned(place(f"{rng.choice(WORDS)}_{rng.choice(WORDS)}"), "ordinary", size))
    for size in big:
        planned.append(Planned(place(f"generated_{rng.choice(WORDS)}_tables"), "big", size))
    chosen = seeds[part % len(seeds)]
    while not chosen.expect_change:
        chosen = seeds[(seeds.index(chosen) + 1) % len(seeds)]
    planned.append(Planned(place(f"stt_{chosen.style.split('/')[-1]}_big"), "big_v2", big_v2, chosen.style, True))
    return planned


def _write_part(args) -> dict:
    root, seed, scale, part, fixtures, v2_per_part = args
    seeds = {s.style: s for s in load_seeds(Path(fixtures))}
    planned = plan_part(seed, scale, part, list(seeds.values()), v2_per_part)
    files = []
    total_lines = total_bytes = 0
    for item in planned:
        key = f"{seed}:{item.relpath}"
        if item.kind in ("ordinary", "big"):
            text = ordinary_module(key, item.lines)
        else:
            text = v2_client(
                seeds[item.style],
                key,
                item.lines if item.kind == "big_v2" else random.Random(key).choice((0, 0, 10, 30)),
            )
        path = Path(root) / item.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode("utf-8")
        path.write_bytes(data)
        lines = data.count(b"\n")
        total_lines += lines
        total_bytes += len(data)
        if item.kind in ("v2", "big_v2"):
            files.append(
                {
                    "path": item.relpath,
                    "kind": item.kind,
                    "style": item.style,
                    "expect_change": item.expect_change,
                    "lines": lines,
                }
            )
    for directory in {p.parent for p in Path(root, f"part{part}").rglob("*.py")}:
        (directory / "__init__.py").touch()
    return {
        "part": part,
        "files": sum(1 for _ in Path(root, f"part{part}").rglob("*.py")),
        "lines": total_lines,
        "bytes": total_bytes,
        "big_files": [item.relpath for item in planned if item.kind in ("big", "big_v2")],
        "v2_files": files,
    }


def generate(
    root: Path,
    *,
    scale: float,
    parts: int,
    seed: int = 7,
    v2_per_part: Optional[int] = None,
    fixtures: Path = FIXTURES,
    jobs: int = 2,
) -> dict:
    """Write the tree under ``root`` (reused when a manifest with the same parameters is there)."""
    root = Path(root)
    manifest_path = root / "manifest.json"
    wanted = {
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "scale": scale,
        "parts": parts,
        "v2_per_part": v2_per_part,
    }
    seeds_digest = sorted((s.style, len(s.source)) for s in load_seeds(fixtures))
    wanted["seeds"] = [list(item) for item in seeds_digest]
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if {k: manifest.get(k) for k in wanted} == wanted:
            return dict(manifest, reused=True)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    # Its own git repository: migrate-stt asks git what is ignored, and the enclosing checkout
    # ignores bench/out/ (a user's CI runs inside a checkout too).
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    work = [(str(root), seed, scale, part, str(fixtures), v2_per_part) for part in range(parts)]
    if jobs > 1 and parts > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            part_info = list(pool.map(_write_part, work))
    else:
        part_info = [_write_part(item) for item in work]
    manifest = dict(wanted, parts_info=part_info)
    manifest_path.write_text(json.dumps(manifest, indent=1))
    return manifest


def rewrite_set(root: Path, *, count: int, seed: int = 7, big: int = 4, fixtures: Path = FIXTURES) -> List[dict]:
    """``count`` v2 clients alone under ``root`` (the rewrite path's workload): the fixture
    inputs one style after another, each varied as in the tree, ten to a directory; the last
    ``big`` of them are big clients (a fixture followed by 2,500 ordinary lines), so that one
    long file among short ones shows whether ``--jobs`` keeps every worker busy. Rewritten on
    every call; returns one entry per file, as the tree's manifest lists its v2 clients."""
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    seeds = load_seeds(fixtures)
    changing = [s for s in seeds if s.expect_change]
    entries = []
    for index in range(count):
        is_big = index >= count - big
        chosen = changing[index % len(changing)] if is_big else seeds[index % len(seeds)]
        key = f"{seed}:rewrite:{index}"
        extra = 2500 if is_big else random.Random(key).choice((0, 0, 10, 30))
        relpath = f"set{index // 10:02d}/stt_{chosen.style.split('/')[-1]}_{index}.py"
        data = v2_client(chosen, key, extra).encode("utf-8")
        (root / relpath).parent.mkdir(exist_ok=True)
        (root / relpath).write_bytes(data)
        entries.append(
            {
                "path": relpath,
                "kind": "big_v2" if is_big else "v2",
                "style": chosen.style,
                "expect_change": chosen.expect_change,
                "lines": data.count(b"\n"),
            }
        )
    return entries


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0, help="million lines per part")
    parser.add_argument("--parts", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--v2-per-part", type=int, help="small v2 clients per part (default: 1%% of the files, at least one per style)"
    )
    args = parser.parse_args(argv)
    manifest = generate(args.out, scale=args.scale, parts=args.parts, seed=args.seed, v2_per_part=args.v2_per_part)
    for part in manifest["parts_info"]:
        print(f"part{part['part']}: {part['files']} files, {part['lines']} lines, {len(part['v2_files'])} v2 clients")


if __name__ == "__main__":
    sys.exit(main())
