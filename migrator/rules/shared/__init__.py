"""Rules for the wire protocol itself, whichever websocket library carries it."""
