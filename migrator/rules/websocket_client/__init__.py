"""Rules for websocket-client scripts (``WebSocketApp``, ``run_forever``)."""
