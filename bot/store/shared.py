"""Small values kept in the store: what one process decides for all of them (the operator's
pause), so that processes sharing a PostgreSQL store agree, and what a process needs again
after a restart (its crowded channels' boards)."""

from __future__ import annotations

import time

from bot.store.database import Database


class SharedState:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, key: str) -> str | None:
        async with self._database.reading() as db:
            cursor = await db.execute("SELECT value FROM shared_state WHERE key = ?", (key,))
            row = await cursor.fetchone()
        return None if row is None else str(row[0])

    async def starting_with(self, prefix: str) -> dict[str, str]:
        """Every key that starts with ``prefix`` (no ``%`` or ``_`` in it), with its value."""
        async with self._database.reading() as db:
            cursor = await db.execute(
                "SELECT key, value FROM shared_state WHERE key LIKE ?", (prefix + "%",)
            )
            return {str(key): str(value) for key, value in await cursor.fetchall()}

    async def set(self, key: str, value: str) -> None:
        async with self._database.transaction() as db:
            await db.execute(
                "INSERT INTO shared_state (key, value, updated_at) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value, "
                "updated_at = excluded.updated_at",
                (key, value, time.time()),
            )

    async def delete(self, key: str) -> None:
        async with self._database.transaction() as db:
            await db.execute("DELETE FROM shared_state WHERE key = ?", (key,))
