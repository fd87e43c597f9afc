"""Guild settings as stored: set, read back, reset one or all, from many coroutines at once."""

from __future__ import annotations

import asyncio


async def test_set_get_and_reset(store):
    await store.guilds.set(1, "size", "256", by=9)
    await store.guilds.set(1, "style-weight", "60", by=9)
    await store.guilds.set(2, "size", "128", by=9)
    await store.guilds.set(1, "size", "320", by=9)  # replaces
    assert await store.guilds.get(1) == {"size": "320", "style-weight": "60"}
    assert await store.guilds.reset(1, "size") == 1
    assert await store.guilds.get(1) == {"style-weight": "60"}
    assert await store.guilds.reset(1) == 1
    assert await store.guilds.get(1) == {}
    assert await store.guilds.get(2) == {"size": "128"}


async def test_concurrent_writes_all_land(store):
    await asyncio.gather(*(store.guilds.set(g, "size", str(16 + g), by=1) for g in range(60)))
    values = await asyncio.gather(*(store.guilds.get(g) for g in range(60)))
    assert values == [{"size": str(16 + g)} for g in range(60)]
