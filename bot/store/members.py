"""What the bot keeps for each member, wherever they use it: their own defaults (``/prefer``)
and the style image they picked with "Use as style", which expires."""

from __future__ import annotations

import time
from dataclasses import dataclass

from cachetools import TTLCache

from bot.store.blobs import get_blob, put_blob
from bot.store.database import Database

CACHED = 10_000
# Read again after this long: another bot process sharing the store may have changed them.
CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class RememberedStyle:
    filename: str
    data: bytes
    size: tuple[int, int]
    expires_at: float


class MemberStore:
    def __init__(self, database: Database) -> None:
        self._database = database
        # The most recently used members' entries; the rest are read again when asked.
        self._cache: TTLCache[int, dict[str, str]] = TTLCache(maxsize=CACHED, ttl=CACHE_SECONDS)

    # -- preferences: key -> validated text (keys and parsers in bot.jobs.preferences) ------

    async def preferences(self, user_id: int) -> dict[str, str]:
        cached = self._cache.get(user_id)
        if cached is None:
            async with self._database.transaction() as db:
                cursor = await db.execute(
                    "SELECT key, value FROM member_prefs WHERE user_id = ?", (user_id,)
                )
                cached = {row["key"]: row["value"] for row in await cursor.fetchall()}
            self._cache[user_id] = cached
        return dict(cached)

    async def prefer(self, user_id: int, values: dict[str, str]) -> None:
        """Set these keys (an empty value forgets the key)."""
        now = time.time()
        async with self._database.transaction() as db:
            for key, value in values.items():
                if value == "":
                    await db.execute(
                        "DELETE FROM member_prefs WHERE user_id = ? AND key = ?", (user_id, key)
                    )
                    continue
                await db.execute(
                    """
                    INSERT INTO member_prefs (user_id, key, value, updated_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (user_id, key) DO UPDATE SET
                        value = excluded.value, updated_at = excluded.updated_at
                    """,
                    (user_id, key, value, now),
                )
        self._cache.pop(user_id, None)

    async def forget_preferences(self, user_id: int) -> int:
        async with self._database.transaction() as db:
            cursor = await db.execute("DELETE FROM member_prefs WHERE user_id = ?", (user_id,))
        self._cache.pop(user_id, None)
        return cursor.rowcount

    def drop_cached(self, user_id: int) -> None:
        """Forget what is cached of the member (their rows were changed elsewhere)."""
        self._cache.pop(user_id, None)

    # -- the remembered style ----------------------------------------------------------------

    async def remember_style(
        self, user_id: int, *, filename: str, data: bytes, size: tuple[int, int], ttl: float
    ) -> RememberedStyle:
        expires_at = time.time() + ttl
        async with self._database.transaction() as db:
            digest = await put_blob(db, data)
            await db.execute(
                """
                INSERT INTO member_styles (user_id, digest, filename, width, height, expires_at)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest,
                    filename = excluded.filename, width = excluded.width,
                    height = excluded.height, expires_at = excluded.expires_at
                """,
                (user_id, digest, filename, size[0], size[1], expires_at),
            )
        return RememberedStyle(filename, data, size, expires_at)

    async def remembered_style(self, user_id: int) -> RememberedStyle | None:
        """The member's style, if they picked one and it has not expired."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "SELECT * FROM member_styles WHERE user_id = ? AND expires_at > ?",
                (user_id, time.time()),
            )
            row = await cursor.fetchone()
            if row is None:
                return None
            data = await get_blob(db, row["digest"])
        if data is None:
            return None
        return RememberedStyle(
            row["filename"], data, (row["width"], row["height"]), row["expires_at"]
        )

    async def sweep(self) -> int:
        """Forget expired styles (their images go with the next blob sweep)."""
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM member_styles WHERE expires_at <= ?", (time.time(),)
            )
        return cursor.rowcount
