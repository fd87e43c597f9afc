"""The servers the bot has left: their data (settings, presets, finished jobs and the images
only they used) is purged some days later, unless the bot comes back before."""

from __future__ import annotations

import time

from bot.store.blobs import sweep_blobs
from bot.store.database import Database


class Departures:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def left(self, guild_id: int) -> None:
        async with self._database.transaction() as db:
            await db.execute(
                "INSERT INTO departed_guilds (guild_id, left_at) VALUES (?, ?) "
                "ON CONFLICT (guild_id) DO NOTHING",
                (guild_id, time.time()),
            )

    async def returned(self, guild_id: int) -> None:
        async with self._database.transaction() as db:
            await db.execute("DELETE FROM departed_guilds WHERE guild_id = ?", (guild_id,))

    async def purge(self, *, left_before: float) -> list[int]:
        """Forget what the servers left before ``left_before`` (a time.time()) kept: their
        settings, presets and finished jobs (a job still waiting is answered first); returns
        their ids."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "SELECT guild_id FROM departed_guilds WHERE left_at < ?", (left_before,)
            )
            gone = [int(row[0]) for row in await cursor.fetchall()]
            for guild_id in gone:
                await db.execute("DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,))
                await db.execute("DELETE FROM presets WHERE guild_id = ?", (guild_id,))
                await db.execute(
                    "DELETE FROM jobs WHERE guild_id = ? AND finished_at IS NOT NULL", (guild_id,)
                )
                await db.execute("DELETE FROM departed_guilds WHERE guild_id = ?", (guild_id,))
            if gone:
                await sweep_blobs(db)
        if gone:
            await self._database.release_free_pages()
        return gone
