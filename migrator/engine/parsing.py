"""Parsing a file so that no input can take the process down, and saying exactly why a file
cannot be parsed.

libcst's native parser recurses on the C stack: on a thread's usual 8 MB stack about 1,500
nested brackets overflow it and the whole process dies (SIGSEGV), and libcst's tree, its
code generation and our walks recurse in Python as deep as the source nests (a 600-term
``+`` chain is 600 levels). Hence:

1. CPython's own parser reads the file first (an AST only: several times cheaper than
   libcst's parse). It refuses more than 200 nested brackets and 100 indentation levels,
   limits every CPython has, so a file it refuses for one of them is reported with its
   message and never reaches libcst.
2. A file CPython refuses for another reason (a syntax error, or syntax newer than this
   interpreter, which libcst may know) reaches libcst only when its bracket nesting is
   within CPython's limit and no statement is huge (libcst's memory grows with the square
   of an expression's depth: 4,000 nested ``not`` take 0.9 GB); if libcst refuses it too, CPython's message and position are
   reported (libcst's point at the start of the statement, or at line 1 for an error the
   tokenizer finds).
3. All of it, and the rewrite after it, runs on a thread with a large stack and a raised
   recursion limit (:func:`on_deep_stack`); libcst's native recursion then has room for
   ~10,000 nested brackets, far beyond what step 1 lets through.

What CPython accepts but libcst cannot parse is reported as a limitation naming the
construct (:func:`libcst_limitation`).
"""

from __future__ import annotations

import ast
import io
import os
import re
import sys
import threading
import tokenize
import warnings
from typing import Callable, Optional

import libcst as cst

#: CPython's tokenizer refuses deeper bracket nesting (``MAXLEVEL``) in every version.
PYTHON_BRACKET_LIMIT = 200

#: Messages of CPython's fixed parser limits: a file hitting one is not Python any CPython runs.
_PYTHON_LIMIT_MESSAGES = (
    "too many nested parentheses",
    "too many levels of indentation",
    "too deeply nested for Python's own parser",  # its parser's stack overflowed
)

#: The longest statement (in tokens) of a file CPython refuses that libcst is given: its
#: parser's memory grows with the square of how deep an expression nests (measured: 4,000
#: nested ``not`` take 0.9 GB), and CPython's limits no longer bound that depth.
LONGEST_LINE_FOR_LIBCST = 5000

#: libcst's parser refuses an implicit concatenation of more string literals than this.
LIBCST_CONCATENATION_LIMIT = 3000

#: The stack of the thread the parse and the rewrite run on: virtual memory, only the
#: pages used are ever committed. Measured: 10,000 nested brackets parse in 256 MB.
DEEP_STACK_BYTES = 512 * 1024 * 1024

#: The Python recursion limit on that thread (deep trees recurse in libcst and our walks).
DEEP_RECURSION_LIMIT = 100_000

_stack_lock = threading.Lock()
#: [deep-stack threads running, the recursion limit before the first of them]
_deep_threads = [0, 0]


class Unparsable(Exception):
    """The file cannot be parsed; ``str()`` says why and where, in one line."""


def parse(source: bytes, path: str = "<string>") -> cst.Module:
    """libcst's tree of ``source``, after CPython's parser has vouched that libcst can read
    it without crashing. Raises :class:`Unparsable`."""
    python_error = python_syntax_error(source, path)
    if python_error is not None:
        if python_error.msg.startswith(_PYTHON_LIMIT_MESSAGES):
            raise Unparsable(f"cannot parse: {describe(python_error)}")
        depth, longest = nesting(source)
        if depth > PYTHON_BRACKET_LIMIT:
            raise Unparsable(
                f"cannot parse: {describe(python_error)} (and brackets nest {depth} deep, "
                f"beyond Python's limit of {PYTHON_BRACKET_LIMIT})"
            )
        if longest > LONGEST_LINE_FOR_LIBCST:
            raise Unparsable(
                f"cannot parse: {describe(python_error)} (and a statement of {longest} tokens, "
                "too long to hand to libcst unchecked)"
            )
    try:
        return cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        if python_error is not None:
            raise Unparsable(f"cannot parse: {describe(python_error)}") from None
        raise Unparsable(libcst_limitation(source, error)) from None
    except (UnicodeDecodeError, LookupError, SyntaxError, ValueError) as error:
        if python_error is not None:
            raise Unparsable(f"cannot parse: {describe(python_error)}") from None
        raise Unparsable(f"cannot parse: {_one_line(error)}") from None


