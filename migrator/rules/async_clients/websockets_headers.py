"""STT010: ``websockets.connect`` gets the header keyword its client takes.

The tutorial passes the key with ``extra_headers=``, which only the legacy asyncio client
understands; since websockets 14 ``websockets.connect`` is the new client, which takes
``additional_headers=`` and fails on ``extra_headers`` with a TypeError. The choice follows
the import the script uses: ``websockets.connect``, ``websockets.asyncio.client`` and
``websockets.sync.client`` get ``additional_headers`` (needs websockets >= 14 for
``websockets.connect``, >= 13 for the submodules); an explicit legacy import
(``websockets.legacy.client`` or ``websockets.client``) keeps ``extra_headers``. Every
header form (tuple of tuples, dict, variable) is passed through unchanged. The rename records
that need (STT030 brings the requirement for ``websockets`` up to date).
"""

from __future__ import annotations

import libcst as cst

from migrator.markers import RULE_MARKERS
from migrator.model import roles
from migrator.rules.base import Rule

#: The websockets clients (by the import that chose them) and what they call the header argument.
_CLIENTS = (roles.WEBSOCKETS, roles.WEBSOCKETS_SYNC, roles.WEBSOCKETS_LEGACY)
_NEW_KEYWORD, _LEGACY_KEYWORD = "additional_headers", "extra_headers"
#: The websockets release from which each client takes ``additional_headers``, and why an
#: unpinned requirement must get the bound: ``websockets.connect`` took ``extra_headers`` before
#: 14, so wherever the v2 code ran an older release is installed.
_MINIMUM = {
    roles.WEBSOCKETS: (
        ">=14",
        "the migrated code passes additional_headers to websockets.connect, which older releases reject",
        True,
    ),
    roles.WEBSOCKETS_SYNC: (
        ">=13",
        "the migrated code passes additional_headers to websockets.sync.client.connect",
        False,
    ),
}


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
                self.renames[id(arg)] = (_LEGACY_KEYWORD, None) if legacy else (_NEW_KEYWORD, _MINIMUM[library])

    def nodes_to_rewrite(self):
        return set(self.renames)

    def rewrite_Arg(self, original: cst.Arg, updated: cst.Arg):
        planned = self.renames.get(id(original))
        if planned is None or not self.facts.is_streaming_client:
            return updated
        keyword, minimum = planned
        self.applied()
        if minimum is not None:
            specifier, reason, pin_unpinned = minimum
            self.context.require("websockets", specifier, reason, pin_unpinned)
        return updated.with_changes(keyword=cst.Name(keyword))
