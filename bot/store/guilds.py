"""Each server's settings as its admins stored them: ``key -> value`` text, validated before.

The keys, their ranges and what they mean live in :mod:`bot.jobs.guild_config`; this is only where
they are kept. Reads are served from memory after the first: every ``!stylize`` needs them.
"""

from __future__ import annotations

import time

from cachetools import TTLCache

from bot.store.database import Database

CACHED = 10_000
# Read again after this long: another bot process sharing the store may have changed them.
CACHE_SECONDS = 10.0


class GuildSettingsStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        # The most recently used servers' entries; the rest are read again when asked.
        self._cache: TTLCache[int, dict[str, str]] = TTLCache(maxsize=CACHED, ttl=CACHE_SECONDS)

    async def get(self, guild_id: int) -> dict[str, str]:
        cached = self._cache.get(guild_id)
        if cached is None:
            async with self._database.transaction() as db:
                cursor = await db.execute(
                    "SELECT key, value FROM guild_settings WHERE guild_id = ?", (guild_id,)
                )
                cached = {row["key"]: row["value"] for row in await cursor.fetchall()}
            self._cache[guild_id] = cached
        return dict(cached)

    def forget(self, guild_id: int) -> None:
        """Drop what is cached of a server (its rows were deleted elsewhere)."""
        self._cache.pop(guild_id, None)

    async def set(self, guild_id: int, key: str, value: str, *, by: int) -> None:
        async with self._database.transaction() as db:
            await db.execute(
                """
                INSERT INTO guild_settings (guild_id, key, value, updated_by, updated_at)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (guild_id, key) DO UPDATE SET
                    value = excluded.value,
                    updated_by = excluded.updated_by,
                    updated_at = excluded.updated_at
                """,
                (guild_id, key, value, by, time.time()),
            )
        self._cache.pop(guild_id, None)

    async def reset(self, guild_id: int, key: str | None = None) -> int:
        """Forget one key (or all of them); returns how many were set."""
        async with self._database.transaction() as db:
            if key is None:
                cursor = await db.execute(
                    "DELETE FROM guild_settings WHERE guild_id = ?", (guild_id,)
                )
            else:
                cursor = await db.execute(
                    "DELETE FROM guild_settings WHERE guild_id = ? AND key = ?", (guild_id, key)
                )
        self._cache.pop(guild_id, None)
        return cursor.rowcount
