"""Seeded mutations of the fixture inputs, and generated modules with a v2 tie, for the
idempotence fuzzer.

Unlike ``tests/variants`` (whose transforms keep a script doing the same thing), a mutation
may break the program: it deletes or duplicates a statement, renames a name everywhere, swaps
two literals, wraps a statement in a block, drops an import, or puts a line of v2 code
somewhere. The variant transforms are one more kind of mutation here. What comes out only has
to compile: the migrator must then neither crash, nor write code that does not compile, nor
change its own output on a second run. Each mutation works on the libcst tree with the
variants' helpers (``Source`` for parents and names, ``rewrite`` for edits by node identity).
"""

from __future__ import annotations

import builtins
import keyword
import random
from dataclasses import dataclass
from typing import Callable, Dict, Iterator, List, Optional, Tuple

import libcst as cst

from tests.variants.generate import (
    FIXTURES,
    TRANSFORMS,
    V2_HOST_URL,
    Source,
    fresh_source,
    remove,
    replace_with,
    rewrite,
    statement,
    walk,
)

#: Lines of v2 code, one of which ties a generated module to AssemblyAI's v2 API (and can be
#: put anywhere in a fixture). Each is a complete statement that compiles on its own.
V2_TIES = (
    f'V2_URL = "{V2_HOST_URL}"\n',
    f'URL = "{V2_HOST_URL}?sample_rate=16000"\n',
    'if message["message_type"] == "FinalTranscript":\n    print(message["text"])\n',
    'if msg.get("message_type") == "PartialTranscript":\n    pass\n',
    'payload = json.dumps({"audio_data": base64.b64encode(chunk).decode("utf-8")})\n',
    'ws.send(json.dumps({"terminate_session": True}))\n',
    'print("SessionBegins")\n',
    "transcriber = aai.RealtimeTranscriber(sample_rate=16000, on_data=print, on_error=print)\n",
)

#: Names a rename must leave alone.
BUILTIN_NAMES = frozenset(dir(builtins))


@dataclass(frozen=True)
class FuzzInput:
    #: ``fixture-path:mutation+mutation`` or ``generated:N``, with the index of the input.
    id: str
    source: str


def fixture_inputs() -> List[Tuple[str, str]]:
    """(id, source) of every fixture input, the ones migrate-stt must leave alone too."""
    return [
        (f"{path.parent.parent.name}/{path.parent.name}", path.read_text())
        for path in sorted(FIXTURES.glob("**/input.py"))
    ]


# --------------------------------------------------------------------------- tree helpers


def block_statements(source: Source) -> List[cst.BaseStatement]:
    """Every statement that sits in a block (the module's or an indented one)."""
    return [
        node
        for node in walk(source.module)
        if isinstance(node, (cst.SimpleStatementLine, cst.BaseCompoundStatement))
        and isinstance(source.parent(node), (cst.Module, cst.IndentedBlock))
    ]


def _is_future_import(node: cst.CSTNode) -> bool:
    return (
        isinstance(node, cst.SimpleStatementLine)
        and isinstance(node.body[0], cst.ImportFrom)
        and isinstance(node.body[0].module, cst.Name)
        and node.body[0].module.value == "__future__"
    )


def _only_in_block(source: Source, node: cst.CSTNode) -> bool:
    block = source.parent(node)
    return isinstance(block, cst.IndentedBlock) and len(block.body) == 1


def _indented(statements: List[cst.BaseStatement]) -> cst.IndentedBlock:
    return cst.IndentedBlock(body=statements)


def _pick(rng: random.Random, items: list):
    if not items:
        raise LookupError
    return items[rng.randrange(len(items))]


# --------------------------------------------------------------------------- mutations

Mutation = Callable[[str, random.Random], Optional[str]]
MUTATIONS: Dict[str, Mutation] = {}


def mutation(name: str) -> Callable[[Callable[[Source, random.Random], Optional[str]]], Mutation]:
    """Register a mutation: it gets a fresh analysis of the code and a random source, and
    returns new code or None where it does not apply; what it returns compiles and differs."""

    def register(function: Callable[[Source, random.Random], Optional[str]]) -> Mutation:
        def run(code: str, rng: random.Random) -> Optional[str]:
            try:
                result = function(fresh_source(code), rng)
            except LookupError:
                return None
            if result is None or result == code:
                return None
            try:
                compile(result, f"<{name}>", "exec", dont_inherit=True)
            except (SyntaxError, ValueError):
                return None
            return result

        run.__name__ = run.__qualname__ = name
        MUTATIONS[name] = run
        return run

    return register


