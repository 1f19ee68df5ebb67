"""Rules for asyncio clients (``websockets``, aiohttp)."""
