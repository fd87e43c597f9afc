"""A server the bot has left keeps its data for some days, in case the bot is invited back."""

from __future__ import annotations

import time

from bot.store.blobs import digest_of


async def test_a_departed_servers_data_is_purged_unless_the_bot_returns(store):
    for guild in (22, 23):
        await store.guilds.set(guild, "size", "256", by=1)
        await store.presets.add(guild, "p", filename="p.png", data=f"{guild}".encode(),
                                size=(1, 1), by=1)  # fmt: skip
    await store.departures.left(22)
    await store.departures.left(23)
    await store.departures.returned(23)  # invited back before the purge
    assert await store.purge_departed(left_before=time.time() - 3600) == []  # too recent
    assert await store.purge_departed(left_before=time.time() + 1) == [22]
    assert await store.guilds.get(22) == {} and await store.presets.get(22, "p") is None
    assert await store.guilds.get(23) == {"size": "256"}
    async with store.database.reading() as db:
        cursor = await db.execute("SELECT 1 FROM blobs WHERE digest = ?", (digest_of(b"22"),))
        assert await cursor.fetchone() is None  # its preset's image is gone too