@mutation("delete_statement")
def delete_statement(source: Source, rng: random.Random) -> str:
    target = _pick(rng, block_statements(source))
    if _only_in_block(source, target):
        return rewrite(source.module, {id(target): replace_with(statement("pass\n"))})
    return rewrite(source.module, {id(target): remove})


@mutation("duplicate_statement")
def duplicate_statement(source: Source, rng: random.Random) -> str:
    target = _pick(rng, [node for node in block_statements(source) if not _is_future_import(node)])
    return rewrite(source.module, {id(target): lambda updated: cst.FlattenSentinel([updated, updated])})


#: What a statement can be wrapped in: the block keeps it running once, as before.
WRAPPERS = (
    "if True:\n    pass\n",
    "try:\n    pass\nexcept Exception:\n    pass\n",
    "try:\n    pass\nfinally:\n    pass\n",
    "for _ in range(1):\n    pass\n",
    "while True:\n    pass\n    break\n",
)


@mutation("wrap_in_block")
def wrap_in_block(source: Source, rng: random.Random) -> str:
    target = _pick(rng, [node for node in block_statements(source) if not _is_future_import(node)])
    wrapper = statement(rng.choice(WRAPPERS))

    def wrap(updated: cst.BaseStatement) -> cst.BaseStatement:
        inner = updated.with_changes(leading_lines=[])
        body = [inner, *wrapper.body.body[1:]]
        return wrapper.with_changes(leading_lines=updated.leading_lines, body=wrapper.body.with_changes(body=body))

    return rewrite(source.module, {id(target): wrap})


def _renamable_names(source: Source) -> List[str]:
    """Names bound in the file by an assignment, a def, a class or a parameter, that no keyword
    argument spells (renaming a parameter would break ``f(name=...)``) and no import binds."""
    keywords = {
        node.keyword.value for node in walk(source.module) if isinstance(node, cst.Arg) and node.keyword is not None
    }
    imported = set()
    bound = set()
    for scope in set(source.scopes.values()):
        if scope is None:
            continue
        for assignment in scope.assignments:
            node = getattr(assignment, "node", None)
            if isinstance(node, (cst.Import, cst.ImportFrom)):
                imported.add(assignment.name)
            else:
                bound.add(assignment.name)
    return sorted(
        name
        for name in bound - imported - keywords
        if not (name.startswith("__") and name.endswith("__"))
        and name not in BUILTIN_NAMES
        and not keyword.iskeyword(name)
        and name not in ("self", "cls")
    )


@mutation("rename_identifier")
def rename_identifier(source: Source, rng: random.Random) -> str:
    """One name, everywhere it is a variable (not an attribute or a keyword), gets a new name."""
    old = _pick(rng, _renamable_names(source))
    new = source.fresh(f"{old}_renamed")
    edits = {}
    for node in walk(source.module):
        if not isinstance(node, cst.Name) or node.value != old:
            continue
        parent = source.parent(node)
        if isinstance(parent, cst.Attribute) and parent.attr is node:
            continue
        if isinstance(parent, cst.Arg) and parent.keyword is node:
            continue
        edits[id(node)] = replace_with(node.with_changes(value=new))
    return rewrite(source.module, edits)


def _literals(source: Source) -> List[cst.BaseExpression]:
    return [
        node
        for node in walk(source.module)
        if isinstance(node, (cst.SimpleString, cst.Integer, cst.Float))
        and not isinstance(source.parent(node), cst.ConcatenatedString)
    ]


@mutation("swap_literals")
def swap_literals(source: Source, rng: random.Random) -> str:
    """Two literals of the file trade places (a string for a number, a URL for a key...)."""
    literals = _literals(source)
    first = _pick(rng, literals)
    second = _pick(rng, [node for node in literals if source.code_for(node) != source.code_for(first)])
    return rewrite(source.module, {id(first): replace_with(second), id(second): replace_with(first)})


