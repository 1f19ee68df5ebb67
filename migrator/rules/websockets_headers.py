"""STT010: ``websockets.connect`` gets the header keyword its client takes.

The tutorial passes the key with ``extra_headers=``, which only the legacy asyncio client
understands; since websockets 14 ``websockets.connect`` is the new client, which takes
``additional_headers=`` and fails on ``extra_headers`` with a TypeError. The choice follows
the import the script uses: ``websockets.connect``, ``websockets.asyncio.client`` and
``websockets.sync.client`` get ``additional_headers`` (needs websockets >= 14 for
``websockets.connect``, >= 13 for the submodules); an explicit legacy import
(``websockets.legacy.client`` or ``websockets.client``) keeps ``extra_headers``. Every
header form (tuple of tuples, dict, variable) is passed through unchanged.
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.rules.base import Rule
from migrator.syntax import dotted_name

_LEGACY_MODULES = ("websockets.legacy", "websockets.client")
_NEW_KEYWORD, _LEGACY_KEYWORD = "additional_headers", "extra_headers"


def qualified_call_name(func, facts) -> str:
    """``websockets.connect`` for ``websockets.connect``, ``ws.connect`` (import websockets
    as ws) or ``connect`` (from websockets import connect)."""
    name = dotted_name(func)
    if not name:
        return ""
    head, _, rest = name.partition(".")
    if head in facts.module_aliases:
        module = facts.module_aliases[head]
        return f"{module}.{rest}" if rest else module
    if head in facts.imported_names:
        qualified = facts.imported_names[head]
        return f"{qualified}.{rest}" if rest else qualified
    return name


class WebsocketsHeaders(Rule):
    code = "STT010"
    name = "websockets-headers"
    summary = "websockets.connect(extra_headers=) -> additional_headers= for the new client (legacy import kept)"
    markers = RULE_MARKERS[code]
    example_before = """
        import websockets

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        async def main(key):
            async with websockets.connect(URL, extra_headers=(("Authorization", key),), ping_interval=5) as ws:
                print(await ws.recv())
    """
    example_after = """
        import websockets

        URL = "wss://api.assemblyai.com/v2/realtime/ws?sample_rate=16000"


        async def main(key):
            async with websockets.connect(URL, additional_headers=(("Authorization", key),), ping_interval=5) as ws:
                print(await ws.recv())
    """

    def __init__(self, context) -> None:
        super().__init__(context)
        self.renames: dict = {}  # id(Arg) -> new keyword

    def collect_Call(self, node: cst.Call) -> None:
        qualified = qualified_call_name(node.func, self.facts)
        if not (qualified.startswith("websockets.") and qualified.endswith(".connect")):
            return
        legacy = qualified.startswith(_LEGACY_MODULES)
        wrong = _NEW_KEYWORD if legacy else _LEGACY_KEYWORD
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value == wrong:
                self.renames[id(arg)] = _LEGACY_KEYWORD if legacy else _NEW_KEYWORD

    def nodes_to_rewrite(self):
        return set(self.renames)

    def rewrite_Arg(self, original: cst.Arg, updated: cst.Arg):
        keyword = self.renames.get(id(original))
        if keyword is None or not self.facts.is_streaming_client:
            return updated
        self.applied()
        return updated.with_changes(keyword=cst.Name(keyword))
