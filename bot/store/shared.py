"""Small values kept in the store: what one process decides for all of them (the operator's
pause, a member's erasure), so that processes sharing a PostgreSQL store agree, and what a
process needs again after a restart (its crowded channels' boards). The functions work inside a
caller's transaction; :class:`SharedState` runs each in one of its own."""

from __future__ import annotations

import time

from bot.store.database import Database
from bot.store.sql import Sql


async def get_value(db: Sql, key: str) -> str | None:
    cursor = await db.execute("SELECT value FROM shared_state WHERE key = ?", (key,))
    row = await cursor.fetchone()
    return None if row is None else str(row[0])


async def put_value(db: Sql, key: str, value: str, *, now: float | None = None) -> None:
    await db.execute(
        "INSERT INTO shared_state (key, value, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        (key, value, time.time() if now is None else now),
    )


async def delete_older(db: Sql, prefix: str, *, before: float) -> int:
    """Delete the keys starting with ``prefix`` last set before ``before``; how many."""
    cursor = await db.execute(
        "DELETE FROM shared_state WHERE key LIKE ? AND updated_at <= ?", (prefix + "%", before)
    )
    return cursor.rowcount


class SharedState:
    def __init__(self, database: Database) -> None:
        self._database = database

    async def get(self, key: str) -> str | None:
        async with self._database.reading() as db:
            return await get_value(db, key)

    async def starting_with(self, prefix: str) -> dict[str, str]:
        """Every key that starts with ``prefix`` (no ``%`` or ``_`` in it), with its value."""
        async with self._database.reading() as db:
            cursor = await db.execute(
                "SELECT key, value FROM shared_state WHERE key LIKE ?", (prefix + "%",)
            )
            return {str(key): str(value) for key, value in await cursor.fetchall()}

    async def set(self, key: str, value: str) -> None:
        async with self._database.transaction() as db:
            await put_value(db, key, value)

    async def delete(self, key: str) -> None:
        async with self._database.transaction() as db:
            await db.execute("DELETE FROM shared_state WHERE key = ?", (key,))