@mutation("drop_import")
def drop_import(source: Source, rng: random.Random) -> str:
    """An import statement goes, or one name of a multi-name import."""
    imports = [
        node
        for node in walk(source.module)
        if isinstance(node, (cst.Import, cst.ImportFrom)) and not _is_future_import(source.parent(node))
    ]
    target = _pick(rng, imports)
    names = target.names
    if isinstance(names, cst.ImportStar) or len(names) == 1 or rng.random() < 0.5:
        line = source.parent(target)
        if len(line.body) > 1:
            return rewrite(source.module, {id(target): remove})
        if _only_in_block(source, line):
            return rewrite(source.module, {id(line): replace_with(statement("pass\n"))})
        return rewrite(source.module, {id(line): remove})
    dropped = rng.randrange(len(names))
    kept = [alias for index, alias in enumerate(names) if index != dropped]
    kept[-1] = kept[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return rewrite(source.module, {id(target): replace_with(target.with_changes(names=kept))})


@mutation("insert_v2_tie")
def insert_v2_tie(source: Source, rng: random.Random) -> str:
    """A line of v2 code goes before some statement (at module level or in a body)."""
    target = _pick(rng, [node for node in block_statements(source) if not _is_future_import(node)])
    tie = statement(rng.choice(V2_TIES))
    return rewrite(source.module, {id(target): lambda updated: cst.FlattenSentinel([tie, updated])})


@mutation("variant_transform")
def variant_transform(source: Source, rng: random.Random) -> Optional[str]:
    """One of tests/variants' semantics-preserving transforms that applies to the file."""
    names = sorted(TRANSFORMS)
    rng.shuffle(names)
    for name in names[:6]:
        result = TRANSFORMS[name](source.code)
        if result is not None:
            return result
    return None


# --------------------------------------------------------------------------- the inputs


def mutated(code: str, rng: random.Random, count: int) -> Tuple[str, List[str]]:
    """``code`` after up to ``count`` mutations that applied, and their names."""
    applied: List[str] = []
    names = sorted(MUTATIONS)
    for _ in range(count * 3):
        if len(applied) == count:
            break
        name = rng.choice(names)
        result = MUTATIONS[name](code, rng)
        if result is not None:
            code = result
            applied.append(name)
    return code, applied


def mutated_fixtures(seed: int, count: int, max_mutations: int = 3) -> Iterator[FuzzInput]:
    """``count`` mutated fixture inputs; input ``i`` depends only on ``seed`` and ``i``."""
    fixtures = fixture_inputs()
    for index in range(count):
        rng = random.Random(f"{seed}:{index}")
        fixture_id, code = fixtures[rng.randrange(len(fixtures))]
        code, applied = mutated(code, rng, rng.randint(1, max_mutations))
        yield FuzzInput(f"{index}:{fixture_id}:{'+'.join(applied) or 'unchanged'}", code)


def generated_modules(seed: int, count: int) -> List[FuzzInput]:
    """``count`` modules from hypothesmith's Python grammar strategy, each with a v2 tie
    appended; the same seed gives the same modules. Modules that do not compile (the grammar
    allows some) are skipped, so fewer may come back."""
    import hypothesmith
    from hypothesis import HealthCheck, given, settings
    from hypothesis import seed as hypothesis_seed

    found: List[FuzzInput] = []
    rng = random.Random(seed)

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=("generate",),
    )
    @given(hypothesmith.from_grammar())
    def collect(code: str) -> None:
        if len(found) >= count:
            return
        tie = rng.choice(V2_TIES)
        module = code if code.endswith("\n") or not code else code + "\n"
        candidate = module + tie
        try:
            compile(candidate, "<generated>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return
        found.append(FuzzInput(f"generated:{seed}:{len(found)}", candidate))

    collect()
    return found


def fuzz_inputs(seed: int, count: int, generated_share: float = 0.2) -> List[FuzzInput]:
    """The fuzz run's inputs: mutated fixtures, and about ``generated_share`` of them generated
    modules with a v2 tie."""
    generated = int(count * generated_share)
    return [*mutated_fixtures(seed, count - generated), *generated_modules(seed, generated)]
