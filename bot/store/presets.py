"""Each server's named style images, kept by the bot (Discord's attachment links expire)."""

from __future__ import annotations

import builtins
import time
from dataclasses import dataclass

from bot.store.blobs import digest_of, get_blob, has_blob, put_blob
from bot.store.database import Database
from bot.store.quota import make_server_room
from bot.store.sql import Row


@dataclass(frozen=True)
class PresetInfo:
    name: str
    filename: str
    size: tuple[int, int]
    added_by: int
    added_at: float


@dataclass(frozen=True)
class Preset:
    info: PresetInfo
    data: bytes


class PresetStore:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def add(
        self,
        guild_id: int,
        name: str,
        *,
        filename: str,
        data: bytes,
        size: tuple[int, int],
        by: int,
        server_bytes: int | None = None,
    ) -> bool:
        """Save (or replace) the preset ``name``; True if it replaced one. Within the server's
        storage (``server_bytes``): room is made from old jobs' images, else
        :class:`~bot.store.quota.NoRoom` and nothing is saved."""
        async with self._database.transaction() as db:
            if server_bytes is not None and not await has_blob(db, digest_of(data)):
                await make_server_room(
                    db, guild_id=guild_id, need=len(data), server_bytes=server_bytes
                )
            digest = await put_blob(db, data)
            cursor = await db.execute(
                "SELECT 1 FROM presets WHERE guild_id = ? AND name = ?", (guild_id, name)
            )
            replaced = await cursor.fetchone() is not None
            await db.execute(
                """
                INSERT INTO presets
                    (guild_id, name, digest, filename, width, height, added_by, added_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (guild_id, name) DO UPDATE SET digest = excluded.digest,
                    filename = excluded.filename, width = excluded.width,
                    height = excluded.height, added_by = excluded.added_by,
                    added_at = excluded.added_at
                """,
                (guild_id, name, digest, filename, size[0], size[1], by, time.time()),
            )
        await self._database.release_free_pages()  # room made from old jobs' images
        return replaced

    async def get(self, guild_id: int, name: str) -> Preset | None:
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "SELECT * FROM presets WHERE guild_id = ? AND name = ?", (guild_id, name)
            )
            row = await cursor.fetchone()
            if row is None:
                return None
            data = await get_blob(db, row["digest"])
        if data is None:
            return None
        return Preset(_info(row), data)

    async def list(self, guild_id: int) -> list[PresetInfo]:
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "SELECT * FROM presets WHERE guild_id = ? ORDER BY name", (guild_id,)
            )
            rows = await cursor.fetchall()
        return [_info(row) for row in rows]

    async def names(self, guild_id: int) -> builtins.list[str]:
        return [info.name for info in await self.list(guild_id)]

    async def image(self, guild_id: int, name: str) -> bytes | None:
        preset = await self.get(guild_id, name)
        return preset.data if preset is not None else None

    async def remove(self, guild_id: int, name: str) -> bool:
        async with self._database.transaction() as db:
            cursor = await db.execute(
                "DELETE FROM presets WHERE guild_id = ? AND name = ?", (guild_id, name)
            )
        return cursor.rowcount > 0


def _info(row: Row) -> PresetInfo:
    return PresetInfo(
        name=row["name"],
        filename=row["filename"],
        size=(row["width"], row["height"]),
        added_by=row["added_by"],
        added_at=row["added_at"],
    )
