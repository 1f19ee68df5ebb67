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
from migrator.model import roles
from migrator.rules.base import Rule

#: The websockets clients (by the import that chose them) and what they call the header argument.
_CLIENTS = (roles.WEBSOCKETS, roles.WEBSOCKETS_SYNC, roles.WEBSOCKETS_LEGACY)
_NEW_KEYWORD, _LEGACY_KEYWORD = "additional_headers", "extra_headers"


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

    def __init__(self, context) -> None:
        super().__init__(context)
        self.renames: dict = {}  # id(Arg) -> new keyword

    def collect_Call(self, node: cst.Call) -> None:
        library = self.context.model.connection_opened_by(node)
        if library not in _CLIENTS:
            return
        legacy = library == roles.WEBSOCKETS_LEGACY
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
