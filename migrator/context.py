"""State shared by the rules while one file is migrated.

Rules never talk to each other directly: what one rule learns about the script (the
sample rate, whether ``format_turns`` is on, which functions are the websocket callbacks)
goes into :class:`ScriptFacts`, and what a rule wants changed outside the node it is
rewriting (an import, a note for the user) goes through :class:`MigrationContext`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import libcst as cst

from migrator.notes import NOTE_PREFIX, WARNING, Note

__all__ = ["NOTE_PREFIX", "Note", "MigrationContext", "ScriptFacts"]


@dataclass(frozen=True)
class Need:
    """A library release the migrated code needs, and why: ``assemblyai`` ``>=0.64.16``.

    ``specifier`` is always a single lower bound (``>=X``). ``pin_unpinned`` says that releases
    below it are still what environments where the v2 code ran have installed (the v2 code
    only worked on them), so a requirement that names the library without a version would
    be satisfied by a release that breaks the migrated code: then :mod:`migrator.manifests`
    adds the bound even to an unpinned name.
    """

    package: str
    specifier: str
    reason: str
    pin_unpinned: bool = False

    def to_dict(self) -> dict:
        return {
            "package": self.package,
            "specifier": self.specifier,
            "reason": self.reason,
            "pin_unpinned": self.pin_unpinned,
        }


@dataclass
class ScriptFacts:
    """What the analysis pass learned about the script as a whole."""

    #: Local names bound to client modules, e.g. {"websocket": "websocket", "wsc": "websocket"}.
    module_aliases: dict = field(default_factory=dict)
    #: The same, for imports at module level only (visible from everywhere in the file).
    module_level_aliases: dict = field(default_factory=dict)
    #: ``from X import name`` bindings: local name -> "X.name".
    imported_names: dict = field(default_factory=dict)
    #: Module-level ``NAME = <expression>`` assignments (the last one wins).
    constants: dict = field(default_factory=dict)
    #: True once the script is known to talk to AssemblyAI streaming (URL or message names).
    is_streaming_client: bool = False
    #: True when the code itself still speaks v2 (endpoint, message names or keys); rules
    #: that restructure a session act only then, so working v3 code is left alone.
    speaks_v2: bool = False
    #: Whether the migrated connection asks for ``format_turns``; None when it cannot be told.
    format_turns: Optional[bool] = None
    #: The session sample rate when it is a literal somewhere (URL, constant).
    sample_rate: Optional[int] = None
    #: The script already sends a termination message (v2 or v3 form).
    sends_terminate: bool = False
    #: Streaming URLs in code (not in prints or logs): (node, parsed Endpoint, its statement).
    endpoints: list = field(default_factory=list)
    #: websocket-client structure (``migrator.model.sessions.Session``), set by its collector.
    session: object = None
    #: How the migrated script names its stop event and audio thread (STT005), if it has them.
    stop_event: Optional[str] = None
    audio_thread: Optional[str] = None
    #: Names the script calls ``.close()``/``.stop_stream()`` on (so cleanup is not doubled).
    closed_streams: set = field(default_factory=set)

    def alias_of(self, module: str) -> Optional[str]:
        """The name ``import module [as name]`` binds at module level, so code written
        anywhere in the file can use it (an import inside a function does not count)."""
        return next((local for local, name in self.module_level_aliases.items() if name == module), None)

    def is_assemblyai_code(self) -> bool:
        """Whether anything ties the script to AssemblyAI (its endpoint, its v2 message names,
        its SDK). Websocket code for other services shares words such as ``message_type``,
        ``audio_data`` or ``run_forever`` and must be left exactly as it is."""
        modules = {*self.module_aliases.values(), *self.imported_names.values()}
        return (
            self.is_streaming_client
            or self.speaks_v2
            or any(module.split(".")[0] == "assemblyai" for module in modules)
        )


class MigrationContext:
    """Per-file state: facts, requested import changes and notes."""

    def __init__(self, path: str = "<string>", selected=()) -> None:
        self.path = path
        #: Codes of the rules that run on this file.
        self.selected = frozenset(selected)
        self.facts = ScriptFacts()
        self.applied: set = set()
        self.imports_to_add: list = []  # (module, name or None)
        self.imports_to_drop: set = set()  # module names to remove when unused
        self._notes: list = []  # (node, code, message)
        self.statement_stack: list = []
        self.scope_stack: list = []
        #: Every node from the module down to the one being visited (both walks).
        self.ancestors: list = []
        #: What each value in the file is (:class:`migrator.model.ValueModel`), built before
        #: the analysis walk so every rule's hooks can ask it.
        self.model = None
        #: Analyses that a family of rules shares for this file (e.g. the SDK rules'), by key.
        self.shared: dict = {}
        #: Library releases the rewrites made so far need (:class:`Need`), in the order asked.
        self.needs: list = []
        #: id(original node) -> what the rewrite walk made of it, for the nodes it rebuilt.
        self.rewritten: dict = {}

    def with_rewrites(self, node: cst.CSTNode) -> cst.CSTNode:
        """``node`` (built by a rule around parts of the original tree) with each of those
        parts as the rewrite walk has already rebuilt it: a rule replacing a statement keeps
        what other rules changed inside the parts it reuses."""
        if not self.rewritten:
            return node
        return node.visit(_Rewritten(self.rewritten))

    # --- changes requested by rules -------------------------------------------------------
    def mark_applied(self, code: str) -> None:
        self.applied.add(code)

    def add_import(self, module: str, name: Optional[str] = None) -> None:
        """Ask for ``import module`` (name None) or ``from module import name``."""
        if (module, name) not in self.imports_to_add:
            self.imports_to_add.append((module, name))

    def drop_import_if_unused(self, module: str) -> None:
        self.imports_to_drop.add(module)

    def require(self, package: str, specifier: str, reason: str, pin_unpinned: bool = False) -> None:
        """Record that the code a rule just wrote needs ``package`` ``specifier`` (``">=14"``);
        :mod:`migrator.manifests` brings the repository's requirement for it up to date."""
        if not specifier.startswith(">=") or "," in specifier:
            raise ValueError(f"a need is one lower bound (>=X), not {specifier!r}")
        need = Need(package, specifier, reason, pin_unpinned)
        if need not in self.needs:
            self.needs.append(need)

    def note(self, node: cst.CSTNode, code: str, message: str, statement=None, severity: str = WARNING) -> None:
        """Leave ``# migrate-stt(CODE): message`` above the statement holding ``node``
        (the one being walked, unless ``statement`` names it); ``severity`` as in
        :mod:`migrator.notes`."""
        if statement is None and self.statement_stack:
            statement = self.statement_stack[-1]
        self._notes.append((node, statement, code, message, severity))

    # --- read by the engine -------------------------------------------------------------
    @property
    def pending_notes(self) -> list:
        return self._notes

    def parent(self, depth: int = 1):
        """The node ``depth`` levels above the one being visited (collect hooks only)."""
        index = -1 - depth
        return self.ancestors[index] if len(self.ancestors) >= -index else None

    @property
    def current_function(self) -> Optional[cst.FunctionDef]:
        return innermost(self.scope_stack, cst.FunctionDef)

    @property
    def current_class(self) -> Optional[cst.ClassDef]:
        return innermost(self.scope_stack, cst.ClassDef)


def innermost(scopes, node_type: type):
    """The innermost of ``scopes`` (outermost first) that is a ``node_type``, or None."""
    for scope in reversed(scopes):
        if type(scope) is node_type:
            return scope
    return None


class _Rewritten(cst.CSTTransformer):
    def __init__(self, rewritten: dict) -> None:
        self.rewritten = rewritten

    def on_leave(self, original_node, updated_node):
        return self.rewritten.get(id(original_node), updated_node)