def python_syntax_error(source: bytes, path: str = "<string>") -> Optional[SyntaxError]:
    """Why CPython's parser refuses ``source``, or None when it accepts it.

    Compiling to bytecode is tried first: it parses the same way and, building no Python
    AST objects, costs about half as much. Only when it fails (a syntax error, or what the
    compiler alone refuses, such as ``return`` outside a function) is the parser's own
    verdict taken, as an AST-only parse. So is it when the compiler warns (``"is" with a
    literal``): the AST-only parse then warns exactly as it always did."""
    with warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")
        try:
            compile(source, path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True)
            compiled = True
        except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
            compiled = False
    if compiled and not warned:
        return None
    try:
        compile(source, path, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as error:
        return error
    except ValueError as error:  # null bytes, before 3.12
        return SyntaxError(str(error))
    except (RecursionError, MemoryError):
        return SyntaxError(_PYTHON_LIMIT_MESSAGES[-1])
    return None


def describe(error: SyntaxError) -> str:
    """``invalid syntax at line 2, column 5``: CPython's message and position (1-based)."""
    where = ""
    if error.lineno:
        where = f" at line {error.lineno}" + (f", column {error.offset}" if error.offset else "")
    return f"{error.msg}{where}"


def nesting(source: bytes) -> tuple:
    """(how deep brackets nest, how many tokens the longest statement has) in ``source``, as
    far as the tokenizer gets; a file the tokenizer itself finds too deep counts as just
    beyond the bracket limit."""
    depth = deepest = tokens = longest = 0
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            if token.type == tokenize.NEWLINE:
                longest, tokens = max(longest, tokens), 0
                continue
            tokens += 1
            if token.type == tokenize.OP:
                if token.string in "([{":
                    depth += 1
                    deepest = max(deepest, depth)
                elif token.string in ")]}":
                    depth -= 1
    except SyntaxError as error:
        if "too many nested" in str(error):
            deepest = max(deepest, PYTHON_BRACKET_LIMIT + 1)
    except (tokenize.TokenError, UnicodeDecodeError, LookupError, ValueError, RecursionError):
        pass
    return deepest, max(longest, tokens)


def libcst_limitation(source: bytes, error: cst.ParserSyntaxError) -> str:
    """The message for valid Python libcst refuses: the construct, when it is a known one."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        tree = None
    if tree is not None:
        for node in ast.walk(tree):
            if type(node) is ast.AnnAssign and (node.lineno, node.col_offset) != (
                node.target.lineno,
                node.target.col_offset,
            ):
                target, annotation = ast.unparse(node.target), ast.unparse(node.annotation)
                return (
                    f"libcst cannot parse a parenthesised annotation target `({target}): {annotation}` "
                    f"at line {node.lineno}; file left unchanged (`{target}: {annotation}` means the same)"
                )
    run = longest_string_run(source)
    if run is not None and run[0] > LIBCST_CONCATENATION_LIMIT:
        return (
            f"libcst cannot parse an implicit concatenation of {run[0]} string literals "
            f"(at most {LIBCST_CONCATENATION_LIMIT}) at line {run[1]}; file left unchanged"
        )
    line, column = libcst_position(error)
    return (
        f"libcst cannot parse this valid Python at line {line}, column {column} "
        f"({_one_line(error)}); file left unchanged"
    )


def longest_string_run(source: bytes) -> Optional[tuple]:
    """(number of literals, first line) of the longest run of adjacent string literals."""
    best = None
    count, start = 0, 0
    separators = {tokenize.NL, tokenize.COMMENT, tokenize.ENCODING}
    try:
        for token in tokenize.tokenize(io.BytesIO(source).readline):
            if token.type == tokenize.STRING or token.type == getattr(tokenize, "FSTRING_START", -1):
                if count == 0:
                    start = token.start[0]
                count += 1
            elif token.type in separators or token.type in _FSTRING_INNER:
                continue
            else:
                if count and (best is None or count > best[0]):
                    best = (count, start)
                count = 0
    except (SyntaxError, tokenize.TokenError, UnicodeDecodeError, LookupError, ValueError):
        pass
    if count and (best is None or count > best[0]):
        best = (count, start)
    return best


_FSTRING_INNER = frozenset(
    getattr(tokenize, name) for name in ("FSTRING_MIDDLE", "FSTRING_END") if hasattr(tokenize, name)
)


def libcst_position(error: cst.ParserSyntaxError) -> tuple:
    """(line, column), 1-based, of where libcst's parser stopped: its own message says it
    more precisely than the error's ``raw_line`` (the statement's start)."""
    found = re.search(r"error at (\d+):(\d+)", error.message)
    if found:
        return int(found.group(1)), int(found.group(2)) + 1
    return error.raw_line, error.raw_column + 1


def on_deep_stack(function: Callable, *args, **kwargs):
    """``function(*args, **kwargs)`` on a thread with a large stack and a raised recursion
    limit; its result or its exception. Runs it here when no such thread can be made.

    The thread is made once per process and kept (starting one with a 512 MB stack costs
    about 5 ms, as much as migrating a small file); a process forked from this one makes
    its own, since threads do not survive a fork."""
    worker = _deep_worker()
    if worker is None:
        return function(*args, **kwargs)  # no room for such a stack: the usual limits apply
    outcome: dict = {}
    done = threading.Event()
    worker.put((function, args, kwargs, outcome, done))
    done.wait()
    if "error" in outcome:
        error = outcome.pop("error")
        try:
            raise error
        finally:
            error = None
    return outcome["result"]


#: The deep-stack worker of this process: (pid that made it, its job queue), once made.
_worker: list = [None, None]


def _deep_worker():
    """The job queue of this process's deep-stack thread, made on first use; None when no
    thread with such a stack can be made here."""
    with _stack_lock:
        if _worker[0] == os.getpid():
            return _worker[1]
    import queue

    jobs: queue.SimpleQueue = queue.SimpleQueue()
    thread = threading.Thread(target=_serve, args=(jobs,), name="migrate-stt-parse", daemon=True)
    if not _start_deep(thread):
        return None
    with _stack_lock:
        _worker[0], _worker[1] = os.getpid(), jobs
    return jobs


def _serve(jobs) -> None:
    """The deep-stack thread: runs each job, hands back its result or its exception."""
    while True:
        function, args, kwargs, outcome, done = jobs.get()
        _enter_deep()
        try:
            outcome["result"] = function(*args, **kwargs)
        except BaseException as error:  # handed to the caller, whatever it is
            outcome["error"] = error
        finally:
            _leave_deep()
            done.set()


def _start_deep(thread: threading.Thread) -> bool:
    """Start ``thread`` with a large stack; False when none can be had here."""
    with _stack_lock:
        try:
            previous = threading.stack_size(DEEP_STACK_BYTES)
        except (ValueError, RuntimeError):
            return False
        try:
            thread.start()  # the stack size applies to threads started now
        except RuntimeError:
            return False
        finally:
            threading.stack_size(previous)
    return True


def _enter_deep() -> None:
    """Raise the recursion limit while a deep-stack job runs (the limit is the interpreter's:
    the first job raises it, the last puts it back)."""
    with _stack_lock:
        if _deep_threads[0] == 0:
            _deep_threads[1] = sys.getrecursionlimit()
            sys.setrecursionlimit(max(_deep_threads[1], DEEP_RECURSION_LIMIT))
        _deep_threads[0] += 1


def _leave_deep() -> None:
    with _stack_lock:
        _deep_threads[0] -= 1
        if _deep_threads[0] == 0:
            sys.setrecursionlimit(_deep_threads[1])


def _one_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
