"""What the manifest tests share: the needs the migrated code records, as the rules word them."""

from __future__ import annotations

from migrator.context import Need
from migrator.manifests.pins import Wanted

SDK_REASON = (
    "the migrated code uses StreamingClient (assemblyai.streaming.v3) and a disconnect(terminate=True) "
    "that waits for the last turn"
)
WEBSOCKETS_REASON = "the migrated code passes additional_headers to websockets.connect, which older releases reject"
UNPINNED = "; unpinned, it is satisfied by the older release an environment where the v2 code ran already holds"

SDK_NEED = Need("assemblyai", ">=0.64.16", SDK_REASON, True)
WEBSOCKETS_NEED = Need("websockets", ">=14", WEBSOCKETS_REASON, True)


def wanted(*needs) -> dict:
    """canonical name -> Wanted, as one manifest receives them."""
    result = {}
    for need in needs or (SDK_NEED, WEBSOCKETS_NEED):
        entry = Wanted.of(need, "app/stream.py")
        result[entry.key] = entry
    return result
